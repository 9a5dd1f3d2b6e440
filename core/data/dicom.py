"""DICOM images through pydicom and its decoder plugins.

Compressed transfer syntaxes are decoded by pydicom's own plugins: pylibjpeg with
pylibjpeg-libjpeg (JPEG baseline, 12-bit extended, lossless process 14, JPEG-LS),
pylibjpeg-openjpeg (JPEG 2000, HTJ2K), pylibjpeg-rle (RLE), and pyjpegls (JPEG-LS,
CharLS) as a second JPEG-LS decoder. Then, as a viewer would:

    MONOCHROME1/2   modality LUT (e.g. to Hounsfield units), then the file's VOI LUT or
                    window mapped by its own output range (min-max without one);
                    MONOCHROME1 inverted for display
    PALETTE COLOR   through its colour LUT (pydicom's apply_color_lut)
    RGB, YBR_*      as RGB (pydicom converts YBR_FULL(_422); J2K's YBR_RCT/ICT arrive as RGB)

Only the first frame of a multi-frame file is decoded (with a note), and a large image is
subsampled right after decoding, before any LUT or float conversion.
"""

from __future__ import annotations

import io
import math
import zlib

import numpy as np

from core.data.image import (MAX_DECODED_BYTES, ImageLoadError, LoadedImage, check_size, grey_to_rgb,
                             looks_like_dicom, min_max)
from core.data.dicom_bounds import check_codestream, check_palette

KEPT_TAGS = ("Modality", "BodyPartExamined", "StudyDescription", "SeriesDescription", "PhotometricInterpretation",
             "ViewPosition", "Manufacturer")
DEFLATED = "1.2.840.10008.1.2.1.99"  # Deflated Explicit VR Little Endian
MAX_INFLATED_BYTES = MAX_DECODED_BYTES + 16 * 2**20  # one image's pixels and a generous header
INFLATE_CHUNK = 16 * 2**20
_RGB_LIKE = ("RGB", "YBR_FULL", "YBR_FULL_422", "YBR_RCT", "YBR_ICT", "YBR_PARTIAL_420")


def read_dicom(data: bytes, name: str, *, max_side: int) -> LoadedImage:
    """A DICOM file's first frame as a LoadedImage (see module docs)."""
    import pydicom
    from pydicom.errors import InvalidDicomError

    if not looks_like_dicom(data):
        raise ImageLoadError(f"{name} is not a DICOM file (no 'DICM' preamble and no DICOM header); "
                             "is it another kind of file renamed .dcm?")
    try:
        dataset = _read_dataset(data, name)
    except ImageLoadError:
        raise
    except (InvalidDicomError, EOFError, OSError, ValueError, TypeError, KeyError, zlib.error) as error:
        raise ImageLoadError(f"{name} is not a readable DICOM file ({error})") from None
    if "PixelData" not in dataset:
        raise ImageLoadError(f"{name} is a DICOM file without pixel data (a report or structured "
                             "document?); choose an image series file")
    rows, columns = _integer(dataset, "Rows", name), _integer(dataset, "Columns", name)
    samples = _integer(dataset, "SamplesPerPixel", name, default=1)
    bits = _integer(dataset, "BitsAllocated", name, default=16)
    check_size(columns, rows, name, bytes_per_pixel=max(samples, 1) * max(bits, 8) / 8)
    frames = _integer(dataset, "NumberOfFrames", name, default=1) or 1
    notes = [f"{name} has {frames} frames; showing the first"] if frames > 1 else []
    check_codestream(dataset, name, rows, columns, frames)
    pixels = _decode(dataset, name, frames)
    step = max(1, math.ceil(max(rows, columns) / max_side))
    pixels = pixels[::step, ::step]  # strided read: nothing below runs at full size
    photometric = str(dataset.get("PhotometricInterpretation", "MONOCHROME2")).upper()
    if photometric.startswith("MONOCHROME"):
        if pixels.ndim != 2:
            raise ImageLoadError(f"{name} says {photometric} (one grey sample per pixel) but holds "
                                 f"{_integer(dataset, 'SamplesPerPixel', name, default=1)} samples per pixel: its "
                                 "header contradicts its pixel data; export it again")
        grey = _grey(pixels, dataset, name, notes)
        rgb = grey_to_rgb(1.0 - grey if photometric == "MONOCHROME1" else grey)  # MONOCHROME1: low is bright
    elif photometric == "PALETTE COLOR":
        rgb = _palette(pixels, dataset, name)
    elif photometric in _RGB_LIKE and pixels.ndim == 3:
        maximum = float(2 ** _integer(dataset, "BitsStored", name, default=8) - 1)
        rgb = np.clip(pixels.astype(np.float32) / maximum, 0, 1)
    else:
        raise ImageLoadError(f"{name}: DICOM photometric interpretation {photometric} is not supported; "
                             "export it as MONOCHROME2 or RGB")
    metadata = {tag: str(dataset.get(tag, "")) for tag in KEPT_TAGS if dataset.get(tag, "") != ""}
    return LoadedImage(np.ascontiguousarray(rgb, np.float32), name, "DICOM", (columns, rows), metadata, notes)


