"""Synthetic chest radiographs: lungs, ribs, clavicles, heart and lung markings; positives
have a pneumothorax, a lucent region without lung markings bounded by a thin pleural line."""

from __future__ import annotations

import cv2
import numpy as np

from core.data.synthetic.painting import blob_mask, branches, paint, smooth_noise


def render(label: int, rng, size: int) -> np.ndarray:
    """One chest radiograph (grey, as RGB); label 1 adds a pneumothorax."""
    s = size
    grey = np.full((s, s), 0.08, np.float32)
    body = blob_mask(rng, s, (s / 2, s * 0.55), s * 0.47, irregularity=0, asymmetry=0.02,
                      elongation=1.05, softness=4)
    paint(grey[..., None], body, (0.5,))
    lungs, markings = [], np.zeros((s, s), np.float32)
    for side in (-1, 1):
        centre = (s / 2 + side * s * 0.2 + rng.normal(0, s * 0.01), s * 0.48)
        lung = blob_mask(rng, s, centre, s * 0.19, irregularity=0.02, asymmetry=0.05, elongation=0.62,
                          softness=3, angle=side * rng.uniform(0.05, 0.15))
        lungs.append((lung, centre, side))
        paint(grey[..., None], lung * 0.9, (0.3,))
        hilum = (centre[0] - side * s * 0.06, centre[1])
        for _ in range(7):  # vessels fanning out from the hilum
            angle = np.arctan2(rng.uniform(-1, 1), side * rng.uniform(0.2, 1))
            branches(rng, markings, hilum, angle, s * 0.14, 1.2, 2, bend=0.3)
    for y in np.linspace(s * 0.22, s * 0.72, 8) + rng.normal(0, s * 0.005, 8):  # posterior ribs
        for side in (-1, 1):
            cv2.ellipse(markings, (int(s / 2), int(y - s * 0.08)), (int(s * 0.36), int(s * 0.1)),
                        0, 90 - side * 20, 90 - side * 75, 0.5, max(2, s // 60), cv2.LINE_AA)
    for side in (-1, 1):  # clavicles
        cv2.line(markings, (int(s / 2 + side * s * 0.05), int(s * 0.2)),
                 (int(s / 2 + side * s * 0.33), int(s * 0.15)), 0.7, max(2, s // 50), cv2.LINE_AA)
    if label == 1:
        lung, centre, side = lungs[rng.integers(2)]
        collapse = rng.uniform(0.55, 0.8)  # fraction of the lung's size that stays inflated
        shifted = (centre[0] - side * s * 0.19 * (1 - collapse), centre[1] + s * 0.22 * (1 - collapse))
        inflated = blob_mask(rng, s, shifted, s * 0.19 * collapse, irregularity=0.02, asymmetry=0.03,
                              elongation=0.62, softness=1, angle=side * 0.1)
        pneumothorax = np.clip((lung > 0.5) - inflated, 0, 1)
        markings *= 1 - cv2.GaussianBlur(pneumothorax, (0, 0), 1)  # no lung markings there
        paint(grey[..., None], pneumothorax, (0.25,))  # more lucent than lung
        edge = cv2.morphologyEx((inflated > 0.5).astype(np.uint8), cv2.MORPH_GRADIENT, np.ones((3, 3)))
        pleural = edge.astype(np.float32) * (cv2.dilate(pneumothorax, np.ones((5, 5))) > 0.5)
        paint(grey[..., None], pleural * 0.8, (0.45,))  # the visceral pleural line
    heart = blob_mask(rng, s, (s / 2 + s * 0.06, s * 0.6), s * 0.13, irregularity=0.02, asymmetry=0.05,
                       softness=5)
    paint(grey[..., None], heart * 0.85, (0.52,))
    paint(grey[..., None], np.clip(markings, 0, 1) * body * 0.3, (0.55,))
    spine = np.zeros((s, s), np.float32)
    cv2.rectangle(spine, (int(s * 0.46), 0), (int(s * 0.54), s), 1.0, -1)
    paint(grey[..., None], cv2.GaussianBlur(spine, (0, 0), 3) * 0.5, (0.58,))
    grey += smooth_noise(rng, s, 0.2, 0.04)[..., 0] + rng.normal(0, 0.01, (s, s)).astype(np.float32)
    return np.repeat(np.clip(grey, 0, 1)[..., None], 3, axis=-1)
