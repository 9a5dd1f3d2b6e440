"""The corruptions every modality meets, through albumentations (2.0.8, MIT; its successor
AlbumentationsX is AGPL-3.0, which a tool others embed cannot take on lightly), at the five
severities of Hendrycks & Dietterich 2019 (ImageNet-C) where they define one, and MedMNIST-C's
(Di Salvo et al. 2024) otherwise. Blur radii are given at 224 px and scaled to the image size.

Each entry: severity (1-5) -> an albumentations transform applied with probability 1.
"""

from __future__ import annotations

import albumentations as A
import cv2

# ImageNet-C's levels, severity 1..5
GAUSSIAN_STD = (0.08, 0.12, 0.18, 0.26, 0.38)  # pixel-scale standard deviation
SHOT_PHOTONS = (60, 25, 12, 5, 3)  # photons per unit intensity (Poisson)
DEFOCUS_RADIUS_224 = (3, 4, 6, 8, 10)  # disc radius in pixels at 224 px
MOTION_KERNEL_224 = (7, 11, 15, 19, 25)  # kernel length in pixels at 224 px
JPEG_QUALITY = (25, 18, 15, 10, 7)
CONTRAST_FACTOR = (0.4, 0.3, 0.2, 0.1, 0.05)  # (x - mean) * c + mean
BRIGHTNESS_SHIFT = (0.1, 0.2, 0.3, 0.4, 0.5)
# MedMNIST-C's levels
GAMMA = (1.5, 2.0, 2.5, 3.0, 3.5)  # x ** gamma: darker mid-tones (a detector's wrong response curve)
DOWNSCALE = (0.75, 0.6, 0.4, 0.25, 0.2)  # share of the resolution kept (area), then back up (bilinear)


def scaled(value: float, size: int, *, odd: bool = False) -> int:
    """A length given at 224 px, at `size` px (at least 1; odd when a kernel needs it)."""
    length = max(1, round(value * size / 224))
    return length + (1 - length % 2) if odd else length


def gaussian_noise(severity: int, size: int):
    std = GAUSSIAN_STD[severity - 1]
    return A.GaussNoise(std_range=(std, std), per_channel=True, p=1)


def shot_noise(severity: int, size: int):
    scale = 1 / SHOT_PHOTONS[severity - 1]  # albumentations: the reciprocal of the photon count
    return A.ShotNoise(scale_range=(scale, scale), p=1)


def defocus_blur(severity: int, size: int):
    radius = max(severity, scaled(DEFOCUS_RADIUS_224[severity - 1], size))  # distinct radii on small images
    return A.Defocus(radius=(radius, radius), alias_blur=(0.1, 0.1), p=1)


def motion_blur(severity: int, size: int):
    kernel = max(2 * severity + 1, scaled(MOTION_KERNEL_224[severity - 1], size, odd=True))  # distinct, odd
    return A.MotionBlur(blur_limit=(kernel, kernel), allow_shifted=False, p=1)


def jpeg(severity: int, size: int):
    quality = JPEG_QUALITY[severity - 1]
    return A.ImageCompression(compression_type="jpeg", quality_range=(quality, quality), p=1)


def contrast(severity: int, size: int):
    change = CONTRAST_FACTOR[severity - 1] - 1
    return A.RandomBrightnessContrast(brightness_limit=(0, 0), contrast_limit=(change, change), p=1)


def brightness(severity: int, size: int):
    shift = BRIGHTNESS_SHIFT[severity - 1]
    return A.RandomBrightnessContrast(brightness_limit=(shift, shift), contrast_limit=(0, 0), p=1)


def gamma(severity: int, size: int):
    percent = 100 * GAMMA[severity - 1]  # albumentations gives gamma in percent
    return A.RandomGamma(gamma_limit=(percent, percent), p=1)


def downscale(severity: int, size: int):
    scale = DOWNSCALE[severity - 1]
    return A.Downscale(scale_range=(scale, scale), p=1,
                       interpolation_pair={"downscale": cv2.INTER_AREA, "upscale": cv2.INTER_LINEAR})
