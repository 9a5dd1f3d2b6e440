"""load_image on every kind of input, built here in its real format."""

import io
from pathlib import Path
import warnings

import cv2
import numpy as np
import pytest
from PIL import Image

from core.data.io import MAX_PIXELS, ImageLoadError, ImageLoadWarning, load_image
from tests.data.dicom_fixtures import write_dicom

RGB = (np.arange(12 * 16 * 3).reshape(12, 16, 3) % 256).astype(np.uint8)


def _encode(image: Image.Image, fmt: str, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def _check(array, shape=(12, 16)):
    assert array.dtype == np.float32 and array.shape == (*shape, 3)
    assert 0.0 <= array.min() and array.max() <= 1.0


@pytest.mark.parametrize("fmt", ["PNG", "TIFF", "BMP", "WEBP"])
def test_lossless_formats_round_trip_exactly(fmt):
    array = load_image(_encode(Image.fromarray(RGB), fmt, **({"lossless": True} if fmt == "WEBP" else {})))
    _check(array)
    np.testing.assert_allclose(array, RGB / 255.0, atol=1e-6)


def test_jpeg_is_close_and_exif_orientation_is_honoured():
    image = Image.fromarray(RGB)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    array = load_image(_encode(image, "JPEG", quality=95, exif=exif.tobytes()))
    _check(array, shape=(16, 12))  # width and height swapped by the orientation tag


def test_path_bytes_and_file_object_agree(tmp_path):
    path = tmp_path / "x.png"
    Image.fromarray(RGB).save(path)
    from_path = load_image(path)
    np.testing.assert_array_equal(from_path, load_image(str(path)))
    np.testing.assert_array_equal(from_path, load_image(path.read_bytes()))
    with open(path, "rb") as file:
        np.testing.assert_array_equal(from_path, load_image(file))


def test_16_bit_grey_keeps_its_precision():
    grey = np.array([[0, 1000, 65535], [65535, 1, 30000]], dtype=np.uint16)
    ok, encoded = cv2.imencode(".png", grey)
    array = load_image(encoded.tobytes())
    np.testing.assert_allclose(array[..., 0], grey / 65535.0, rtol=1e-6)
    assert (array[..., 0] == array[..., 2]).all()


def test_16_bit_colour_tiff_is_read():
    colour = (np.random.default_rng(0).random((6, 7, 3)) * 65535).astype(np.uint16)
    ok, encoded = cv2.imencode(".tiff", colour)
    _check(load_image(encoded.tobytes()), shape=(6, 7))


@pytest.mark.parametrize("mode", ["L", "LA", "RGBA", "P", "CMYK", "I", "F", "1"])
def test_every_pillow_mode_becomes_rgb(mode):
    image = Image.fromarray(RGB).convert(mode)
    fmt = "TIFF" if mode in ("CMYK", "I", "F") else "PNG"
    _check(load_image(_encode(image, fmt)))


def test_transparent_pixels_become_black():
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[..., :3] = 255
    rgba[:2, :, 3] = 255  # top half opaque white, bottom half transparent
    array = load_image(_encode(Image.fromarray(rgba, "RGBA"), "PNG"))
    assert array[:2].min() == 1.0 and array[2:].max() == 0.0


@pytest.mark.parametrize("data,message", [
    (b"", "empty"),
    (b"hello, I am a text file renamed .png", "not an image format"),
])
def test_garbage_is_a_clear_error(data, message):
    with pytest.raises(ImageLoadError, match=message):
        load_image(data)


def test_truncated_image_is_a_clear_error():
    data = _encode(Image.fromarray(np.tile(RGB, (20, 20, 1))), "PNG")
    with pytest.raises(ImageLoadError, match="truncated or damaged"):
        load_image(data[: len(data) // 2])


def test_decompression_bomb_is_refused_from_its_header():
    side = int(MAX_PIXELS ** 0.5) + 100
    bomb = _encode(Image.new("1", (side, side)), "PNG")  # tiny file, huge image
    assert len(bomb) < 2**20
    with pytest.raises(ImageLoadError, match="our limit of 50 million pixels"):
        load_image(bomb)


def test_missing_path_and_wrong_type():
    with pytest.raises(ImageLoadError, match="no image file"):
        load_image("/nonexistent/x.png")
    with pytest.raises(ImageLoadError, match="cannot read an image from a int"):
        load_image(42)


def test_dicom_window_is_applied(tmp_path):
    pixels = np.array([[0, 100, 200, 300, 4000]], dtype=np.uint16)
    path = write_dicom(tmp_path / "w.dcm", pixels, window=(200, 200))  # shows 100..300
    grey = load_image(path)[0, :, 0]
    assert grey[0] == 0.0 and grey[1] < 0.05 and 0.45 < grey[2] < 0.55
    assert grey[3] > 0.95 and grey[4] == 1.0


def test_dicom_rescale_then_window_in_hounsfield_units(tmp_path):
    pixels = np.array([[0, 1024, 1064, 2048]], dtype=np.uint16)  # HU = value - 1024
    path = write_dicom(tmp_path / "ct.dcm", pixels, rescale=(1, -1024), window=(40, 400))
    grey = load_image(path)[0, :, 0]
    assert grey[0] == 0.0 and grey[3] == 1.0  # air black, bone white
    assert 0.39 < grey[1] < 0.41  # water, 0 HU: 160 HU above the window floor of -160
    assert 0.49 < grey[2] < 0.51  # +40 HU: the window centre


def test_dicom_monochrome1_is_inverted(tmp_path):
    pixels = np.array([[0, 1000]], dtype=np.uint16)
    normal = load_image(write_dicom(tmp_path / "m2.dcm", pixels))[0, :, 0]
    inverted = load_image(write_dicom(tmp_path / "m1.dcm", pixels, photometric="MONOCHROME1"))[0, :, 0]
    np.testing.assert_allclose(inverted, 1.0 - normal)


def test_dicom_multiframe_takes_the_first_frame_and_says_so(tmp_path):
    frames = np.stack([np.full((3, 4), 10, np.uint16), np.full((3, 4), 20, np.uint16)])
    frames[0, 0, 0] = 0
    path = write_dicom(tmp_path / "mf.dcm", frames, frames=2)
    with pytest.warns(ImageLoadWarning, match="2 frames"):
        array = load_image(path)
    assert array.shape == (3, 4, 3) and array[0, 0, 0] == 0.0 and array[1, 1, 0] == 1.0


def test_dicom_without_pixel_data_is_a_clear_error(tmp_path):
    path = write_dicom(tmp_path / "sr.dcm", np.zeros((2, 2), np.uint16), with_pixels=False)
    with pytest.raises(ImageLoadError, match="without pixel data"):
        load_image(path)


def test_dicom_detected_by_preamble_without_extension(tmp_path):
    path = write_dicom(tmp_path / "scan.dcm", np.array([[0, 5]], np.uint16))
    renamed = tmp_path / "scan.bin"
    renamed.write_bytes(path.read_bytes())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_image(renamed).shape == (1, 2, 3)


def test_truncated_dicom_is_a_clear_error(tmp_path):
    path = write_dicom(tmp_path / "t.dcm", np.zeros((64, 64), np.uint16))
    truncated = tmp_path / "t2.dcm"
    truncated.write_bytes(path.read_bytes()[:-3000])
    with pytest.raises(ImageLoadError):
        load_image(truncated)


@pytest.mark.parametrize("orientation", range(2, 9))
def test_every_exif_orientation_matches_pillow(orientation):
    from PIL import ImageOps

    exif = Image.Exif()
    exif[0x0112] = orientation
    data = _encode(Image.fromarray(RGB), "PNG", exif=exif.tobytes())
    expected = np.asarray(ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")) / 255.0
    np.testing.assert_allclose(load_image(data), expected, atol=1e-6)


@pytest.mark.parametrize("fmt", ["GIF", "TIFF"])
def test_multi_frame_gif_and_tiff_say_only_the_first_frame_is_used(fmt):
    frames = [Image.fromarray(RGB), Image.fromarray(255 - RGB), Image.fromarray(RGB // 2)]
    data = _encode(frames[0], fmt, save_all=True, append_images=frames[1:])
    with pytest.warns(ImageLoadWarning, match="has more than one frame.*showing the first"):
        image = load_image(data)
    _check(image)


def test_an_elongated_image_is_loaded_with_a_stretch_warning():
    strip = Image.new("L", (600, 20), 128)
    with pytest.warns(ImageLoadWarning, match=r"600 x 20 pixels \(30:1\).*stretched"):
        image = load_image(_encode(strip, "PNG"))
    assert image.shape == (20, 600, 3)


@pytest.mark.parametrize("size", [(100_000, 1), (1, 100_000), (2048, 1)])
@pytest.mark.parametrize("mode", ["L", "I;16"])
def test_a_strip_is_refused_in_words(size, mode):
    strip = Image.new(mode, size, 128)
    with pytest.raises(ImageLoadError, match=rf"{size[0]} x {size[1]} pixels: a strip"):
        load_image(_encode(strip, "PNG"))


def test_large_images_are_reduced_while_decoding():
    from core.data.io import read_image

    big = Image.fromarray(np.tile(RGB, (200, 200, 1)))  # 3200 x 2400
    for fmt in ("PNG", "JPEG"):
        loaded = read_image(_encode(big, fmt), max_side=400)
        assert loaded.original_size == (3200, 2400) and 400 <= max(loaded.pixels.shape[:2]) <= 800
    grey16 = Image.fromarray(np.full((3000, 100), 40000, np.uint16))
    reduced = read_image(_encode(grey16, "PNG"), max_side=500).pixels
    assert reduced.shape[0] <= 1000 and reduced[0, 0, 0] == pytest.approx(40000 / 65535)  # 16 bits kept


def test_a_7000_px_png_stays_within_memory_and_time_bounds(tmp_path):
    """A 100 KB PNG declaring 7000 x 7000: < 600 MB extra RSS and < 5 s to load (in a fresh
    process, so the measure is not shared with the test session)."""
    import subprocess
    import sys

    path = tmp_path / "huge.png"
    Image.new("RGB", (7000, 7000), (40, 90, 160)).save(path, optimize=True)
    assert path.stat().st_size < 300_000
    script = (  # VmHWM: this process's peak resident memory (ru_maxrss would include the parent's)
        "import re, time\n"
        "from core.data.io import load_image\n"
        "peak = lambda: int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1))\n"
        "before = peak()\n"
        "start = time.perf_counter()\n"
        f"image = load_image({str(path)!r})\n"
        "seconds = time.perf_counter() - start\n"
        "print((peak() - before) // 1024, seconds, image.shape)\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         cwd=str(Path(__file__).resolve().parents[2])).stdout.split()
    extra_mb, seconds = int(out[0]), float(out[1])
    print(f"7000 x 7000 PNG: +{extra_mb} MB, {seconds:.2f} s")
    assert extra_mb < 600 and seconds < 5


@pytest.mark.parametrize("orientation", [5, 6])
@pytest.mark.parametrize("mode", ["RGB", "I;16"])
def test_exif_orientation_survives_the_reduction_of_a_large_image(orientation, mode):
    """The reduction drops the file's EXIF: the orientation read before it must still apply,
    to 8-bit images reduced by Pillow and 16-bit grey reduced in NumPy alike."""
    from PIL import ImageOps

    exif = Image.Exif()
    exif[0x0112] = orientation
    if mode == "RGB":
        source = Image.fromarray(np.kron(RGB, np.ones((4, 4, 1), np.uint8)))  # 48 x 64
    else:
        source = Image.fromarray(np.kron(RGB[..., 0].astype(np.uint16) * 257, np.ones((4, 4), np.uint16)))
    data = _encode(source, "PNG", exif=exif.tobytes())
    array = load_image(data, max_side=16)  # reduced by 4, to 12 x 16 before turning
    upright = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    assert array.shape[:2] == (16, 12)  # the turn that swaps width and height was applied
    expected = np.asarray(upright, np.float64)[::4, ::4] / (255.0 if mode == "RGB" else 65535.0)
    if expected.ndim == 2:
        expected = np.repeat(expected[..., None], 3, axis=2)
    np.testing.assert_allclose(array, expected, atol=1e-6)
