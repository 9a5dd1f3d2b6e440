"""Acquisition nuisances shared by every task, drawn independently of the class: uneven
illumination, exposure, a colour cast per simulated device, focus blur, sensor noise, JPEG
recompression and vignetting. Each takes an H x W x 3 float image and a generator and returns
the image; each draws the same number of values whatever it decides, so a stream stays in
step between images."""

from __future__ import annotations

import cv2
import numpy as np

from core.data.synthetic.painting import smooth_noise

# Per-channel gains of simulated cameras / dermatoscopes (white balance differs by device).
DEVICE_GAINS = np.array([[1.00, 1.00, 1.00], [1.06, 0.98, 0.90], [0.93, 1.00, 1.08],
                         [1.04, 1.03, 0.94], [0.97, 0.95, 1.02]], np.float32)


def illumination(image, rng, strength: float) -> np.ndarray:
    """Multiply by a smooth field of +/- `strength` (uneven lighting, lens fall-off)."""
    field = 1 + smooth_noise(rng, image.shape[0], 0.3, strength)
    return image * field


def exposure(image, rng, *, gain=(0.85, 1.15), gamma=(0.8, 1.25)) -> np.ndarray:
    """Under- or over-exposure: a gain, then a gamma."""
    g, p = rng.uniform(*gain), rng.uniform(*gamma)
    return np.clip(image * g, 0, 1) ** p


def colour_cast(image, rng) -> np.ndarray:
    """The white balance of one of DEVICE_GAINS's devices, jittered."""
    gains = DEVICE_GAINS[rng.integers(len(DEVICE_GAINS))] * rng.uniform(0.97, 1.03, 3)
    return image * gains.astype(np.float32)


def focus_blur(image, rng, *, probability: float, sigma=(0.6, 2.0)) -> np.ndarray:
    """With `probability`, a Gaussian defocus of `sigma` pixels."""
    hit, s = rng.random() < probability, rng.uniform(*sigma)
    return cv2.GaussianBlur(image, (0, 0), s) if hit else image


def sensor_noise(image, rng, *, sigma=(0.003, 0.02)) -> np.ndarray:
    """Additive Gaussian noise of a drawn level."""
    s = rng.uniform(*sigma)
    return image + rng.normal(0, s, image.shape).astype(np.float32)


def jpeg(image, rng, *, probability: float = 0.5, quality=(55, 95)) -> np.ndarray:
    """With `probability`, a JPEG round trip at a drawn quality (recompressed exports)."""
    hit, q = rng.random() < probability, int(rng.integers(*quality))
    if not hit:
        return image
    encoded = cv2.imencode(".jpg", (np.clip(image, 0, 1) * 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, q])[1]
    return cv2.imdecode(encoded, cv2.IMREAD_UNCHANGED).astype(np.float32).reshape(image.shape) / 255


def vignette(image, rng, *, probability: float, start=(0.85, 1.05)) -> np.ndarray:
    """With `probability`, a dark circular fall-off from a drawn radius (dermatoscope field)."""
    hit, r0 = rng.random() < probability, rng.uniform(*start)
    if not hit:
        return image
    size = image.shape[0]
    yy, xx = np.mgrid[:size, :size]
    radius = np.hypot(xx - size / 2, yy - size / 2) / (size / 2)
    return image * (1 - np.clip((radius - r0) * 6, 0, 1))[..., None]


def common(image, rng, *, blur_probability: float, jpeg_probability: float = 0.5) -> np.ndarray:
    """The nuisances every modality shares, in the order a camera applies them."""
    image = exposure(image, rng)
    image = focus_blur(image, rng, probability=blur_probability)
    image = sensor_noise(image, rng)
    return np.clip(jpeg(np.clip(image, 0, 1), rng, probability=jpeg_probability), 0, 1)
