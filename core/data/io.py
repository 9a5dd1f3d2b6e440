"""load_image: any image a clinician might hand us -> H x W x 3 float32 RGB in [0, 1].

Accepts a path, `bytes`, or a binary file object holding PNG, JPEG (EXIF orientation
honoured), TIFF, BMP, WebP (8- or 16-bit; grey, RGB, RGBA, palette, CMYK) or DICOM (via
pydicom: modality LUT, then VOI LUT / window, MONOCHROME1 inverted, first frame of a
multi-frame file with an ImageLoadWarning). Everything else raises ImageLoadError, a
ValueError whose message says what to do. Oversized images are refused from their header,
before any pixel is decoded (decompression bombs).
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import BinaryIO, Union

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

MAX_FILE_BYTES = 256 * 2**20  # a 256 MiB file is far beyond any single medical image we take
MAX_PIXELS = 50_000_000  # ~7000 x 7000; fundus and chest films are ~10 M pixels at most

ImageFile.LOAD_TRUNCATED_IMAGES = False  # a truncated file is an error, not a grey stripe

Source = Union[str, Path, bytes, bytearray, BinaryIO]


class ImageLoadError(ValueError):
    """The input cannot be read as an image; the message says why and what to do."""


class ImageLoadWarning(UserWarning):
    """The image was read, but not all of it was used (e.g. one frame of several)."""


def load_image(source: Source) -> np.ndarray:
    """Read `source` into an H x W x 3 float32 RGB array in [0, 1] (see module docs)."""
    data, name = _read_bytes(source)
    if _is_dicom(data, name):
        return _load_dicom(data, name)
    return _load_pillow(data, name)


def _read_bytes(source: Source) -> tuple[bytes, str]:
    if isinstance(source, (bytes, bytearray)):
        data, name = bytes(source), "the uploaded data"
    elif isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise ImageLoadError(f"no image file at {path}; check the path")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ImageLoadError(f"{path.name} is {path.stat().st_size / 2**20:.0f} MiB; "
                                 f"images over {MAX_FILE_BYTES // 2**20} MiB are refused")
        data, name = path.read_bytes(), path.name
    elif hasattr(source, "read"):
        data = source.read(MAX_FILE_BYTES + 1)
        name = Path(getattr(source, "name", "the uploaded file")).name
        if not isinstance(data, bytes):
            raise ImageLoadError(f"{name} was opened in text mode; open it with mode 'rb'")
        if len(data) > MAX_FILE_BYTES:
            raise ImageLoadError(f"{name} is over {MAX_FILE_BYTES // 2**20} MiB; refused")
    else:
        raise ImageLoadError(f"cannot read an image from a {type(source).__name__}; "
                             "give a path, bytes or a binary file object")
    if not data:
        raise ImageLoadError(f"{name} is empty (0 bytes); choose another file")
    return data, name


def _is_dicom(data: bytes, name: str) -> bool:
    return data[128:132] == b"DICM" or name.lower().endswith((".dcm", ".dicom"))


def _check_size(width: int, height: int, name: str) -> None:
    if width <= 0 or height <= 0:
        raise ImageLoadError(f"{name} declares an empty image ({width} x {height})")
    if width * height > MAX_PIXELS:
        raise ImageLoadError(
            f"{name} is {width} x {height} pixels, over the {MAX_PIXELS:,}-pixel safety limit "
            "(a possible decompression bomb); downscale it before loading")


def _load_pillow(data: bytes, name: str) -> np.ndarray:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                _check_size(*image.size, name)
                image.load()
                image = ImageOps.exif_transpose(image)
                return _pillow_to_rgb(image)
    except ImageLoadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageLoadError(f"{name} is too large to decode safely ({error})") from None
    except UnidentifiedImageError:
        raise ImageLoadError(f"{name} is not an image format we can read (PNG, JPEG, TIFF, BMP, "
                             "WebP or DICOM); is it renamed or damaged?") from None
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise ImageLoadError(f"{name} could not be decoded ({error}); the file may be "
                             "truncated or damaged: export it again") from None


def _pillow_to_rgb(image: Image.Image) -> np.ndarray:
    """Any Pillow mode -> float32 RGB in [0, 1], keeping 16-bit grey precision."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        return _grey_to_rgb(np.asarray(image, dtype=np.float32) / 65535.0)
    if image.mode in ("I", "F"):  # 32-bit integer or float grey: no fixed range, stretch it
        return _grey_to_rgb(_min_max(np.asarray(image, dtype=np.float32)))
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")  # transparent areas become black, like a scan background
        background = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
        image = Image.alpha_composite(background, rgba)
    rgb = np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0
    return np.ascontiguousarray(rgb)


