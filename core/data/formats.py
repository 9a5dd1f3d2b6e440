"""Which image formats we read, told by their signatures, and the structure bounds checked
before any decoder runs.

Pillow opens some two dozen formats, several decoded in pure Python one pixel at a time (FITS,
QOI, RLE bitmaps). A file is read only when its first bytes are those of a format the README
lists (PNG, JPEG, TIFF, BMP, WebP, GIF, DICOM), and then only by that format's reader; any
other is refused by name, whatever its file name says. Within an accepted format, what a
hostile file can multiply is bounded from its structure, without decoding: a PNG's chunks, a
JPEG's markers and scans (a progressive JPEG of 20,000 scans decodes for a minute), an
RLE-compressed bitmap's pixels.
"""

from __future__ import annotations

from core.data.image import ImageLoadError, looks_like_dicom

ACCEPTED = "PNG, JPEG, TIFF, BMP, WebP, GIF or DICOM"
SIGNATURES = (  # (format, offset, bytes)
    ("png", 0, b"\x89PNG\r\n\x1a\n"),
    ("jpeg", 0, b"\xff\xd8\xff"),
    ("gif", 0, b"GIF87a"),
    ("gif", 0, b"GIF89a"),
    ("bmp", 0, b"BM"),
    ("tiff", 0, b"II*\x00"),
    ("tiff", 0, b"MM\x00*"),
    ("tiff", 0, b"II+\x00"),  # BigTIFF
    ("tiff", 0, b"MM\x00+"),
)
# Formats people do send, named in the refusal so that they know what they sent.
KNOWN_OTHERS = (
    ("FITS", 0, b"SIMPLE  ="), ("QOI", 0, b"qoif"), ("JPEG 2000", 0, b"\x00\x00\x00\x0cjP  "),
    ("JPEG 2000 codestream", 0, b"\xff\x4f\xff\x51"), ("PDF", 0, b"%PDF"), ("ZIP archive", 0, b"PK\x03\x04"),
    ("gzip archive", 0, b"\x1f\x8b"), ("NumPy array", 0, b"\x93NUMPY"), ("Photoshop", 0, b"8BPS"),
    ("Windows icon", 0, b"\x00\x00\x01\x00"), ("HEIC/AVIF", 4, b"ftyp"), ("SVG or XML", 0, b"<?xml"),
    ("SVG", 0, b"<svg"), ("PPM/PGM", 0, b"P6"), ("PPM/PGM", 0, b"P5"), ("DDS", 0, b"DDS "),
)
MAX_PNG_CHUNKS = 100_000  # a 50 MiB PNG written in 8 KiB IDAT chunks has ~6,400
MAX_PNG_ANCILLARY = 1_000  # chunks other than image data (text, colour, time ...): real files have a handful
MAX_JPEG_SEGMENTS = 1_000  # marker segments before the first scan: real files have under 30
MAX_JPEG_SCANS = 100  # a progressive JPEG has about 10 (libjpeg-turbo's djpeg -maxscans guards the same)
MAX_RLE_BMP_PIXELS = 2_000_000  # Pillow decodes RLE bitmaps in Python, about 1 s per 2 M pixels here


def sniff(data: bytes, name: str = "the file") -> str:
    """The format of `data` from its first bytes: "png", "jpeg", "gif", "bmp", "webp", "tiff"
    or "dicom"; ImageLoadError naming any other. A DICOM file's 128-byte preamble may hold
    anything, so its "DICM" marker is looked for first."""
    if data[128:132] == b"DICM":
        return "dicom"
    for kind, offset, signature in SIGNATURES:
        if data[offset:offset + len(signature)] == signature:
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if looks_like_dicom(data):
        return "dicom"
    for title, offset, signature in KNOWN_OTHERS:
        if data[offset:offset + len(signature)] == signature:
            raise ImageLoadError(f"{name} is a {title} file, not a format we read ({ACCEPTED}); "
                                 "export it as PNG or DICOM")
    if name.lower().endswith((".dcm", ".dicom")):
        raise ImageLoadError(f"{name} is not a DICOM file (no 'DICM' preamble and no DICOM header) nor another image "
                             f"format we read ({ACCEPTED}); is it another kind of file renamed .dcm?")
    raise ImageLoadError(f"{name} is not an image format we read ({ACCEPTED}): its first bytes match none of "
                         "them; is it renamed or damaged?")


def check_structure(data: bytes, kind: str, name: str) -> None:
    """ImageLoadError when the structure of an accepted file is past our bounds (see module)."""
    checks = {"png": _check_png, "jpeg": _check_jpeg, "bmp": _check_bmp}
    if kind in checks:
        checks[kind](memoryview(data), name)


def _check_png(data: memoryview, name: str) -> None:
    """Walk the chunk headers (12 bytes each, no data read), counting them."""
    position, chunks, ancillary = 8, 0, 0
    while position + 8 <= len(data):
        length = int.from_bytes(data[position:position + 4], "big")
        kind = bytes(data[position + 4:position + 8])
        chunks += 1
        ancillary += kind not in (b"IDAT", b"fdAT")
        if chunks > MAX_PNG_CHUNKS or ancillary > MAX_PNG_ANCILLARY:
            raise ImageLoadError(f"{name} is a PNG of over {MAX_PNG_ANCILLARY:,} metadata chunks (or "
                                 f"{MAX_PNG_CHUNKS:,} in all), far beyond any real image; save it again as PNG "
                                 "from an image editor")
        if kind == b"IEND":
            return
        position += 12 + length


def _check_jpeg(data: memoryview, name: str) -> None:
    """Count the marker segments before the first scan, and the scans (a start-of-scan marker
    cannot occur inside entropy-coded data, where every 0xFF byte is followed by 0x00)."""
    position, segments = 2, 0
    while position + 4 <= len(data) and data[position] == 0xFF:
        marker = data[position + 1]
        if marker == 0xDA:  # start of scan
            break
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        segments += 1
        if segments > MAX_JPEG_SEGMENTS:
            raise ImageLoadError(f"{name} is a JPEG with over {MAX_JPEG_SEGMENTS:,} header segments, far beyond any "
                                 "real image; save it again from an image editor")
        position += 2 + int.from_bytes(data[position + 2:position + 4], "big")
    scans = bytes(data).count(b"\xff\xda")
    if scans > MAX_JPEG_SCANS:
        raise ImageLoadError(f"{name} is a progressive JPEG of {scans:,} scans (real ones have about 10; this many "
                             f"takes minutes to decode); save it again as baseline JPEG or PNG")


def _check_bmp(data: memoryview, name: str) -> None:
    """Pillow decodes run-length-encoded bitmaps in Python: bound their size."""
    if len(data) < 34 or int.from_bytes(data[14:18], "little") < 40:
        return  # an old OS/2 header: no compression field
    width = abs(int.from_bytes(data[18:22], "little", signed=True))
    height = abs(int.from_bytes(data[22:26], "little", signed=True))
    compression = int.from_bytes(data[30:34], "little")
    if compression in (1, 2) and width * height > MAX_RLE_BMP_PIXELS:
        raise ImageLoadError(f"{name} is a run-length-encoded bitmap of {width} x {height} pixels; we decode these "
                             f"up to {MAX_RLE_BMP_PIXELS // 1_000_000} million pixels: save it as PNG")


def pillow_bytes_per_pixel(mode: str) -> int:
    """What Pillow holds in memory per pixel of an image in `mode` (RGB is stored in 4 bytes)."""
    if mode in ("1", "L", "P"):
        return 1
    if mode.startswith("I;16") or mode in ("LA", "PA"):
        return 2 if mode.startswith("I;16") else 4
    return 4
