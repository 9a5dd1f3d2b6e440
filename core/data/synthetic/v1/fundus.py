"""Synthetic fundus photographs: optic disc, macula and vessel arcades; negatives (no or
mild DR) have at most a few microaneurysms, positives add haemorrhages, hard exudates and
many microaneurysms."""

from __future__ import annotations

import numpy as np

from core.data.synthetic.painting import blob_mask, branches, dots, paint, smooth_noise


def render(label: int, rng, size: int) -> np.ndarray:
    """One fundus photograph; label 1 (referable DR) adds haemorrhages, exudates and many
    microaneurysms."""
    yy, xx = np.mgrid[:size, :size].astype(np.float32)
    centre = np.array([size / 2, size / 2]) + rng.normal(0, size * 0.01, 2)
    radius = size * 0.46
    distance = np.hypot(xx - centre[0], yy - centre[1]) / radius
    disc = np.clip((1 - distance) * 40, 0, 1)
    base = np.array([0.78, 0.33, 0.13]) * rng.uniform(0.8, 1.1) + rng.normal(0, 0.03, 3)
    image = np.ones((size, size, 3), np.float32) * base.astype(np.float32)
    image *= (1 - 0.45 * distance**2)[..., None]  # darker towards the rim
    image += smooth_noise(rng, size, 0.05, 0.05)
    side = rng.choice([-1, 1])  # left or right eye
    optic = centre + np.array([side * size * 0.2, rng.normal(0, size * 0.02)])
    macula = centre - np.array([side * size * 0.08, 0])
    paint(image, blob_mask(rng, size, macula, size * 0.07, irregularity=0, asymmetry=0, softness=6) * 0.5,
           base * 0.55)
    vessels = np.zeros((size, size), np.float32)
    for vertical in (-1, 1):  # superior and inferior arcades around the macula
        for spread in (0.5, 1.2):
            angle = np.pi * (1 if side > 0 else 0) + vertical * spread * rng.uniform(0.6, 1.0)
            branches(rng, vessels, optic, angle, size * 0.3, 2.6, 2, bend=0.25)
    paint(image, vessels * 0.85, base * 0.45)
    paint(image, blob_mask(rng, size, optic, size * 0.06, irregularity=0.02, asymmetry=0.02, softness=2),
           (0.98, 0.88, 0.6))
    paint(image, blob_mask(rng, size, optic, size * 0.025, irregularity=0, asymmetry=0, softness=2) * 0.8,
           (1.0, 0.97, 0.85))
    retina = (distance < 0.92).astype(np.float32) * (np.hypot(xx - optic[0], yy - optic[1]) > size * 0.08)
    red = (0.4, 0.05, 0.04)
    if label == 0:  # no or mild DR: at most a few microaneurysms
        dots(rng, size, retina, rng.integers(0, 3), (1, 1.5), red, image)
    else:  # moderate to proliferative: haemorrhages, exudates, many microaneurysms
        dots(rng, size, retina, rng.integers(6, 20), (1, 1.8), red, image)
        dots(rng, size, retina, rng.integers(3, 9), (2.5, 5), (0.35, 0.04, 0.03), image, softness=1.5)
        cluster = blob_mask(rng, size, macula + rng.normal(0, size * 0.08, 2), size * 0.12,
                             irregularity=0.3, asymmetry=0.3, softness=2) * retina
        dots(rng, size, cluster, rng.integers(5, 15), (1.2, 2.5), (0.98, 0.9, 0.45), image)
    image *= disc[..., None]
    return np.clip(image, 0, 1)
