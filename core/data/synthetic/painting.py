"""Drawing primitives shared by the synthetic renderers: smooth noise, lesion outlines,
alpha-blended paint, dots and branching lines (vessels, hairs)."""

from __future__ import annotations

import cv2
import numpy as np


def smooth_noise(rng, size: int, scale: float, amplitude: float, channels: int = 1) -> np.ndarray:
    """Low-frequency noise: random values blurred with a Gaussian of `scale` * size."""
    noise = rng.normal(size=(size, size, channels)).astype(np.float32)
    noise = cv2.GaussianBlur(noise, (0, 0), sigmaX=max(scale * size, 0.5))
    noise = noise.reshape(size, size, channels)
    noise /= np.abs(noise).max() + 1e-6
    return noise * amplitude


def blob_mask(rng, size, centre, radius, *, irregularity, asymmetry, elongation=1.0,
               softness=1.0, angle=None) -> np.ndarray:
    """A filled lesion outline r(theta) = radius (1 + low + high harmonics), in [0, 1]."""
    theta = np.linspace(0, 2 * np.pi, 180, endpoint=False)
    r = np.ones_like(theta)
    for k in (1, 2):
        r += asymmetry * rng.uniform(0.3, 1.0) * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    for k in range(3, 12):
        r += irregularity * rng.uniform(0, 1) / np.sqrt(k) * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    angle = rng.uniform(0, np.pi) if angle is None else angle
    x = radius * r * np.cos(theta) * elongation
    y = radius * r * np.sin(theta) / elongation
    xr = centre[0] + x * np.cos(angle) - y * np.sin(angle)
    yr = centre[1] + x * np.sin(angle) + y * np.cos(angle)
    mask = np.zeros((size, size), np.float32)
    points = np.stack([xr, yr], axis=1).round().astype(np.int32)
    cv2.fillPoly(mask, [points], 1.0, lineType=cv2.LINE_AA)
    return cv2.GaussianBlur(mask, (0, 0), sigmaX=softness)


def paint(image, mask, colour) -> None:
    """Alpha-blend `colour` into `image` where `mask` (H x W, [0, 1]) is set."""
    image += mask[..., None] * (np.asarray(colour, np.float32) - image)


def spot_layer(rng, size, where, count, radius_range, *, quadrants: bool = False) -> np.ndarray | None:
    """`count` filled discs of a drawn radius at random pixels of `where` (> 0.5), drawn into a
    new layer; with `quadrants`, the k-th disc falls in quadrant k mod 4 where it can. None
    when there is nowhere to draw."""
    ys, xs = np.nonzero(where > 0.5)
    if len(xs) == 0 or count <= 0:
        return None
    layer = np.zeros((size, size), np.float32)
    for k in range(count):
        pool = np.arange(len(xs))
        if quadrants:
            q = k % 4
            chosen = ((xs >= size / 2) == (q % 2 == 1)) & ((ys >= size / 2) == (q >= 2))
            pool = pool[chosen] if chosen.any() else pool
        i = pool[rng.integers(len(pool))]
        cv2.circle(layer, (int(xs[i]), int(ys[i])), max(1, int(round(rng.uniform(*radius_range)))), 1.0, -1,
                   cv2.LINE_AA)
    return layer


def dots(rng, size, mask, count, radius_range, colour, image, softness=0.6) -> None:
    """`count` round dots at random positions inside `mask`."""
    ys, xs = np.nonzero(mask > 0.5)
    if len(xs) == 0:
        return
    layer = np.zeros((size, size), np.float32)
    for _ in range(count):
        i = rng.integers(len(xs))
        radius = max(1, int(round(rng.uniform(*radius_range))))
        cv2.circle(layer, (int(xs[i]), int(ys[i])), radius, 1.0, -1, cv2.LINE_AA)
    paint(image, cv2.GaussianBlur(layer, (0, 0), softness) * (mask > 0.3), colour)


def branches(rng, layer, start, angle, length, thickness, depth, *, bend=0.35, value=1.0) -> None:
    """A recursively branching curved line (vessels), drawn into `layer`."""
    x, y = start
    steps = 6
    for _ in range(steps):
        angle += rng.normal(0, bend)
        nx, ny = x + np.cos(angle) * length / steps, y + np.sin(angle) * length / steps
        cv2.line(layer, (int(x), int(y)), (int(nx), int(ny)), value, max(1, int(round(thickness))),
                 cv2.LINE_AA)
        x, y = nx, ny
    if depth > 0:
        for side in (-1, 1):
            branches(rng, layer, (x, y), angle + side * rng.uniform(0.3, 0.8), length * 0.6,
                      thickness * 0.7, depth - 1, bend=bend, value=value)
