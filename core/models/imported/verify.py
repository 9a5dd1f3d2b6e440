"""The import's proof: the imported model against the original's own runtime, on task images.

The expected probabilities are computed here in numpy from the original runtime's raw
output (the same class mapping, written a second time), so a slip in the Keras layers
shows as a difference instead of being copied into both sides.
"""

from __future__ import annotations

import numpy as np

from core.models.adapters import IMAGENET_MEAN, IMAGENET_STD, LUMINANCE
from core.models.preprocessing import IMAGENET_MEAN_BGR

TOLERANCE = 1e-4  # largest absolute difference in any class probability
VERIFY_IMAGES = 8  # synthetic images of the task, at the model's input size


def model_input(images: np.ndarray, *, mode: str, channels: int, channels_first: bool) -> np.ndarray:
    """RGB [0, 1] N x S x S x 3 -> what the model takes (settings.PREPROCESSINGS), in numpy."""
    x = images.astype(np.float64)
    if channels == 1:
        x = (x * np.asarray(LUMINANCE)).sum(axis=-1, keepdims=True)
    if mode == "symmetric":
        x = x * 2 - 1
    elif mode == "uint8":
        x = x * 255
    elif mode == "imagenet":
        mean, std = (IMAGENET_MEAN, IMAGENET_STD) if channels == 3 else ([np.mean(IMAGENET_MEAN)], [np.mean(IMAGENET_STD)])
        x = (x - np.asarray(mean)) / np.asarray(std)
    elif mode == "caffe":
        x = x[..., ::-1] * 255 - np.asarray(IMAGENET_MEAN_BGR)
    x = x.astype(np.float32)
    return np.transpose(x, (0, 3, 1, 2)) if channels_first else x


def expected_probabilities(raw: np.ndarray, *, output: str, units: tuple[int, ...]) -> np.ndarray:
    """The task's class probabilities the original's raw output means (see layers.ClassScores)."""
    raw = raw.reshape(len(raw), -1).astype(np.float64)
    if output == "logit":  # one logit unit of a binary task
        s = 1 / (1 + np.exp(-raw[:, units[0]]))
        return np.stack([1 - s, s], axis=1)
    if output == "sigmoid":
        s = raw[:, units[0]]
        return np.stack([1 - s, s], axis=1)
    chosen = raw[:, list(units)]
    if output == "softmax":
        return chosen / chosen.sum(axis=1, keepdims=True)
    shifted = np.exp(chosen - chosen.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def difference(model, reference, images: np.ndarray, *, layout: dict, output: str, units) -> float:
    """Largest absolute probability difference between `model` (the imported Keras model, fed
    RGB [0, 1]) and `reference` (the original runtime, fed its own input)."""
    expected = expected_probabilities(reference(model_input(images, **layout)), output=output, units=units)
    found = np.asarray(model(images, training=False), dtype=np.float64)
    if found.shape != expected.shape:
        raise AssertionError(f"imported model gives {found.shape}, the original {expected.shape}")
    return float(np.max(np.abs(found - expected)))
