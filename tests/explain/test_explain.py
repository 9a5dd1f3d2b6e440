import cv2
import numpy as np
import pytest

from core.explain import METHODS, attention_map, compare, grad_cam, overlay, top_region_overlap
from core.models.zoo import ModelSpec, build_model


def test_grad_cam_finds_the_planted_square(tiny):
    model, images, labels, masks = tiny
    positives = labels == 1
    cams = grad_cam(model, images[positives], class_index=1)
    inside = (cams * masks[positives]).sum(axis=(1, 2)) / masks[positives].sum(axis=(1, 2))
    outside = (cams * ~masks[positives]).sum(axis=(1, 2)) / (~masks[positives]).sum(axis=(1, 2))
    assert (inside > 2 * outside).mean() >= 0.9
    peaks = [np.unravel_index(c.argmax(), c.shape) for c in cams]
    assert np.mean([m[p] for m, p in zip(masks[positives], peaks)]) >= 0.9


def test_grad_cam_shape_range_and_class_choice(tiny):
    model, images, _, _ = tiny
    cams = grad_cam(model, images[:5])
    assert cams.shape == (5, 32, 32) and cams.dtype == np.float32
    assert cams.min() >= 0 and cams.max() <= 1
    per_image = grad_cam(model, images[:2], class_index=[0, 1])
    np.testing.assert_allclose(per_image[1], grad_cam(model, images[1:2], class_index=1)[0], atol=1e-6)
    with pytest.raises(ValueError, match="class_index must be in"):
        grad_cam(model, images[:1], class_index=3)


@pytest.mark.parametrize("backbone", ["resnet50", "inception_resnet_v2"])
def test_grad_cam_and_attention_on_zoo_models(backbone):
    images = np.random.default_rng(0).random((2, 96, 96, 3), dtype=np.float32)
    attentive = build_model(ModelSpec("derm", backbone, True))
    vanilla = build_model(ModelSpec("derm", backbone, False))
    for model in (attentive, vanilla):
        assert grad_cam(model, images).shape == (2, 96, 96)
    maps = attention_map(attentive, images)
    assert maps.shape == (2, 96, 96) and maps.max() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="no soft-attention block"):
        attention_map(vanilla, images)


def test_overlay_blends_a_colormap():
    image = np.zeros((8, 8, 3), np.float32)
    heat = np.zeros((8, 8), np.float32)
    heat[0, 0] = 1.0
    out = overlay(image, heat, alpha=1.0)
    jet = cv2.cvtColor(cv2.applyColorMap(np.array([[255, 0]], np.uint8), cv2.COLORMAP_JET), cv2.COLOR_BGR2RGB)
    assert out.dtype == np.uint8 and (out[0, 0] == jet[0, 0]).all() and (out[1, 1] == jet[0, 1]).all()
    with pytest.raises(ValueError, match="sizes differ"):
        overlay(image, heat[:4])


def test_compare_metrics():
    a = np.zeros((10, 10))
    a[:5, :5] = 1
    same = compare(a, a)
    assert same["pearson"] == pytest.approx(1) and same["top20_iou"] == 1 and same["centre_shift_px"] == 0
    b = np.zeros((10, 10))
    b[5:, 5:] = 1
    moved = compare(a, b)
    assert moved["pearson"] < 0 and moved["top20_iou"] == 0
    assert moved["centre_shift_px"] == pytest.approx(np.hypot(5, 5))
    assert top_region_overlap(np.arange(100.0).reshape(10, 10), np.arange(100.0).reshape(10, 10)) == 1


def test_registry_feeds_the_ui():
    assert METHODS["grad_cam"].fn is grad_cam and METHODS["grad_cam"].title == "Grad-CAM"
