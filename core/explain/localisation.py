"""Does a saliency map point at the finding? Two standard scores against ground-truth masks
(the synthetic demo renders an exact mask for every lesion and shortcut; the paper's datasets
carry none).

    pointing_game   the map's maximum falls inside the mask (Zhang et al. 2016, "Top-down
                    neural attention by excitation backprop": a hit within 15 px of the
                    annotation on 224 px images; the tolerance here is the same share of the
                    image, 15/224, and can be set to 0)
    energy_inside   the share of the map's mass inside the mask (soft masks weigh each pixel
                    by their value), as in Score-CAM's energy-based pointing game
"""

from __future__ import annotations

import cv2
import numpy as np

POINTING_TOLERANCE = 15 / 224  # of the image's side (Zhang et al. 2016)
MASK_THRESHOLD = 0.5  # a soft mask's pixel counts as inside the finding from this value


def localisation(maps, masks, *, tolerance: float = POINTING_TOLERANCE) -> dict[str, np.ndarray]:
    """Per image: `pointing_game` (1.0 hit, 0.0 miss) and `energy_inside` in [0, 1]; nan for an
    image whose mask is empty (no finding to point at) or whose map is all zero.

    maps: N x H x W saliency maps (any non-negative scale); masks: N x h x w in [0, 1],
    resized to the maps' size when they differ.
    """
    maps = np.asarray(maps, np.float32)
    masks = np.asarray(masks, np.float32)
    if maps.ndim == 2:
        maps, masks = maps[None], masks[None]
    if maps.ndim != 3 or masks.ndim != 3 or len(maps) != len(masks):
        raise ValueError(f"need N x H x W maps and N masks, got shapes {maps.shape} and {masks.shape}")
    if not 0 <= tolerance < 1:
        raise ValueError(f"tolerance must be a share of the image in [0, 1), got {tolerance}")
    size = maps.shape[1:]
    pointing = np.full(len(maps), np.nan)
    energy = np.full(len(maps), np.nan)
    radius = int(round(tolerance * max(size)))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1)) if radius else None
    for i, (heat, mask) in enumerate(zip(maps, masks)):
        if mask.shape != size:
            mask = cv2.resize(mask, (size[1], size[0]), interpolation=cv2.INTER_AREA)
        heat = np.clip(heat, 0, None)
        inside = mask >= MASK_THRESHOLD
        if not inside.any() or heat.sum() <= 0:
            continue
        near = cv2.dilate(inside.astype(np.uint8), kernel) > 0 if kernel is not None else inside
        peak = np.unravel_index(np.argmax(heat), heat.shape)
        pointing[i] = float(near[peak])
        energy[i] = float((heat * np.clip(mask, 0, 1)).sum() / heat.sum())
    return {"pointing_game": pointing, "energy_inside": energy}
