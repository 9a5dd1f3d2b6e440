import cv2
import numpy as np
import pytest

from core.data.preprocess import cxr_filter, cxr_sigma, prepare, resize


def test_cxr_filter_is_the_papers_formula_computed_directly(rng):
    image = (rng.random((64, 80)) * 100 + 50).astype(np.uint8)  # not full range: min-max matters
    x = (image.astype(np.float64) - image.min()) / (image.max() - image.min()) * 255
    x = np.round(x).astype(np.uint8)
    blur = cv2.GaussianBlur(x, (0, 0), 20).astype(np.float64)
    expected = np.clip(np.round(4 * x.astype(np.float64) - 4 * blur + 128), 0, 255)
    got = cxr_filter(image).astype(np.float64)
    assert np.abs(got - expected).max() <= 1  # rounding of addWeighted
    assert cxr_filter(image).dtype == np.uint8


def test_cxr_filter_flat_regions_become_mid_grey():
    image = np.zeros((50, 50), np.uint8)
    image[:, 25:] = 200
    out = cxr_filter(image, sigma=2)
    assert out[25, 3] == 128 and out[25, 46] == 128  # far from the edge: x == blur(x)
    assert out[25, 24] == 0 and out[25, 25] == 255  # the edge is enhanced, saturated


def test_cxr_filter_rejects_float_input():
    with pytest.raises(ValueError, match="uint8"):
        cxr_filter(np.zeros((4, 4), np.float32))


def test_prepare_resizes_and_filters_only_cxr(rng):
    image = rng.random((120, 90, 3)).astype(np.float32)
    derm = prepare(image, "derm", 64)
    assert derm.shape == (64, 64, 3) and derm.dtype == np.float32
    np.testing.assert_allclose(derm, resize(image, 64))
    cxr = prepare(image, "cxr", 64)
    assert cxr.shape == (64, 64, 3) and (cxr[..., 0] == cxr[..., 2]).all()
    assert abs(float(cxr.mean()) - 0.5) < 0.05  # the filter centres on 128


def test_cxr_sigma_is_the_papers_at_224():
    assert cxr_sigma(224) == 20.0 and cxr_sigma(112) == 10.0


def test_prepare_rejects_wrong_shapes():
    with pytest.raises(ValueError, match="H x W x 3"):
        prepare(np.zeros((8, 8)), "derm", 8)
