"""load_image: any image a clinician might hand us -> H x W x 3 float32 RGB in [0, 1].

Accepts a path, `bytes`, or a binary file object holding PNG, JPEG (EXIF orientation
honoured), TIFF, BMP, WebP, GIF (8- or 16-bit; grey, RGB, RGBA, palette, CMYK) or DICOM
(core.data.dicom), recognised by their signatures (core.data.formats): any other format,
whatever its name, is refused by name, so no decoder we did not choose ever runs. Decoding is
bounded from the header, before anything is decoded: pixels (MAX_PIXELS), decoded bytes
(MAX_DECODED_BYTES), a PNG's chunks, a JPEG's scans, an RLE bitmap's size; and a large image
is reduced while it is decoded (JPEG DCT scaling, then an integer box reduction) to about
`max_side` pixels before any float conversion.

Every failure, whatever library it comes from, is an ImageLoadError (a ValueError) whose
message says what to do. What was read but not fully used (one frame of several, a stretched
aspect ratio, an invalid window) is reported as ImageLoadWarning, and listed in
`read_image(...).notes`.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import BinaryIO, Union

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from core.data.formats import check_structure, pillow_bytes_per_pixel, sniff  # noqa: F401 - sniff is public here
from core.data.image import (MAX_PIXELS, ImageBoundError, ImageLoadError, ImageLoadWarning, LoadedImage, check_size,  # noqa: F401
                             grey_to_rgb, min_max, release_memory)

MAX_FILE_BYTES = 256 * 2**20  # a 256 MiB file is far beyond any single medical image we take
DECODE_SIDE = 1024  # decoded images are reduced to about this side: a few times the largest model input
ASPECT_LIMIT = 4.0  # beyond 4:1 the square model input visibly distorts the image

ImageFile.LOAD_TRUNCATED_IMAGES = False  # a truncated file is an error, not a grey stripe
Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own bomb guard, at our limit

Source = Union[str, Path, bytes, bytearray, BinaryIO]
_EXIF_ORIENTATION = 0x0112


def load_image(source: Source, *, max_side: int = DECODE_SIDE) -> np.ndarray:
    """Read `source` into an H x W x 3 float32 RGB array in [0, 1] (see module docs); each
    note of read_image is also issued as an ImageLoadWarning."""
    loaded = read_image(source, max_side=max_side)
    for note in loaded.notes:
        warnings.warn(note, ImageLoadWarning, stacklevel=2)
    return loaded.pixels


def read_image(source: Source, *, max_side: int = DECODE_SIDE) -> LoadedImage:
    """Read `source` into a LoadedImage; ImageLoadError for anything unreadable.

    The kind of file is recognised from its content, not its name: a PNG named .dcm is read
    as the PNG it is (with a note)."""
    data, name = _read_bytes(source)
    try:
        return _read(data, name, max_side)
    finally:
        del data
        release_memory()  # a large or refused decode leaves the server's memory where it was


def _read(data: bytes, name: str, max_side: int) -> LoadedImage:
    try:
        kind = sniff(data, name)
        check_structure(data, kind, name)
        if kind == "dicom":
            from core.data.dicom import read_dicom

            loaded = read_dicom(data, name, max_side=max_side)
        elif kind == "tiff":  # Pillow first; tifffile for what Pillow lacks (float64, float RGB)
            try:
                loaded = _read_pillow(data, name, max_side, kind)
            except ImageLoadError as pillow_error:
                try:
                    loaded = _read_tiff(data, name, max_side)
                except ImageBoundError:
                    raise  # past a bound: say that, not what Pillow lacked
                except ImageLoadError:
                    raise pillow_error from None
        else:
            loaded = _read_pillow(data, name, max_side, kind)
        if name.lower().endswith((".dcm", ".dicom")) and kind != "dicom":
            loaded.notes.append(f"{name} is named like a DICOM file but is a {loaded.format} image; read as such")
    except ImageLoadError:
        raise
    except MemoryError:
        raise ImageLoadError(f"{name} is too large to decode in the memory available; downscale it") from None
    except Exception as error:  # noqa: BLE001 - whatever Pillow, pydicom or a decoder raises
        raise ImageLoadError(f"{name} could not be read ({type(error).__name__}: {error}); the file may be "
                             "damaged or of an unsupported kind: export it again as PNG or DICOM") from None
    if loaded.pixels.ndim != 3 or loaded.pixels.shape[-1] != 3:  # the H x W x 3 contract, whatever the file
        raise ImageLoadError(f"{name} decodes to an array of shape {loaded.pixels.shape}, not an image; "
                             "its header contradicts its pixel data: export it again")
    _note_aspect(loaded)
    _note_constant(loaded)
    return loaded


def _note_constant(loaded: LoadedImage) -> None:
    """Say so when nothing is left to see: every pixel equal after the LUTs and window."""
    if loaded.pixels.size and float(np.ptp(loaded.pixels)) == 0.0:
        level = float(loaded.pixels.flat[0])
        loaded.notes.append(f"{loaded.name} is one flat value everywhere ({level:.0%} grey) after decoding"
                            + (" and its display window" if loaded.format == "DICOM" else "")
                            + ": there is nothing in it to classify; check the file or its window settings")


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


def _note_aspect(loaded: LoadedImage) -> None:
    width, height = loaded.original_size
    ratio = max(width, height) / max(min(width, height), 1)
    if ratio > ASPECT_LIMIT:
        loaded.notes.append(f"{loaded.name} is {width} x {height} pixels ({ratio:.0f}:1); the models take a square "
                            "image, so it is stretched: crop it to the region of interest for a faithful result")


# ----------------------------------------------------------------------------- Pillow

def _read_pillow(data: bytes, name: str, max_side: int, kind: str) -> LoadedImage:
    """Pillow's reader of `kind` (a format the signature named) and no other."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[kind.upper()]) as image:
                check_size(*image.size, name, bytes_per_pixel=pillow_bytes_per_pixel(image.mode))
                notes = []
                if _more_frames(image):  # counting them all would walk every page of a file
                    notes.append(f"{name} has more than one frame ({image.format}); showing the first")
                original, orientation = image.size, image.getexif().get(_EXIF_ORIENTATION)
                if image.format == "JPEG":
                    image.draft(image.mode, (max_side, max_side))  # DCT scaling while decoding
                image.load()
                pixels = _to_rgb(_upright(_reduce(image, max_side), orientation))
                return LoadedImage(np.ascontiguousarray(pixels, np.float32), name, image.format or "image",
                                   original, {}, notes)
    except ImageLoadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageLoadError(f"{name} declares more than our limit of {MAX_PIXELS // 1_000_000} million pixels "
                             "(a possible decompression bomb); downscale it before loading") from None
    except UnidentifiedImageError:
        if name.lower().endswith((".dcm", ".dicom")):
            raise ImageLoadError(f"{name} is not a DICOM file (no 'DICM' preamble and no DICOM header) nor another "
                                 "image format we can read; is it another kind of file renamed .dcm?") from None
        raise ImageLoadError(f"{name} is not an image format we can read (PNG, JPEG, TIFF, BMP, "
                             "WebP, GIF or DICOM); is it renamed or damaged?") from None
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise ImageLoadError(f"{name} could not be decoded ({error}); the file may be "
                             "truncated or damaged: export it again") from None


