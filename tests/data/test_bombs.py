"""Files under a few hundred KB that used to kill or stall the server (issue 40), each built here
in its real format: every one is refused by name within 5 s, before its decoder allocates."""

import io
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.data.io import ImageLoadError, read_image
from tests.data.dicom_fixtures import new_dataset
from tests.data.test_hostile import _deflated_dicom

ROOT = Path(__file__).resolve().parents[2]


def _refused(data: bytes, match: str, name: str | None = None) -> None:
    source = io.BytesIO(data)
    if name:
        source.name = name
    started = time.monotonic()
    with pytest.raises(ImageLoadError, match=match):
        read_image(source)
    assert time.monotonic() - started < 5


# ----------------------------------------------------------------------- DICOM codestreams

def _dicom(pixel_data: bytes, syntax, *, rows=64, columns=64, photometric="MONOCHROME2", extra=None) -> bytes:
    dataset = new_dataset(rows, columns, syntax=syntax, photometric=photometric, bits=8)
    for keyword, (vr, value) in (extra or {}).items():
        dataset.add_new(keyword, vr, value)
    dataset.PixelData = pixel_data
    dataset["PixelData"].VR = "OB"
    buffer = io.BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def _stream(kind: str) -> bytearray:
    grey = Image.fromarray((np.arange(64 * 64) % 251).astype(np.uint8).reshape(64, 64))
    buffer = io.BytesIO()
    grey.save(buffer, "JPEG") if kind == "jpeg" else grey.save(buffer, "JPEG2000", no_jp2=True)
    return bytearray(buffer.getvalue())


def _encapsulated(stream: bytes, kind: str) -> bytes:
    from pydicom.encaps import encapsulate
    from pydicom.uid import JPEG2000Lossless, JPEGBaseline8Bit

    return _dicom(encapsulate([bytes(stream)]), JPEGBaseline8Bit if kind == "jpeg" else JPEG2000Lossless)


def _lying(kind: str, width: int, height: int) -> bytes:
    """A 64 x 64 encode whose SOF / SIZ marker is patched to say width x height."""
    stream = _stream(kind)
    if kind == "jpeg":
        at = stream.find(b"\xff\xc0")
        stream[at + 5:at + 7], stream[at + 7:at + 9] = height.to_bytes(2, "big"), width.to_bytes(2, "big")
    else:
        at = stream.find(b"\xff\x51")
        stream[at + 6:at + 10], stream[at + 10:at + 14] = width.to_bytes(4, "big"), height.to_bytes(4, "big")
    return _encapsulated(stream, kind)


@pytest.mark.parametrize("kind", ["jpeg", "jpeg2000"])
def test_an_honest_compressed_dicom_reads(kind):
    loaded = read_image(_encapsulated(_stream(kind), kind))
    assert loaded.pixels.shape == (64, 64, 3) and loaded.format == "DICOM"


@pytest.mark.parametrize("kind", ["jpeg", "jpeg2000"])
def test_a_codestream_that_lies_about_its_size_is_refused(kind):
    bomb = _lying(kind, 60_000, 60_000)
    assert len(bomb) < 3_000  # the tester's were 742 and 978 bytes
    _refused(bomb, "stream is 60000 x 60000 pixels, over our limit")
    _refused(_lying(kind, 4_000, 64), r"stream says 4000 x 64 pixels but its header says 64 x 64")


# ----------------------------------------------------------------------- deflate

def test_a_deflated_bomb_with_a_rewritten_group_length_is_refused(tmp_path):
    bomb = bytearray(_deflated_dicom(tmp_path, 1_500 * 2**20))
    bomb[140:144] = (12).to_bytes(4, "little")  # the group length no longer covers the transfer syntax
    _refused(bytes(bomb), "decompression bomb")


def test_a_deflated_bomb_without_a_group_length_is_refused(tmp_path):
    bomb = _deflated_dicom(tmp_path, 1_500 * 2**20)
    _refused(bomb[:132] + bomb[144:], "decompression bomb")


# ----------------------------------------------------------------------- palettes

def _palette_dicom(segments: list[int]) -> bytes:
    from pydicom.uid import ExplicitVRLittleEndian

    words = np.asarray(segments, np.uint16).tobytes()
    extra = {}
    for colour in ("Red", "Green", "Blue"):
        extra[f"{colour}PaletteColorLookupTableDescriptor"] = ("US", [256, 0, 16])
        extra[f"Segmented{colour}PaletteColorLookupTableData"] = ("OW", words)
    return _dicom(np.arange(64, dtype=np.uint8).tobytes(), ExplicitVRLittleEndian, rows=8, columns=8,
                  photometric="PALETTE COLOR", extra=extra)


