"""Where a visible change sits: the patch's square, found from the change itself, so the page
can outline it on the saliency maps and measure how much of a map falls on it; and a finding's
ground-truth mask drawn as a dotted outline. TensorFlow-free."""

from __future__ import annotations

import numpy as np


def changed_region(perturbation: np.ndarray) -> np.ndarray:
    """S x S float mask, 1 over the bounding box of the pixels the change touched (a patch's
    square; all 0 for no change)."""
    touched = np.abs(np.asarray(perturbation)).max(axis=-1) > 0
    mask = np.zeros(touched.shape, np.float32)
    if touched.any():
        rows, columns = np.nonzero(touched)
        mask[rows.min():rows.max() + 1, columns.min():columns.max() + 1] = 1
    return mask


def outlined(tile: np.ndarray, region: np.ndarray) -> np.ndarray:
    """`tile` (S x S x 3: uint8, or float in [0, 1]) with a one-pixel white frame around
    `region`'s box, in the tile's own type."""
    if not region.any():
        return tile
    rows, columns = np.nonzero(region)
    top, bottom, left, right = rows.min(), rows.max(), columns.min(), columns.max()
    white = 255 if np.asarray(tile).dtype == np.uint8 else 1.0
    framed = np.array(tile, copy=True)
    framed[[top, bottom], left:right + 1] = white
    framed[top:bottom + 1, [left, right]] = white
    return framed


def dotted(tile: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """`tile` (S x S x 3 uint8) with `mask`'s outline (S x S, > 0.5 inside) drawn as white dots,
    every other pixel of its border: where a synthetic image's finding really is, over a map
    that stays visible through it."""
    import cv2

    inside = (np.asarray(mask) > 0.5).astype(np.uint8)
    contours, _ = cv2.findContours(inside, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    framed = np.array(tile, copy=True)
    for contour in contours:
        points = contour[::2, 0]  # (x, y) pairs, every other one: a dotted line
        framed[points[:, 1], points[:, 0]] = 255
    return framed