def _read_dataset(data: bytes, name: str):
    """pydicom's dataset of `data`. pydicom inflates a deflated file (Deflated Explicit VR
    Little Endian) whole, and a few MB can inflate to gigabytes (a decompression bomb): the
    transfer syntax is read here by pydicom's own meta reader, the one dcmread uses (so no
    rewritten or missing group length can hide it), and a deflated body is inflated here with
    a hard limit first."""
    import pydicom
    from pydicom.filebase import DicomBytesIO

    meta, body_start = _file_meta(data)
    if meta.get("TransferSyntaxUID") != DEFLATED:
        return pydicom.dcmread(io.BytesIO(data), force=True)
    body = _inflate(memoryview(data)[body_start:], name)
    if _file_meta(body)[0].get("TransferSyntaxUID") == DEFLATED:
        raise ImageLoadError(f"{name} is deflated twice over (a deflated body that says it is deflated again): no "
                             "real DICOM file is; refused as a possible decompression bomb")
    dataset = pydicom.dcmread(DicomBytesIO(body), force=True)
    meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian  # what the body is once inflated
    dataset.file_meta = meta
    return dataset


def _file_meta(data: bytes):
    """The File Meta Information as dcmread reads it (its preamble, then group 0002 element by
    element), and where the dataset after it starts."""
    from pydicom.filebase import DicomBytesIO
    from pydicom.filereader import _read_file_meta_info, read_preamble

    buffer = DicomBytesIO(data)
    read_preamble(buffer, force=True)
    meta = _read_file_meta_info(buffer)
    return meta, buffer.tell()


def _inflate(stream, name: str) -> bytes:
    """Raw deflate, 16 MiB at a time; ImageLoadError as soon as it passes the limit."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    parts, total, pending = [], 0, stream
    while True:
        parts.append(inflater.decompress(pending, INFLATE_CHUNK))
        total += len(parts[-1])
        if total > MAX_INFLATED_BYTES:
            raise ImageLoadError(f"{name} is deflated and inflates to over {MAX_INFLATED_BYTES // 2**20} MiB, far "
                                 "beyond any single image (a possible decompression bomb); refused")
        pending = inflater.unconsumed_tail
        if not pending:
            return b"".join([*parts, inflater.flush()])


def _integer(dataset, keyword: str, name: str, default=None) -> int:
    value = dataset.get(keyword, default)
    if value is None:
        raise ImageLoadError(f"{name}: the DICOM attribute {keyword} is missing; the file is incomplete")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ImageLoadError(f"{name}: the DICOM attribute {keyword} is {str(value)!r}, not a whole number; "
                             "the file is malformed: export it again") from None


def _decode(dataset, name: str, frames: int) -> np.ndarray:
    from pydicom.pixels import pixel_array

    syntax = getattr(getattr(dataset, "file_meta", None), "TransferSyntaxUID", None)
    try:
        return pixel_array(dataset, index=0) if frames > 1 else pixel_array(dataset)
    except Exception as error:  # noqa: BLE001 - no decoder, corrupt stream, truncated data ...
        what = getattr(syntax, "name", None) or str(syntax or "unknown")
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ImageLoadError(f"{name}: its pixel data ({what}) could not be decoded ({first_line}); the file "
                             "may be damaged or truncated: export it again, uncompressed if you can") from None


def _grey(pixels, dataset, name: str, notes: list[str]) -> np.ndarray:
    """Modality LUT, then the VOI LUT or window mapped by the window's own output range;
    min-max without one, or when the file's window is invalid (with a note)."""
    from pydicom.pixels import apply_modality_lut, apply_voi_lut

    values = np.asarray(apply_modality_lut(pixels, dataset), dtype=np.float64)
    if "VOILUTSequence" not in dataset and "WindowCenter" not in dataset:
        return min_max(values)
    try:
        windowed = np.asarray(apply_voi_lut(values, dataset), dtype=np.float32)
        extremes = np.asarray(apply_voi_lut(np.array([-1e9, 1e9]), dataset), dtype=np.float32)
    except Exception as error:  # noqa: BLE001 - e.g. Window Width 0, a malformed LUT
        notes.append(f"{name}: its display window is invalid ({error}); shown with its full range instead")
        return min_max(values)
    low, high = float(extremes.min()), float(extremes.max())
    if high <= low:
        return min_max(windowed)
    return np.clip((windowed - low) / (high - low), 0.0, 1.0)


def _palette(pixels, dataset, name: str) -> np.ndarray:
    from pydicom.pixels import apply_color_lut

    check_palette(dataset, name)
    try:
        rgb = apply_color_lut(pixels, dataset)
    except Exception as error:  # noqa: BLE001
        raise ImageLoadError(f"{name}: its colour palette could not be applied ({error})") from None
    return np.clip(rgb.astype(np.float32) / float(np.iinfo(rgb.dtype).max if rgb.dtype.kind == "u" else 1), 0, 1)
