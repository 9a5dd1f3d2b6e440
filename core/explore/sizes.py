"""One picked image for models of different input sizes ("my model against the bundled four"):
each model is sent the image at its own size, and the page draws each column on the image that
model saw. TensorFlow-free: the app process resizes."""

from __future__ import annotations

import cv2
import numpy as np


def fit_image(image: np.ndarray, size: int) -> np.ndarray:
    """`image` (S x S x C, float32 in [0, 1]) at `size` x `size`: itself when it is that size;
    else resized by pixel-area averaging (cv2.INTER_AREA) when shrinking, bilinear when
    enlarging, clipped to [0, 1]. Deterministic: the same input gives the same float32 image."""
    image = np.asarray(image, np.float32)
    if image.shape[0] == size and image.shape[1] == size:
        return image
    shrinking = size < image.shape[0]
    resized = cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)
    if resized.ndim == 2:  # cv2 drops a single channel
        resized = resized[..., None]
    return np.clip(resized, 0.0, 1.0).astype(np.float32)


def fit_mask(mask: np.ndarray, size: int) -> np.ndarray:
    """A ground-truth mask (S x S) at `size` x `size` by nearest neighbour: it stays a mask."""
    mask = np.asarray(mask)
    if mask.shape[0] == size:
        return mask  # as given: the request's key (and every bundled view's) hashes its bytes
    return cv2.resize(mask.astype(np.float32), (size, size), interpolation=cv2.INTER_NEAREST)


def fit_truth(truth: dict | None, size: int) -> dict | None:
    """Every mask of a synthetic image's ground truth at `size`."""
    if not truth:
        return truth
    return {part: None if mask is None else fit_mask(mask, size) for part, mask in truth.items()}
