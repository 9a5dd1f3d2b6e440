"""What every image reader returns and raises, shared by the Pillow, TIFF and DICOM readers
(core.data.io, core.data.dicom): the loaded image, the errors, the size check, the grey and
range helpers."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MAX_PIXELS = 50_000_000  # ~7000 x 7000; fundus and chest films are ~10 M pixels at most


class ImageLoadError(ValueError):
    """The input cannot be read as an image; the message says why and what to do."""


class ImageLoadWarning(UserWarning):
    """The image was read, but not all of it was used (e.g. one frame of several)."""


@dataclass
class LoadedImage:
    """An image as read: pixels, what the file said about itself, and what was not used."""

    pixels: np.ndarray  # H x W x 3 float32 RGB in [0, 1]
    name: str
    format: str  # "PNG", "JPEG", ..., "DICOM"
    original_size: tuple[int, int]  # (width, height) before any reduction
    metadata: dict = field(default_factory=dict)  # DICOM: Modality, BodyPartExamined, ...
    notes: list[str] = field(default_factory=list)  # the warnings, as sentences


def looks_like_dicom(data: bytes) -> bool:
    """A Part-10 preamble ("DICM" at 128), or a dataset starting with the meta group (0002)
    or another plausible group, as headerless legacy files do."""
    if data[128:132] == b"DICM":
        return True
    if len(data) < 8:
        return False
    return int.from_bytes(data[:2], "little") in (0x0002, 0x0008)


def check_size(width: int, height: int, name: str) -> None:
    """ImageLoadError for an empty image or one over MAX_PIXELS (said in our own words)."""
    if width <= 0 or height <= 0:
        raise ImageLoadError(f"{name} declares an empty image ({width} x {height})")
    if width * height > MAX_PIXELS:
        raise ImageLoadError(
            f"{name} is {width} x {height} pixels, over our limit of {MAX_PIXELS // 1_000_000} million pixels "
            "(a possible decompression bomb); downscale it before loading")


def grey_to_rgb(grey: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.repeat(grey[..., None], 3, axis=-1).astype(np.float32))


def min_max(values: np.ndarray) -> np.ndarray:
    values = values.astype(np.float32)
    low, high = float(np.min(values)), float(np.max(values))
    if not np.isfinite(low) or not np.isfinite(high):
        raise ImageLoadError("the image contains NaN or infinite pixel values")
    if high <= low:
        return np.zeros_like(values)
    return (values - low) / (high - low)
