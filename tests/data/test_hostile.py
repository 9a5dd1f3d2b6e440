"""The hostile and unlucky files a tester sent, each rebuilt here in its real format: every
one decodes or is refused quickly, as H x W x 3 or an ImageLoadError, and says when nothing is
left to see."""

import io
import time
import tracemalloc
import zlib

import numpy as np
import pytest
from PIL import Image

from core.data.io import ImageLoadError, read_image
from core.data.paths import DataRootError, confined
from tests.data.dicom_fixtures import write_dicom


def _deflated_dicom(tmp_path, padding: int) -> bytes:
    """A deflated DICOM whose body starts with a private OB element of `padding` zero bytes,
    streamed into the compressor (a few hundred kB on disk), before an 8 x 8 image."""
    import pydicom
    from pydicom.uid import DeflatedExplicitVRLittleEndian

    plain = write_dicom(tmp_path / "plain.dcm", (np.arange(64).reshape(8, 8) * 100).astype(np.uint16)).read_bytes()
    meta_end = 144 + int.from_bytes(plain[140:144], "little")
    dataset = pydicom.dcmread(io.BytesIO(plain))
    dataset.file_meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian
    buffer = io.BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    deflated = buffer.getvalue()
    deflated_meta_end = 144 + int.from_bytes(deflated[140:144], "little")
    chunk = 2**24  # each part flushed with Z_FULL_FLUSH stands alone, so one compressed chunk repeats
    header = b"\x29\x00\x10\x10" + b"OB\x00\x00" + padding.to_bytes(4, "little")  # (0029,1010) OB
    parts = [_raw(header), _raw(bytes(chunk)) * (padding // chunk), _raw(bytes(padding % chunk))]
    last = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    parts += [last.compress(plain[meta_end:]), last.flush()]
    return deflated[:deflated_meta_end] + b"".join(parts)


def _raw(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)


def test_a_deflated_dicom_bomb_is_refused_fast_and_small(tmp_path):
    bomb = _deflated_dicom(tmp_path, 1_500 * 2**20)  # 1.5 GB of zeros, as the tester's
    assert len(bomb) < 3 * 2**20
    tracemalloc.start()
    started = time.monotonic()
    with pytest.raises(ImageLoadError, match="decompression bomb"):
        read_image(bomb)
    elapsed, peak = time.monotonic() - started, tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert elapsed < 5 and peak < 600 * 2**20, (elapsed, peak / 2**20)


def test_a_small_deflated_dicom_still_reads(tmp_path):
    loaded = read_image(_deflated_dicom(tmp_path, 1024))
    assert loaded.pixels.shape == (8, 8, 3) and loaded.format == "DICOM"
    assert loaded.pixels[0, 0, 0] < loaded.pixels[-1, -1, 0]


def test_a_tiff_of_many_pages_reads_its_first_without_walking_the_rest():
    import tifffile

    buffer = io.BytesIO()
    tifffile.imwrite(buffer, (np.arange(120_000) % 256).astype(np.uint8).reshape(30_000, 2, 2),
                     photometric="minisblack")  # 30,000 pages of 2 x 2 px, like the tester's
    started = time.monotonic()
    loaded = read_image(buffer.getvalue())
    assert time.monotonic() - started < 1.0
    assert loaded.pixels.shape == (2, 2, 3) and "more than one frame" in loaded.notes[0]


def test_a_very_long_path_is_refused_in_words():
    with pytest.raises(DataRootError, match="longer than any file system allows"):
        confined("a" * 5000)


def _tiff(array) -> bytes:
    import tifffile

    buffer = io.BytesIO()
    tifffile.imwrite(buffer, array)
    return buffer.getvalue()


def test_a_constant_float_tiff_says_it_is_blank():
    loaded = read_image(_tiff(np.full((6, 6), 3.5, np.float32)))
    assert loaded.pixels.shape == (6, 6, 3) and "one flat value everywhere" in loaded.notes[-1]


@pytest.mark.parametrize("array", [np.linspace(0, 1, 48).reshape(6, 8), np.random.default_rng(0).random((6, 8, 3))],
                         ids=["float64 grey", "float64 RGB"])
def test_float64_tiffs_are_read(array):
    loaded = read_image(_tiff(array.astype(np.float64)))
    assert loaded.pixels.shape == (6, 8, 3) and loaded.format == "TIFF"
    np.testing.assert_allclose(loaded.pixels[..., 0], array if array.ndim == 2 else array[..., 0], atol=1e-6)


@pytest.mark.parametrize("settings", [dict(window=(1e9, 10)), dict(rescale=(0, 5))], ids=["window 1e9", "slope 0"])
def test_a_dicom_blank_after_its_luts_says_so(tmp_path, settings):
    path = write_dicom(tmp_path / "blank.dcm", (np.arange(64).reshape(8, 8) * 100).astype(np.uint16), **settings)
    loaded = read_image(path)
    assert loaded.pixels.shape == (8, 8, 3) and "one flat value everywhere" in loaded.notes[-1]


def test_a_grey_dicom_with_three_samples_is_refused(tmp_path):
    import pydicom

    path = write_dicom(tmp_path / "liar.dcm", np.zeros((8, 8), np.uint16))
    dataset = pydicom.dcmread(path)
    dataset.SamplesPerPixel, dataset.PlanarConfiguration = 3, 0
    dataset.BitsAllocated = dataset.BitsStored = 8
    dataset.HighBit = 7
    dataset.PixelData = np.zeros((8, 8, 3), np.uint8).tobytes()
    dataset.save_as(path)
    with pytest.raises(ImageLoadError, match="header contradicts its pixel data"):
        read_image(path)


def test_a_png_named_dcm_is_read_as_the_png_it_is(tmp_path):
    path = tmp_path / "scan.dcm"
    Image.new("RGB", (5, 4), (200, 10, 10)).save(path, "PNG")
    loaded = read_image(path)
    assert loaded.pixels.shape == (4, 5, 3) and loaded.format == "PNG"
    assert "named like a DICOM file" in loaded.notes[0]
