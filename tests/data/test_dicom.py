"""DICOM through pydicom's decoder plugins: every transfer syntax of pydicom's own test set,
colour models, and malformed files answered with ImageLoadError only."""

import warnings

import numpy as np
import pytest
from pydicom.data import get_testdata_file

from core.data.io import ImageLoadError, ImageLoadWarning, load_image, read_image
from tests.data.dicom_fixtures import write_dicom


def _test_file(name):
    path = get_testdata_file(name)
    assert path is not None, f"{name} is missing: pydicom and pydicom-data ship it"
    return path


# (compressed or re-encoded file, its uncompressed original): a lossless syntax gives the same image
LOSSLESS = [
    ("MR_small_RLE.dcm", "MR_small.dcm"),                 # RLE Lossless
    ("MR_small_jpeg_ls_lossless.dcm", "MR_small.dcm"),    # JPEG-LS Lossless
    ("MR_small_jp2klossless.dcm", "MR_small.dcm"),        # JPEG 2000 Lossless
    ("MR_small_bigendian.dcm", "MR_small.dcm"),           # Explicit VR Big Endian
    ("MR_small_implicit.dcm", "MR_small.dcm"),            # Implicit VR Little Endian
    ("US1_J2KR.dcm", "US1_UNCR.dcm"),                     # JPEG 2000 Lossless, YBR_RCT -> RGB
    ("OBXXXX1A_rle.dcm", "OBXXXX1A.dcm"),                 # RLE, PALETTE COLOR
    ("SC_rgb_rle.dcm", "SC_rgb.dcm"),                     # RLE, RGB
    ("emri_small_jpeg_2k_lossless.dcm", "emri_small.dcm"),
]


@pytest.mark.parametrize("compressed,original", LOSSLESS, ids=[c for c, _ in LOSSLESS])
def test_lossless_syntaxes_decode_to_the_original_image(compressed, original):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImageLoadWarning)
        expected = load_image(_test_file(original))
        decoded = load_image(_test_file(compressed))
    np.testing.assert_array_equal(decoded, expected)


# one file per lossy or otherwise compressed syntax, with the original when there is one
LOSSY = [
    ("SC_rgb_jpeg_dcmtk.dcm", "SC_rgb.dcm", 0.06),        # JPEG Baseline, YBR_FULL
    ("SC_rgb_dcmtk_+eb+cy+s2.dcm", "SC_rgb.dcm", 0.06),   # JPEG Baseline, YBR_FULL_422
    ("US1_J2KI.dcm", "US1_UNCR.dcm", 0.06),               # JPEG 2000, YBR_ICT
    ("JPGExtended.dcm", None, None),                      # JPEG Extended, 12-bit
    ("JPGLosslessP14SV1_1s_1f_8b.dcm", None, None),       # JPEG Lossless, process 14 SV1
    ("JPEGLSNearLossless_16.dcm", None, None),            # JPEG-LS near-lossless, 16-bit
    ("JPEG2000.dcm", None, None),                         # JPEG 2000
    ("image_dfl.dcm", None, None),                        # Deflated Explicit VR Little Endian
    ("examples_palette.dcm", None, None),                 # PALETTE COLOR
    ("gdcm-US-ALOKA-16.dcm", None, None),                 # PALETTE COLOR with 16-bit LUTs
    ("SC_ybr_full_422_uncompressed.dcm", None, None),     # YBR_FULL_422, uncompressed
]


@pytest.mark.parametrize("name,original,tolerance", LOSSY, ids=[n for n, _, _ in LOSSY])
def test_compressed_syntaxes_decode(name, original, tolerance):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImageLoadWarning)
        image = load_image(_test_file(name))
        assert image.ndim == 3 and image.shape[2] == 3 and image.dtype == np.float32
        assert np.isfinite(image).all() and 0 <= image.min() <= image.max() <= 1 and image.std() > 0.01
        if original:
            assert np.abs(image - load_image(_test_file(original))).mean() < tolerance


def test_palette_colour_is_in_colour():
    image = load_image(_test_file("OBXXXX1A.dcm"))
    assert np.abs(image[..., 0] - image[..., 1]).max() > 0.1  # not grey


def test_a_real_chest_radiograph_reads_as_a_viewer_shows_it():
    loaded = read_image(_test_file("RG1_UNCR.dcm"))  # CR chest, MONOCHROME1, 15-bit, windowed
    assert loaded.metadata["Modality"] == "CR" and loaded.metadata["BodyPartExamined"] == "CHEST"
    assert loaded.original_size == (1841, 1955) and max(loaded.pixels.shape[:2]) <= 1024  # strided
    centre = loaded.pixels[800:1100, 700:1100].mean()
    border = loaded.pixels[:, :40].mean()
    assert centre < 0.9 and loaded.pixels.std() > 0.1 and border != centre


@pytest.mark.parametrize("name,message", [
    ("badVR.dcm", "not a whole number"),                 # NumberOfFrames '1A'
    ("MR_truncated.dcm", "could not be decoded"),
    ("meta_missing_tsyntax.dcm", "Rows is missing"),
    ("nested_priv_SQ.dcm", "without pixel data|is missing"),
])
def test_malformed_test_files_give_typed_errors(name, message):
    with pytest.raises(ImageLoadError, match=message):
        load_image(_test_file(name))


def test_text_and_random_bytes_named_dcm_are_not_dicom(tmp_path):
    (tmp_path / "notes.dcm").write_text("Patient notes, not an image\n" * 20)
    (tmp_path / "noise.dcm").write_bytes(np.random.default_rng(0).bytes(5000))
    for path in (tmp_path / "notes.dcm", tmp_path / "noise.dcm"):
        with pytest.raises(ImageLoadError, match="not a DICOM file"):
            load_image(path)


def test_an_invalid_window_falls_back_to_the_full_range_with_a_note(tmp_path):
    pixels = (np.indices((40, 50)).sum(axis=0) * 10).astype(np.uint16)
    path = write_dicom(tmp_path / "w0.dcm", pixels, window=(400, 0))
    loaded = read_image(path)
    assert loaded.pixels.min() == 0 and loaded.pixels.max() == 1
    assert any("display window is invalid" in note for note in loaded.notes)


def test_large_dicom_is_subsampled_before_any_lut(tmp_path):
    pixels = np.tile(np.arange(3000, dtype=np.uint16), (2500, 1))
    loaded = read_image(write_dicom(tmp_path / "big.dcm", pixels), max_side=500)
    assert loaded.original_size == (3000, 2500) and max(loaded.pixels.shape[:2]) <= 500
