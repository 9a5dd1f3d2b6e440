"""The paper's preprocessing (section 3.2), one path for training, attacks and uploads.

`prepare(image, task, size)` is the single entry point: resize to the model's input, then
the chest x-ray Gaussian filter for `cxr`. The ImageNet mean subtraction happens inside the
model (core.models.preprocessing), so a prepared image is still RGB in [0, 1]: that is the
space epsilon is measured in.
"""

from __future__ import annotations

import cv2
import numpy as np

from core.tasks import Task, get_task

CXR_SIGMA = 20.0  # sigma_x of the paper's blur, at the paper's 224 px input
PAPER_INPUT = 224


def resize(image: np.ndarray, size: int) -> np.ndarray:
    """Resize H x W x C to size x size (the paper resizes without cropping); area
    interpolation when shrinking, bilinear when enlarging."""
    if size < 1:
        raise ValueError(f"size must be a positive number of pixels, got {size}")
    height, width = image.shape[:2]
    if (height, width) == (size, size):
        return image
    shrinking = size < height or size < width
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    return cv2.resize(image, (size, size), interpolation=interpolation)


def cxr_filter(image_uint8: np.ndarray, sigma: float = CXR_SIGMA) -> np.ndarray:
    """The paper's chest x-ray filter (section 3.2, Fig. 1), uint8 in and out.

    Min-max normalise to [0, 255]; x' = 4 x - 4 GaussianBlur(x) + 128, with sigma_x =
    `sigma`, sigma_y = 0 (OpenCV: same as sigma_x) and the kernel size derived from sigma;
    saturated to uint8 as OpenCV's addWeighted does.
    """
    image = np.asarray(image_uint8)
    if image.dtype != np.uint8:
        raise ValueError(f"cxr_filter takes a uint8 image, got {image.dtype}")
    if sigma <= 0:
        raise ValueError(f"sigma must be positive, got {sigma}")
    normalised = cv2.normalize(image, None, 0, 255, cv2.NORM_MINMAX)
    blurred = cv2.GaussianBlur(normalised, (0, 0), sigmaX=sigma, sigmaY=0)
    return cv2.addWeighted(normalised, 4, blurred, -4, 128)


def cxr_sigma(size: int) -> float:
    """sigma for an image of `size` px: the paper's 20 at 224 px, scaled with the image so
    the filter sees the same anatomy at the demo's smaller input."""
    return CXR_SIGMA * size / PAPER_INPUT


def to_uint8(image: np.ndarray) -> np.ndarray:
    """[0, 1] float -> uint8 with rounding."""
    return np.clip(np.rint(np.asarray(image, np.float32) * 255.0), 0, 255).astype(np.uint8)


def prepare(image: np.ndarray, task: str | Task, size: int) -> np.ndarray:
    """Any H x W x 3 float image in [0, 1] -> the model's size x size x 3 float32 input."""
    task = get_task(task) if isinstance(task, str) else task
    image = np.asarray(image, np.float32)
    if image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(f"expected an H x W x 3 RGB image, got shape {image.shape}")
    image = resize(image, size)
    if task.cxr_filter:
        grey = to_uint8(image.mean(axis=-1))
        filtered = cxr_filter(grey, sigma=cxr_sigma(size))
        image = np.repeat(filtered[..., None], 3, axis=-1).astype(np.float32) / 255.0
    return np.ascontiguousarray(image, dtype=np.float32)