def _more_frames(image: Image.Image) -> bool:
    """Whether a second frame exists, found by seeking to it (not by counting them all)."""
    try:
        image.seek(1)
    except (EOFError, ValueError):
        return False
    image.seek(0)
    return True


def _read_tiff(data: bytes, name: str, max_side: int) -> LoadedImage:
    """TIFF through tifffile (scikit-image's reader): every sample type, float64 and float RGB
    included; only the first page is touched, and its size is checked before decoding."""
    import tifffile

    try:
        with tifffile.TiffFile(io.BytesIO(data)) as tiff:
            page = tiff.pages.first
            shape = page.shaped[-3:-1] if page.shaped[-1] in (1, 3, 4) and len(page.shape) == 3 else page.shape[:2]
            height, width = int(shape[0]), int(shape[1])
            check_size(width, height, name, bytes_per_pixel=page.nbytes / max(width * height, 1))
            notes = [f"{name} has more than one page (TIFF); showing the first"] if len(tiff.pages) > 1 else []
            pixels = page.asarray()
    except ImageLoadError:
        raise
    except Exception as error:  # noqa: BLE001 - tifffile raises many kinds on a bad file
        raise ImageLoadError(f"{name} could not be decoded as TIFF ({type(error).__name__}: {error}); the file "
                             "may be truncated or damaged: export it again") from None
    return LoadedImage(_array_to_rgb(pixels, max_side, name), name, "TIFF", (width, height), {}, notes)


