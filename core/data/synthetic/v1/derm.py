"""Synthetic dermatoscopy: a lesion of one of HAM10000's seven classes on skin of varying
tone, with hairs and a dermatoscope vignette as distractors common to all classes."""

from __future__ import annotations

import cv2
import numpy as np

from core.data.synthetic.painting import blob_mask, branches, dots, paint, smooth_noise
from core.tasks import get_task

SKIN_TONES = np.array([[0.93, 0.78, 0.68], [0.86, 0.67, 0.54], [0.74, 0.55, 0.42], [0.60, 0.43, 0.32]])


def _skin(rng, size) -> np.ndarray:
    tone = SKIN_TONES[rng.integers(len(SKIN_TONES))] * rng.uniform(0.95, 1.05)
    image = np.ones((size, size, 3), np.float32) * tone.astype(np.float32)
    image += smooth_noise(rng, size, 0.15, 0.05)  # uneven illumination and pigmentation
    image += rng.normal(0, 0.015, (size, size, 3)).astype(np.float32)  # pores, sensor noise
    return image


def _hairs(rng, size, image) -> None:
    layer = np.zeros((size, size), np.float32)
    for _ in range(rng.integers(0, 5) if rng.random() < 0.5 else 0):
        start = rng.uniform(0, size, 2)
        branches(rng, layer, start, rng.uniform(0, 2 * np.pi), size * rng.uniform(0.4, 0.9),
                  rng.uniform(1, 2), 0, bend=0.08)
    paint(image, layer, (0.15, 0.1, 0.08))


def _vignette(rng, size, image) -> None:
    if rng.random() < 0.5:
        yy, xx = np.mgrid[:size, :size]
        radius = np.hypot(xx - size / 2, yy - size / 2) / (size / 2)
        paint(image, np.clip((radius - rng.uniform(0.95, 1.1)) * 8, 0, 1), (0.02, 0.02, 0.02))


def render(label: int, rng, size: int) -> np.ndarray:
    """One dermatoscopy image of class `label` (HAM10000's order), `size` x `size` RGB in [0, 1]."""
    image = _skin(rng, size)
    cls = get_task("derm").classes[label]
    centre = size / 2 + rng.normal(0, size * 0.05, 2)
    DERM_PAINTERS[cls](rng, size, image, centre)
    _hairs(rng, size, image)
    _vignette(rng, size, image)
    return np.clip(image, 0, 1)


def _paint_nv(rng, size, image, centre):
    mask = blob_mask(rng, size, centre, size * rng.uniform(0.15, 0.22), irregularity=0.02,
                      asymmetry=0.03, softness=1.2)
    brown = np.array([0.45, 0.28, 0.16]) * rng.uniform(0.8, 1.1)
    paint(image, mask * 0.95, brown)
    grid = np.zeros((size, size), np.float32)  # regular pigment network
    step = int(size * 0.035)
    grid[::step, :] = 1
    grid[:, ::step] = 1
    paint(image, cv2.GaussianBlur(grid, (0, 0), 0.8) * mask * 0.35, brown * 0.6)


def _paint_mel(rng, size, image, centre):
    mask = blob_mask(rng, size, centre, size * rng.uniform(0.23, 0.3), irregularity=0.35,
                      asymmetry=0.25, softness=1.5)
    paint(image, mask * 0.95, (0.32, 0.18, 0.1))
    for colour in ((0.08, 0.05, 0.05), (0.35, 0.4, 0.55), (0.7, 0.3, 0.3)):  # black, blue-grey, red
        patch = blob_mask(rng, size, centre + rng.normal(0, size * 0.08, 2), size * rng.uniform(0.05, 0.11),
                           irregularity=0.4, asymmetry=0.3, softness=3)
        paint(image, patch * mask * 0.85, colour)
    dots(rng, size, mask, rng.integers(6, 14), (1, 3), (0.1, 0.06, 0.05), image)


