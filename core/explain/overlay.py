"""Heatmap over image, for people to look at."""

from __future__ import annotations

import cv2
import numpy as np

from core.data.preprocess import to_uint8


def overlay(image: np.ndarray, heatmap: np.ndarray, *, alpha: float = 0.45,
            colormap: int = cv2.COLORMAP_JET) -> np.ndarray:
    """Blend a [0, 1] heatmap (H x W) coloured with an OpenCV colormap over an RGB image
    (H x W x 3 in [0, 1]); returns H x W x 3 uint8 RGB."""
    if not 0 <= alpha <= 1:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    if heatmap.shape != image.shape[:2]:
        raise ValueError(f"heatmap {heatmap.shape} and image {image.shape[:2]} sizes differ")
    coloured = cv2.cvtColor(cv2.applyColorMap(to_uint8(heatmap), colormap), cv2.COLOR_BGR2RGB)
    return cv2.addWeighted(to_uint8(image), 1 - alpha, coloured, alpha, 0)
