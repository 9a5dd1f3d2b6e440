"""How far did the attack move the explanation? Clean vs adversarial heatmaps."""

from __future__ import annotations

import numpy as np

TOP_FRACTION = 0.2  # "top-20 % region": the 20 % most salient pixels


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.ravel() - a.mean(), b.ravel() - b.mean()
    denominator = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / denominator) if denominator > 0 else float("nan")


def top_region(saliency: np.ndarray, fraction: float = TOP_FRACTION) -> np.ndarray:
    """The `fraction` most salient pixels of a map, as a flat boolean mask (ties: first pixels)."""
    top = np.zeros(saliency.size, bool)
    top[np.argsort(-saliency.ravel(), kind="stable")[: max(1, int(round(fraction * saliency.size)))]] = True
    return top


def top_region_overlap(a: np.ndarray, b: np.ndarray, fraction: float = TOP_FRACTION) -> float:
    """Intersection over union of the `fraction` most salient pixels of each map."""
    top_a, top_b = top_region(a, fraction), top_region(b, fraction)
    return float((top_a & top_b).sum() / (top_a | top_b).sum())


def centre_of_mass(heatmap: np.ndarray) -> np.ndarray:
    """(row, column) of the heatmap's centre of mass; the image centre if it is all zero."""
    total = heatmap.sum()
    rows, cols = np.indices(heatmap.shape)
    if total <= 0:
        return np.array([(heatmap.shape[0] - 1) / 2, (heatmap.shape[1] - 1) / 2])
    return np.array([(rows * heatmap).sum() / total, (cols * heatmap).sum() / total])


def compare(clean: np.ndarray, adversarial: np.ndarray) -> dict[str, float]:
    """Similarity of two H x W heatmaps: Pearson correlation, IoU of the top-20 % regions,
    and the shift of the centre of mass in pixels."""
    clean, adversarial = np.asarray(clean, np.float64), np.asarray(adversarial, np.float64)
    if clean.shape != adversarial.shape or clean.ndim != 2:
        raise ValueError(f"compare takes two H x W maps of one size, got {clean.shape} and {adversarial.shape}")
    shift = np.linalg.norm(centre_of_mass(clean) - centre_of_mass(adversarial))
    return {"pearson": _pearson(clean, adversarial),
            "top20_iou": top_region_overlap(clean, adversarial),
            "centre_shift_px": float(shift)}