def _array_to_rgb(pixels: np.ndarray, max_side: int, name: str) -> np.ndarray:
    """A decoded H x W (x samples) array of any dtype -> float32 RGB in [0, 1], reduced first."""
    pixels = np.asarray(pixels)
    if pixels.ndim == 3 and pixels.shape[0] in (3, 4) and pixels.shape[-1] not in (3, 4):
        pixels = np.moveaxis(pixels, 0, -1)  # planar configuration
    if pixels.ndim not in (2, 3) or (pixels.ndim == 3 and pixels.shape[-1] not in (1, 3, 4)):
        raise ImageLoadError(f"{name} holds an array of shape {pixels.shape}, not a grey or colour image")
    factor = min(max(pixels.shape[:2]) // max_side, min(pixels.shape[:2]))
    if factor >= 2:
        pixels = block_mean(pixels, factor)
    if pixels.ndim == 3:
        pixels = pixels[..., :3] if pixels.shape[-1] >= 3 else pixels[..., 0]
    if pixels.dtype == bool:
        scaled = pixels.astype(np.float32)
    elif np.issubdtype(pixels.dtype, np.integer):
        info = np.iinfo(pixels.dtype)
        scaled = (pixels.astype(np.float32) - info.min) / float(info.max - info.min)
    else:  # float: [0, 1] as is; any other range stretched
        values = pixels.astype(np.float32)
        inside = np.isfinite(values).all() and values.min() >= 0 and values.max() <= 1
        scaled = values if inside else min_max(values)
    return grey_to_rgb(scaled) if scaled.ndim == 2 else np.ascontiguousarray(scaled, np.float32)


def _reduce(image: Image.Image, max_side: int) -> Image.Image | np.ndarray:
    """Integer box reduction so the longer side is about `max_side` (no-op for small images).
    Modes Pillow cannot reduce (16-bit grey, palette, bilevel) are reduced in NumPy or
    converted first; either way before any float conversion of the full image."""
    factor = min(max(image.size) // max_side, min(image.size))  # never below one row or column
    if factor < 2:
        return image
    if image.mode.startswith("I;16"):
        return block_mean(np.asarray(image), factor).astype(np.uint16)
    if image.mode in ("P", "PA", "1"):
        image = image.convert("RGBA" if image.mode == "PA" or "transparency" in image.info else
                              ("L" if image.mode == "1" else "RGB"))
    return image.reduce(factor)


def _upright(reduced: Image.Image | np.ndarray, orientation: int | None) -> Image.Image | np.ndarray:
    """Turn the reduced picture upright by the file's EXIF orientation (read before the
    reduction, which drops it), with Pillow's own ImageOps.exif_transpose: after the
    reduction, so no full-size copy is made of a large image."""
    if orientation not in range(2, 9):
        return reduced
    if isinstance(reduced, np.ndarray):  # reduced 16-bit grey
        reduced = Image.fromarray(reduced)
    exif = Image.Exif()
    exif[_EXIF_ORIENTATION] = orientation
    reduced.info["exif"] = exif.tobytes()
    return ImageOps.exif_transpose(reduced)


def block_mean(array: np.ndarray, factor: int) -> np.ndarray:
    """Mean over factor x factor blocks of the first two axes (scikit-image's block_reduce; the
    edge remainder is dropped first, so no padding darkens the last row or column)."""
    from skimage.measure import block_reduce

    factor = max(1, min(factor, *array.shape[:2]))  # at least one block each way
    height, width = (array.shape[0] // factor) * factor, (array.shape[1] // factor) * factor
    block = (factor, factor) + (1,) * (array.ndim - 2)
    return block_reduce(array[:height, :width], block, np.mean, func_kwargs={"dtype": np.float32})


def _to_rgb(image) -> np.ndarray:
    """Any Pillow mode (or a reduced 16-bit array) -> float32 RGB in [0, 1], keeping 16-bit grey."""
    if isinstance(image, np.ndarray):  # reduced 16-bit grey
        return grey_to_rgb(image.astype(np.float32) / 65535.0)
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        return grey_to_rgb(np.asarray(image, dtype=np.float32) / 65535.0)
    if image.mode in ("I", "F"):  # 32-bit integer or float grey: no fixed range, stretch it
        return grey_to_rgb(min_max(np.asarray(image, dtype=np.float32)))
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")  # transparent areas become black, like a scan background
        background = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
        image = Image.alpha_composite(background, rgba)
    return np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0