def _grey_to_rgb(grey: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.repeat(grey[..., None], 3, axis=-1).astype(np.float32))


def _min_max(values: np.ndarray) -> np.ndarray:
    values = values.astype(np.float32)
    low, high = float(np.min(values)), float(np.max(values))
    if not np.isfinite(low) or not np.isfinite(high):
        raise ImageLoadError("the image contains NaN or infinite pixel values")
    if high <= low:
        return np.zeros_like(values)
    return (values - low) / (high - low)


def _load_dicom(data: bytes, name: str) -> np.ndarray:
    import pydicom
    from pydicom.errors import InvalidDicomError
    from pydicom.pixels import apply_modality_lut, apply_voi_lut
    from pydicom.pixels import pixel_array as decode_pixels

    try:
        dataset = pydicom.dcmread(io.BytesIO(data), force=name.lower().endswith((".dcm", ".dicom")))
    except (InvalidDicomError, EOFError, OSError, ValueError, TypeError, KeyError) as error:
        raise ImageLoadError(f"{name} is not a readable DICOM file ({error})") from None
    if "PixelData" not in dataset:
        raise ImageLoadError(f"{name} is a DICOM file without pixel data (a report or "
                             "structured document?); choose an image series file")
    rows, columns = int(dataset.get("Rows", 0)), int(dataset.get("Columns", 0))
    _check_size(columns, rows, name)
    frames = int(dataset.get("NumberOfFrames", 1) or 1)
    try:
        pixels = decode_pixels(dataset, index=0) if frames > 1 else decode_pixels(dataset)
    except Exception as error:  # compressed syntax without a decoder, corrupt data, ...
        syntax = getattr(getattr(dataset, "file_meta", None), "TransferSyntaxUID", "unknown")
        raise ImageLoadError(f"{name}: pixel data could not be decoded (transfer syntax "
                             f"{syntax}: {error}); export it uncompressed") from None
    if frames > 1:
        warnings.warn(f"{name} has {frames} frames; showing the first", ImageLoadWarning,
                      stacklevel=3)
    photometric = str(dataset.get("PhotometricInterpretation", "MONOCHROME2")).upper()
    if photometric.startswith("MONOCHROME"):
        grey = _dicom_grey(pixels, dataset, apply_modality_lut, apply_voi_lut)
        if photometric == "MONOCHROME1":  # low values are bright: invert for display
            grey = 1.0 - grey
        return _grey_to_rgb(grey)
    if photometric in ("RGB", "YBR_FULL", "YBR_FULL_422") and pixels.ndim == 3:
        if photometric != "RGB":
            from pydicom.pixels import convert_color_space

            pixels = convert_color_space(pixels, photometric, "RGB")
        maximum = float(2 ** int(dataset.get("BitsStored", 8)) - 1)
        return np.clip(pixels.astype(np.float32) / maximum, 0, 1)
    raise ImageLoadError(f"{name}: DICOM photometric interpretation {photometric} is not "
                         "supported; export it as MONOCHROME2 or RGB")


def _dicom_grey(pixels, dataset, apply_modality_lut, apply_voi_lut) -> np.ndarray:
    """Modality LUT (e.g. to Hounsfield units), then the VOI LUT or window the file asks
    for, mapped to [0, 1] by the window's own output range; without a VOI, min-max."""
    values = np.asarray(apply_modality_lut(pixels, dataset), dtype=np.float64)
    if "VOILUTSequence" not in dataset and "WindowCenter" not in dataset:
        return _min_max(values)
    windowed = np.asarray(apply_voi_lut(values, dataset), dtype=np.float32)
    # The window's output range: what it maps the extremes of its input to.
    extremes = np.asarray(apply_voi_lut(np.array([-1e9, 1e9]), dataset), dtype=np.float32)
    low, high = float(extremes.min()), float(extremes.max())
    if high <= low:
        return _min_max(windowed)
    return np.clip((windowed - low) / (high - low), 0.0, 1.0)
