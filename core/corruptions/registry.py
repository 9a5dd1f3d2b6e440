"""The registry: one entry per corruption, a plain dict the UI and the evaluation read."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from core.corruptions import general, modality
from core.data.preprocess import to_uint8

SEVERITIES = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Corruption:
    """A corruption: its title, which tasks it belongs to (None: every one), where its
    severities come from, and fn(images, severity, seed) -> images (N x S x S x 3 in [0, 1])."""

    title: str
    tasks: tuple[str, ...] | None
    source: str
    fn: Callable[[np.ndarray, int, int], np.ndarray]


def _through_albumentations(factory) -> Callable:
    """fn for an albumentations transform built by factory(severity, size): each image in turn,
    as 8-bit (the corruptions are defined on 8-bit images), seeded per call."""
    import albumentations as A

    def fn(images: np.ndarray, severity: int, seed: int) -> np.ndarray:
        if not len(images):
            return images.copy()
        pipeline = A.Compose([factory(severity, images.shape[1])], seed=int(seed))
        out = [pipeline(image=to_uint8(image))["image"] for image in images]
        return np.stack(out).astype(np.float32) / 255

    return fn


def _painted(painter) -> Callable:
    """fn for a painter (uint8 image, severity, rng) -> uint8 image, one generator per call."""

    def fn(images: np.ndarray, severity: int, seed: int) -> np.ndarray:
        rng = np.random.default_rng(seed)
        out = [painter(to_uint8(image), severity, rng) for image in images]
        return np.stack(out).astype(np.float32) / 255 if out else images.copy()

    return fn


IMAGENET_C = "Hendrycks & Dietterich 2019 (ImageNet-C)"
MEDMNIST_C = "Di Salvo et al. 2024 (MedMNIST-C)"
OURS = "this tool, after the modality's known artefacts"
CORRUPTIONS: dict[str, Corruption] = {
    "gaussian_noise": Corruption("Gaussian noise", None, IMAGENET_C, _through_albumentations(general.gaussian_noise)),
    "shot_noise": Corruption("Shot (Poisson) noise", None, IMAGENET_C, _through_albumentations(general.shot_noise)),
    "defocus_blur": Corruption("Defocus blur", None, IMAGENET_C, _through_albumentations(general.defocus_blur)),
    "motion_blur": Corruption("Motion blur", None, IMAGENET_C, _through_albumentations(general.motion_blur)),
    "jpeg": Corruption("JPEG compression", None, IMAGENET_C, _through_albumentations(general.jpeg)),
    "contrast": Corruption("Low contrast", None, IMAGENET_C, _through_albumentations(general.contrast)),
    "brightness": Corruption("Brightness", None, IMAGENET_C, _through_albumentations(general.brightness)),
    "gamma": Corruption("Gamma", None, MEDMNIST_C, _through_albumentations(general.gamma)),
    "downscale": Corruption("Downscaling", None, MEDMNIST_C, _through_albumentations(general.downscale)),
    "cxr_underexposure": Corruption("Under-exposure (quantum noise)", ("cxr",), OURS,
                                    _through_albumentations(modality.cxr_underexposure)),
    "cxr_overexposure": Corruption("Over-exposure (burned out)", ("cxr",), OURS,
                                   _through_albumentations(modality.cxr_overexposure)),
    "cxr_grid_lines": Corruption("Anti-scatter grid lines", ("cxr",), OURS, _painted(modality.cxr_grid_lines)),
    "fundus_illumination": Corruption("Uneven illumination", ("fundus",), OURS,
                                      _through_albumentations(modality.fundus_illumination)),
    "fundus_defocus": Corruption("Defocus and haze", ("fundus",), OURS,
                                 _through_albumentations(modality.fundus_defocus)),
    "derm_hair": Corruption("Hairs", ("derm",), OURS, _painted(modality.derm_hair)),
    "derm_bubbles": Corruption("Air bubbles", ("derm",), OURS, _painted(modality.derm_bubbles)),
    "derm_colour_cast": Corruption("Colour cast of another device", ("derm",), OURS,
                                   _through_albumentations(modality.derm_colour_cast)),
}


def corruptions_for(task: str) -> dict[str, Corruption]:
    """The corruptions that apply to `task`: every general one and its modality's own."""
    return {name: c for name, c in CORRUPTIONS.items() if c.tasks is None or task in c.tasks}


def corrupt(images, name: str, severity: int, *, seed: int = 0, task: str | None = None) -> np.ndarray:
    """`images` (N x S x S x 3 float in [0, 1]) under corruption `name` at `severity` (1-5),
    deterministic for a seed. With `task`, a corruption of another modality is refused."""
    if name not in CORRUPTIONS:
        raise ValueError(f"unknown corruption {name!r}; expected one of {sorted(CORRUPTIONS)}")
    corruption = CORRUPTIONS[name]
    if isinstance(severity, bool) or not isinstance(severity, (int, np.integer)) or severity not in SEVERITIES:
        raise ValueError(f"severity must be a whole number from 1 to 5, got {severity!r}")
    if task is not None and corruption.tasks is not None and task not in corruption.tasks:
        raise ValueError(f"{name} is a {'/'.join(corruption.tasks)} corruption, not one of {task} images")
    images = np.asarray(images, np.float32)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"images must be N x S x S x 3, got shape {images.shape}")
    if images.size and (not math.isfinite(float(images.min())) or images.min() < 0 or images.max() > 1):
        raise ValueError("images must be finite and in [0, 1]")
    return np.clip(corruption.fn(images, int(severity), int(seed)), 0, 1).astype(np.float32)
