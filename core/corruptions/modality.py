"""What each modality meets besides: radiographs under- and over-exposed and striped by the
anti-scatter grid; fundus photographs unevenly lit and out of focus; dermatoscopy with hairs,
air bubbles and the colour cast of another device. Through albumentations where it has the
effect; hairs, bubbles and grid lines are painted here (no maintained library draws them).

Albumentations entries: severity (1-5), size -> transform. Painted entries: (uint8 image,
severity, rng) -> uint8 image.
"""

from __future__ import annotations

import albumentations as A
import cv2
import numpy as np

from core.corruptions.general import scaled

UNDEREXPOSED_PHOTONS = (40, 20, 10, 6, 4)  # quantum noise of a low dose (Poisson)
UNDEREXPOSED_CONTRAST = (0.9, 0.8, 0.7, 0.6, 0.5)
OVEREXPOSED_SHIFT = (0.1, 0.2, 0.3, 0.4, 0.5)  # burned-out lung fields once clipped
GRID_AMPLITUDE = (0.02, 0.04, 0.06, 0.09, 0.12)  # anti-scatter grid lines, of the intensity range
GRID_PERIOD_224 = 6.0  # line pitch in pixels at 224 px
ILLUMINATION = (0.04, 0.08, 0.12, 0.16, 0.2)  # darkening toward one side (albumentations' range ends at 0.2)
FUNDUS_DEFOCUS_224 = (4, 6, 8, 10, 12)  # with haze: a small pupil, media opacity
FUNDUS_HAZE = (0.9, 0.8, 0.7, 0.6, 0.5)
HAIRS = (2, 4, 7, 11, 16)
BUBBLES = (1, 2, 4, 6, 9)
COLOUR_SHIFT = (10, 20, 30, 40, 50)  # per channel, of 255, in a random direction per image


def cxr_underexposure(severity: int, size: int):
    contrast = UNDEREXPOSED_CONTRAST[severity - 1] - 1
    return A.Compose([A.RandomBrightnessContrast(brightness_limit=(0, 0), contrast_limit=(contrast, contrast), p=1),
                      A.ShotNoise(scale_range=(1 / UNDEREXPOSED_PHOTONS[severity - 1],) * 2, p=1)])


def cxr_overexposure(severity: int, size: int):
    shift = OVEREXPOSED_SHIFT[severity - 1]
    return A.RandomBrightnessContrast(brightness_limit=(shift, shift), contrast_limit=(0, 0), p=1)


def fundus_illumination(severity: int, size: int):
    strength = ILLUMINATION[severity - 1]
    return A.Illumination(mode="linear", intensity_range=(strength, strength), effect_type="darken", p=1)


def fundus_defocus(severity: int, size: int):
    radius = max(severity, scaled(FUNDUS_DEFOCUS_224[severity - 1], size))
    haze = FUNDUS_HAZE[severity - 1] - 1
    return A.Compose([A.Defocus(radius=(radius, radius), alias_blur=(0.1, 0.1), p=1),
                      A.RandomBrightnessContrast(brightness_limit=(0, 0), contrast_limit=(haze, haze), p=1)])


def derm_colour_cast(severity: int, size: int):
    shift = COLOUR_SHIFT[severity - 1]
    return A.RGBShift(r_shift_limit=(-shift, shift), g_shift_limit=(-shift, shift), b_shift_limit=(-shift, shift),
                      p=1)


def cxr_grid_lines(image: np.ndarray, severity: int, rng) -> np.ndarray:
    """Fine parallel lines of a stationary anti-scatter grid, horizontal or vertical."""
    size = image.shape[0]
    period = max(2.5, GRID_PERIOD_224 * size / 224)
    positions = np.arange(size, dtype=np.float32)
    lines = np.sin(2 * np.pi * positions / period + rng.uniform(0, 2 * np.pi)) * GRID_AMPLITUDE[severity - 1] * 255
    pattern = lines[:, None] if rng.random() < 0.5 else lines[None, :]
    return np.clip(image.astype(np.float32) + pattern[..., None], 0, 255).astype(np.uint8)


def derm_hair(image: np.ndarray, severity: int, rng) -> np.ndarray:
    """Dark, gently curved hairs across the field."""
    size = image.shape[0]
    out = image.copy()
    width = max(1, round(size / 128))
    for _ in range(HAIRS[severity - 1]):
        start = rng.uniform(0, size, 2)
        angle = rng.uniform(0, 2 * np.pi)
        bend = rng.normal(0, 0.01)
        points = []
        for t in np.linspace(0, rng.uniform(0.4, 1.0) * size, 24):
            angle += bend * size / 24
            points.append(start + t * np.array([np.cos(angle), np.sin(angle)]))
        colour = tuple(int(c) for c in rng.uniform(15, 60) * np.array([1.0, 0.8, 0.7]))
        cv2.polylines(out, [np.array(points, np.int32)], False, colour, width, cv2.LINE_AA)
    return out


def derm_bubbles(image: np.ndarray, severity: int, rng) -> np.ndarray:
    """Air bubbles under the contact plate: bright rings with a faint glare inside."""
    size = image.shape[0]
    layer = np.zeros(image.shape[:2], np.float32)
    for _ in range(BUBBLES[severity - 1]):
        centre = (int(rng.uniform(0, size)), int(rng.uniform(0, size)))
        radius = int(rng.uniform(0.03, 0.09) * size) + 1
        cv2.circle(layer, centre, radius, 1.0, max(1, round(size / 128)), cv2.LINE_AA)
        cv2.circle(layer, centre, max(1, radius // 2), 0.35, -1, cv2.LINE_AA)
    alpha = cv2.GaussianBlur(layer, (0, 0), 0.6)[..., None] * 0.8
    return np.clip(image * (1 - alpha) + 250 * alpha, 0, 255).astype(np.uint8)
