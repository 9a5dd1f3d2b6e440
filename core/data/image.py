"""What every image reader returns and raises, shared by the Pillow, TIFF and DICOM readers
(core.data.io, core.data.dicom): the loaded image, the errors, the size check, the grey and
range helpers."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MAX_PIXELS = 50_000_000  # ~7000 x 7000; fundus and chest films are ~10 M pixels at most
MAX_ASPECT = 64  # past 64:1 (a 2048 x 1 strip) the square model input is a smear (core.data.io notes from 4:1)
# What one decoded image may take in memory before any reduction: a 50 M pixel RGB photograph as
# Pillow holds it (4 bytes a pixel, 191 MiB) or a 7000 x 7000 16-bit film (93 MiB) fits; a 7000 x 7000
# float64 RGBA TIFF (1.5 GiB) does not.
MAX_DECODED_BYTES = 192 * 2**20


class ImageLoadError(ValueError):
    """The input cannot be read as an image; the message says why and what to do."""


class ImageBoundError(ImageLoadError):
    """The file is past one of our bounds (pixels, decoded bytes, structure): refused from its
    header, before anything is decoded."""


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


def check_size(width: int, height: int, name: str, *, bytes_per_pixel: float | None = None) -> None:
    """ImageLoadError for an empty image, a strip past MAX_ASPECT, one over MAX_PIXELS,
    or (given its bytes per pixel) one that decodes to over MAX_DECODED_BYTES; all from the
    header, before anything is decoded."""
    if width <= 0 or height <= 0:
        raise ImageLoadError(f"{name} declares an empty image ({width} x {height})")
    if width * height > MAX_PIXELS:
        raise ImageBoundError(
            f"{name} is {width} x {height} pixels, over our limit of {MAX_PIXELS // 1_000_000} million pixels "
            "(a possible decompression bomb); downscale it before loading")
    if max(width, height) > MAX_ASPECT * min(width, height):
        raise ImageBoundError(f"{name} is {width} x {height} pixels: a strip, not a picture a model can classify "
                             f"(we read images up to {MAX_ASPECT}:1); check the file or crop a region of interest")
    if bytes_per_pixel is not None and width * height * bytes_per_pixel > MAX_DECODED_BYTES:
        raise ImageBoundError(
            f"{name} is {width} x {height} pixels of {bytes_per_pixel:g} bytes each, "
            f"{width * height * bytes_per_pixel / 2**20:,.0f} MiB once decoded, over our limit of "
            f"{MAX_DECODED_BYTES // 2**20} MiB; save it with fewer bits per sample (8 or 16) or downscale it")


def release_memory() -> None:
    """Hand the heap's free pages back to the system (glibc's malloc_trim): after a large
    decode, or a refused one, the process's memory returns to where it was instead of staying
    at its peak. A no-op where the C library has no malloc_trim."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def _malloc_trim():
    import ctypes
    import ctypes.util

    global _TRIM
    if _TRIM is False:
        try:
            _TRIM = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _TRIM = None
    return _TRIM


_TRIM = False  # not looked up yet


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
