"""How far is an image from what a model was trained on? (Lee et al. 2018, "A Simple Unified
Framework for Detecting Out-of-Distribution Samples and Adversarial Attacks")

Feature space: the global average of the backbone feature map that feeds the head (the
Grad-CAM layer, the same in both twins). Per class c a Gaussian N(mu_c, Sigma) with one
shared covariance (Ledoit-Wolf shrinkage, so a few hundred images suffice); the score of an
image is its smallest Mahalanobis distance to a class mean,

    d(x) = min_c sqrt((f(x) - mu_c)^T Sigma^-1 (f(x) - mu_c)).

The threshold is a high percentile of d on held-out in-distribution images (the validation
split). The statistics are saved beside the checkpoint (<stem>.ood.npz) at training time.
The DICOM header and the colour of the image are checked against the task too (`assess`).

    python -m core.ood --demo-zoo     (re)compute the statistics of the 12 bundled demo models
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tensorflow as tf

from core.atomic import atomic_path

PERCENTILE = 99.0  # of held-out in-distribution scores: about 1 in 100 real cases is flagged
RADIOGRAPH_MODALITIES = {"CR", "DX", "DR", "RG"}  # what the chest x-ray models were trained on
TASK_BODY_PARTS = {"cxr": {"CHEST", "THORAX", "LUNG", "CHEST_TO_PELVIS"}}
COLOUR_TASKS = {"derm", "fundus"}


@dataclass(frozen=True)
class FeatureGaussians:
    """Class means and the shared precision matrix of the pooled features, and the threshold."""

    means: np.ndarray  # classes x d
    precision: np.ndarray  # d x d
    threshold: float  # PERCENTILE of held-out in-distribution scores
    percentile: float = PERCENTILE


def features(model, images: np.ndarray) -> np.ndarray:
    """N x d: the global average of the feature map feeding the head."""
    from core.attacks.compiled import per_model
    from core.explain.maps import features_and_logits

    def build(model):
        sub = features_and_logits(model)

        @tf.function(input_signature=[tf.TensorSpec((None, *model.input_shape[1:]), tf.float32)])
        def pooled(x):
            return tf.reduce_mean(sub(x, training=False)[0], axis=(1, 2))

        return pooled

    pooled = per_model(model, "pooled_features", build)
    images = np.asarray(images, np.float32)
    return np.concatenate([pooled(tf.constant(images[i:i + 64])).numpy()
                           for i in range(0, len(images), 64)]) if len(images) else np.zeros((0, 0), np.float32)


def mahalanobis(stats: FeatureGaussians, vectors: np.ndarray) -> np.ndarray:
    """Smallest Mahalanobis distance of each row to a class mean."""
    differences = vectors[:, None, :] - stats.means[None, :, :]  # N x C x d
    squared = np.einsum("ncd,de,nce->nc", differences, stats.precision, differences)
    return np.sqrt(np.maximum(squared.min(axis=1), 0.0))


def fit(model, images, labels, held_out_images, *, percentile: float = PERCENTILE) -> FeatureGaussians:
    """Class-conditional Gaussians on `images` (training split) and the threshold on
    `held_out_images` (validation split)."""
    from sklearn.covariance import LedoitWolf

    vectors = features(model, images).astype(np.float64)
    labels = np.asarray(labels)
    classes = np.unique(labels)
    means = np.stack([vectors[labels == c].mean(axis=0) for c in range(int(classes.max()) + 1)])
    centred = vectors - means[labels]
    precision = LedoitWolf(assume_centered=True).fit(centred).precision_
    partial = FeatureGaussians(means.astype(np.float32), precision.astype(np.float32), float("inf"), percentile)
    held_out = mahalanobis(partial, features(model, held_out_images))
    return FeatureGaussians(partial.means, partial.precision, float(np.percentile(held_out, percentile)), percentile)


def ood_path(checkpoint: str | Path) -> Path:
    return Path(checkpoint).with_suffix(".ood.npz")


def save(stats: FeatureGaussians, checkpoint: str | Path) -> Path:
    path = ood_path(checkpoint)
    with atomic_path(path) as temporary:
        with open(temporary, "wb") as file:
            np.savez_compressed(file, means=stats.means, precision=stats.precision,
                                threshold=stats.threshold, percentile=stats.percentile)
    return path


def load(checkpoint: str | Path) -> FeatureGaussians | None:
    """The statistics saved beside `checkpoint`, or None."""
    try:
        with np.load(ood_path(checkpoint), allow_pickle=False) as data:
            return FeatureGaussians(data["means"], data["precision"], float(data["threshold"]),
                                    float(data["percentile"]))
    except (OSError, KeyError, ValueError):
        return None


@dataclass
class Assessment:
    """How an input relates to what the model was trained on."""

    score: float | None  # feature-space distance (None without statistics)
    threshold: float | None
    reasons: list[str]  # plain sentences; empty when nothing is wrong

    @property
    def flagged(self) -> bool:
        return bool(self.reasons)

    def to_dict(self) -> dict:
        return {"score": self.score, "threshold": self.threshold, "flagged": self.flagged, "reasons": self.reasons}


def header_reasons(task: str, image: np.ndarray, metadata: dict) -> list[str]:
    """What the DICOM header and the colours say against the task."""
    reasons = []
    modality = metadata.get("Modality", "").upper()
    if task == "cxr" and modality and modality not in RADIOGRAPH_MODALITIES:
        reasons.append(f"its DICOM Modality is {modality}; the chest x-ray models were trained on radiographs "
                       "(CR/DX)")
    body = metadata.get("BodyPartExamined", "").upper()
    if task in TASK_BODY_PARTS and body and body not in TASK_BODY_PARTS[task]:
        reasons.append(f"its DICOM BodyPartExamined is {body}, not the chest")
    if task in COLOUR_TASKS and modality and modality not in ("XC", "OP", "OT", "SC"):
        reasons.append(f"it is a {modality} DICOM image; this task's models were trained on colour photographs")
    if task in COLOUR_TASKS and np.ptp(image - image.mean(axis=-1, keepdims=True)) < 1e-3:
        reasons.append("it is greyscale; this task's models were trained on colour photographs")
    return reasons


def assess(model, stats: FeatureGaussians | None, task: str, prepared: np.ndarray, metadata: dict,
           raw: np.ndarray | None = None) -> Assessment:
    """Header, colour and feature-space checks of one prepared image (S x S x 3)."""
    reasons = header_reasons(task, prepared if raw is None else raw, metadata)
    if stats is None:
        return Assessment(None, None, reasons)
    score = float(mahalanobis(stats, features(model, prepared[None]))[0])
    if score > stats.threshold:
        reasons.append(f"its features lie {score:.1f} from the training classes (threshold {stats.threshold:.1f}, "
                       f"the {stats.percentile:g}th percentile of held-out training-like images): it does not look "
                       "like what the model was trained on")
    return Assessment(score, stats.threshold, reasons)
