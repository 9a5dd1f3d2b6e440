"""Does a map point at what the model uses? Deletion and insertion (Petsiuk et al. 2018,
RISE), and where an attack puts its energy (Ma et al. 2021).

deletion:  remove the most salient pixels first (set to black), in STEPS equal parts; the
           class probability should fall fast: a SMALL area under the curve is faithful.
insertion: start from a blurred copy and put the most salient pixels back first; the
           probability should rise fast: a LARGE area is faithful.
Both are compared with the same procedure in a random pixel order (seeded).

perturbation energy: the share of an adversarial perturbation's squared L2 norm that falls
inside the 20 % most salient pixels of the clean map (0.2 if the attack ignored the map; Ma
et al. report medical-image attacks placing it outside the salient region).
"""

from __future__ import annotations

import cv2
import numpy as np

from core.explain.compare import TOP_FRACTION, top_region

STEPS = 16


def _orders(saliency: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray]:
    flat = saliency.ravel()
    return np.argsort(-flat, kind="stable"), rng.permutation(flat.size)


def _curve_inputs(image: np.ndarray, order: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """STEPS + 1 images going from `start` to `end` pixel by pixel in `order`."""
    height, width = image.shape[:2]
    out = np.repeat(start[None], STEPS + 1, axis=0).reshape(STEPS + 1, height * width, -1)
    end_flat = end.reshape(height * width, -1)
    for step in range(1, STEPS + 1):
        chosen = order[: int(round(step / STEPS * order.size))]
        out[step, chosen] = end_flat[chosen]
    return out.reshape(STEPS + 1, height, width, -1)


def area(curve: np.ndarray) -> float:
    """Area under a curve sampled at STEPS + 1 equally spaced points of [0, 1] (trapezoid)."""
    curve = np.asarray(curve, np.float64)
    return float(((curve[1:] + curve[:-1]) / 2).mean())


def deletion_insertion(model, images, saliency, classes, *, seed: int = 0) -> dict:
    """Mean areas under the deletion and insertion curves, for the maps and for a random order."""
    from core.attacks import predict

    rng = np.random.default_rng(seed)
    totals = {"deletion": [], "insertion": [], "deletion_random": [], "insertion_random": []}
    for image, saliency_map, target in zip(images, saliency, classes):
        blurred = cv2.GaussianBlur(image, (0, 0), sigmaX=image.shape[0] / 10)
        black = np.zeros_like(image)
        ranked, random = _orders(saliency_map, rng)
        batch = np.concatenate([_curve_inputs(image, ranked, image, black), _curve_inputs(image, ranked, blurred, image),
                                _curve_inputs(image, random, image, black), _curve_inputs(image, random, blurred, image)])
        scores = predict(model, np.clip(batch, 0, 1))[:, int(target)].reshape(4, STEPS + 1)
        for key, curve in zip(totals, scores):
            totals[key].append(area(curve))
    return {key: float(np.mean(values)) for key, values in totals.items()}


def energy_in_salient_region(perturbation: np.ndarray, saliency: np.ndarray,
                             fraction: float = TOP_FRACTION) -> float:
    """Share of sum(delta^2) inside the `fraction` most salient pixels (S x S x 3, S x S)."""
    energy = (perturbation.astype(np.float64) ** 2).sum(axis=-1).ravel()
    total = energy.sum()
    if total == 0:
        return float("nan")
    return float(energy[top_region(saliency, fraction)].sum() / total)