def _paint_bkl(rng, size, image, centre):
    mask = blob_mask(rng, size, centre, size * rng.uniform(0.17, 0.24), irregularity=0.06,
                      asymmetry=0.08, elongation=rng.uniform(1.1, 1.4), softness=0.8)
    tan = np.array([0.62, 0.45, 0.28]) * rng.uniform(0.8, 1.05)
    paint(image, mask * 0.9, tan)
    paint(image, mask[..., ] * smooth_noise(rng, size, 0.03, 0.3)[..., 0].clip(0, 1), tan * 0.7)
    dots(rng, size, mask, rng.integers(5, 10), (1.5, 3), (0.95, 0.93, 0.85), image)  # milia-like cysts
    dots(rng, size, mask, rng.integers(4, 9), (1.5, 3), (0.2, 0.13, 0.08), image)  # comedo-like openings


def _paint_bcc(rng, size, image, centre):
    mask = blob_mask(rng, size, centre, size * rng.uniform(0.15, 0.22), irregularity=0.08,
                      asymmetry=0.1, softness=2.5)
    paint(image, mask * 0.8, (0.93, 0.72, 0.72))  # pearly pink
    vessels = np.zeros((size, size), np.float32)
    for _ in range(rng.integers(3, 6)):  # arborising vessels
        branches(rng, vessels, centre + rng.normal(0, size * 0.05, 2), rng.uniform(0, 2 * np.pi),
                  size * 0.14, 2.0, 2)
    paint(image, vessels * (mask > 0.2), (0.75, 0.08, 0.12))
    dots(rng, size, mask, rng.integers(2, 5), (3, 5), (0.4, 0.45, 0.55), image, softness=1.5)


def _paint_akiec(rng, size, image, centre):
    mask = blob_mask(rng, size, centre, size * rng.uniform(0.17, 0.25), irregularity=0.15,
                      asymmetry=0.12, softness=6)  # ill-defined
    paint(image, mask * 0.75, (0.85, 0.45, 0.42))
    paint(image, mask * smooth_noise(rng, size, 0.01, 0.5)[..., 0].clip(0, 1), (0.9, 0.3, 0.3))
    flakes = np.zeros((size, size), np.float32)
    for _ in range(rng.integers(10, 20)):  # white-yellow scale
        p = centre + rng.normal(0, size * 0.09, 2)
        axes = (int(rng.integers(2, 6)), int(rng.integers(1, 3)))
        cv2.ellipse(flakes, (int(p[0]), int(p[1])), axes, rng.uniform(0, 180), 0, 360, 1.0, -1, cv2.LINE_AA)
    paint(image, flakes * (mask > 0.3) * 0.9, (0.97, 0.95, 0.85))


def _paint_df(rng, size, image, centre):
    radius = size * rng.uniform(0.1, 0.14)
    ring = blob_mask(rng, size, centre, radius, irregularity=0.05, asymmetry=0.05, softness=3)
    paint(image, ring * 0.8, (0.5, 0.33, 0.2))  # light-brown periphery
    scar = blob_mask(rng, size, centre, radius * 0.45, irregularity=0.2, asymmetry=0.2, softness=1.5)
    paint(image, scar * 0.9, (0.96, 0.93, 0.9))  # central white scar-like patch


def _paint_vasc(rng, size, image, centre):
    mask = blob_mask(rng, size, centre, size * rng.uniform(0.13, 0.2), irregularity=0.06,
                      asymmetry=0.08, softness=0.8)
    paint(image, mask * 0.9, (0.35, 0.08, 0.18))  # dark septa between lacunae
    for colour in ((0.75, 0.1, 0.2), (0.55, 0.12, 0.35), (0.45, 0.2, 0.5)):
        dots(rng, size, mask, rng.integers(5, 9), (3, 6), colour, image, softness=0.8)


DERM_PAINTERS = {"akiec": _paint_akiec, "bcc": _paint_bcc, "bkl": _paint_bkl, "df": _paint_df,
                 "mel": _paint_mel, "nv": _paint_nv, "vasc": _paint_vasc}