def test_an_honest_segmented_palette_reads():
    ramp = [0, 1, 0, 1, 255, 65535]  # one entry of 0, then a ramp to 65535 over 255 more
    loaded = read_image(_palette_dicom(ramp))
    assert loaded.pixels.shape == (8, 8, 3)
    assert loaded.pixels[0, 0, 0] == 0 and loaded.pixels[-1, -1, 0] > 0.2


@pytest.mark.parametrize("segments", [
    [0, 1, 0] + [1, 65535, 0] * 20_000,
    [0, 1, 0] + [1, 65535, 0] * 1_000,
    [0, 1, 7, 2, 3, 11, 0, 2, 3, 11, 0] * 40 + [0, 1, 7] * 3,  # nested indirect: ~2^40 entries
], ids=["20000 linear", "1000 linear", "nested indirect"])
def test_a_palette_that_expands_past_its_descriptor_is_refused(segments):
    bomb = _palette_dicom(segments)
    assert len(bomb) < 400_000
    _refused(bomb, "palette expands to .* its descriptor declares 256")


# ----------------------------------------------------------------------- formats nobody asked for

@pytest.mark.parametrize("data, title", [
    (b"SIMPLE  =                    T" + b" " * 2850, "FITS"),
    (b"qoif" + (64).to_bytes(4, "big") * 2 + b"\x03\x00" + bytes(100), "QOI"),
    (b"%PDF-1.7\n" + bytes(100), "PDF"),
])
def test_a_format_we_do_not_read_is_refused_by_name_whatever_its_name(data, title):
    _refused(data, f"is a {title} file, not a format we read", name="scan.png")


def _png_with_chunks(count: int) -> bytes:
    import zlib

    buffer = io.BytesIO()
    Image.new("L", (8, 8), 100).save(buffer, "PNG")
    png = buffer.getvalue()
    empty = b"\x00\x00\x00\x00" + b"prVt" + zlib.crc32(b"prVt").to_bytes(4, "big")
    return png[:33] + empty * count + png[33:]  # after the header chunk


def test_a_png_of_many_empty_chunks_is_refused():
    assert read_image(_png_with_chunks(10)).pixels.shape == (8, 8, 3)
    bomb = _png_with_chunks(30_000)
    assert len(bomb) < 400_000
    _refused(bomb, "PNG of over 1,000 metadata chunks")


def test_a_jpeg_of_thousands_of_scans_is_refused():
    buffer = io.BytesIO()
    Image.fromarray((np.arange(32 * 32 * 3) % 256).astype(np.uint8).reshape(32, 32, 3)).save(
        buffer, "JPEG", progressive=True)
    jpeg = buffer.getvalue()
    assert read_image(jpeg).pixels.shape == (32, 32, 3)
    last_scan = jpeg[jpeg.rfind(b"\xff\xda"):-2]
    bomb = jpeg[:-2] + last_scan * 3_000 + b"\xff\xd9"
    assert len(bomb) < 400_000
    _refused(bomb, "progressive JPEG of 3,0.. scans")


def test_a_float64_rgba_tiff_past_the_decoded_size_is_refused():
    import tifffile

    buffer = io.BytesIO()
    tifffile.imwrite(buffer, np.zeros((64, 64, 4)), compression="zlib", photometric="rgb", extrasamples=[2])
    data = bytearray(buffer.getvalue())
    with tifffile.TiffFile(io.BytesIO(bytes(data))) as tiff:  # say 7000 x 7000 in one strip
        tags = tiff.pages.first.tags
        offsets = [(tags[name].valueoffset, tags[name].dtype) for name in ("ImageWidth", "ImageLength",
                                                                           "RowsPerStrip")]
    for offset, dtype in offsets:
        size = 2 if dtype == 3 else 4
        data[offset:offset + size] = (7000).to_bytes(size, "little")
    _refused(bytes(data), "7000 x 7000 pixels of 32 bytes each")


# ----------------------------------------------------------------------- memory comes back

def test_the_memory_of_a_refused_bomb_comes_back(tmp_path):
    """In a fresh process: resident memory after a refused deflate bomb (inflated up to the
    limit before the refusal) is within 100 MB of what it was before."""
    bomb = tmp_path / "bomb.dcm"
    bomb.write_bytes(_deflated_dicom(tmp_path, 1_500 * 2**20))
    script = ("import re\n"
              "from core.data.io import ImageLoadError, read_image\n"
              "rss = lambda: int(re.search(r'VmRSS:\\s+(\\d+)', open('/proc/self/status').read()).group(1)) // 1024\n"
              f"bomb = {str(bomb)!r}\n"
              "import pydicom, pydicom.filereader, skimage.measure, tifffile\n"
              "before = rss()\n"
              "for _ in range(3):\n"
              "    try:\n"
              "        read_image(bomb)\n"
              "    except ImageLoadError:\n"
              "        pass\n"
              "print(before, rss())\n")
    before, after = map(int, subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                            check=True, cwd=ROOT).stdout.split())
    assert after - before < 100, (before, after)
