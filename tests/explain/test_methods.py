"""Every saliency method of the registry: one contract, checked on a tiny model that finds a
planted square."""

import numpy as np
import pytest

from core.explain import METHODS

IDS = list(METHODS)


@pytest.mark.parametrize("name", IDS)
def test_shape_range_determinism_and_class_choice(tiny, name):
    model, images, _, _ = tiny
    fn = METHODS[name].fn
    maps = fn(model, images[:3])
    assert maps.shape == (3, 32, 32) and maps.dtype == np.float32
    assert maps.min() >= 0 and maps.max() <= 1 and np.isfinite(maps).all()
    np.testing.assert_array_equal(maps, fn(model, images[:3]))
    per_image = fn(model, images[:2], class_index=[0, 1])
    np.testing.assert_allclose(per_image[1], fn(model, images[1:2], class_index=1)[0], atol=1e-5)
    with pytest.raises(ValueError, match="class_index must be in"):
        fn(model, images[:1], class_index=5)


@pytest.mark.parametrize("name", [n for n in IDS if n != "grad_cam_softmax"])
def test_the_map_lies_on_the_planted_square(tiny, name):
    model, images, labels, masks = tiny
    positives = labels == 1
    maps = METHODS[name].fn(model, images[positives][:16], class_index=1)
    mask = masks[positives][:16]
    inside = (maps * mask).sum(axis=(1, 2)) / mask.sum(axis=(1, 2))
    outside = (maps * ~mask).sum(axis=(1, 2)) / (~mask).sum(axis=(1, 2))
    assert (inside > 2 * outside).mean() >= 0.8, (inside, outside)


def test_softmax_grad_cam_is_the_paper_parity_option_and_differs_on_a_confident_model(tiny):
    from tests.tiny import overconfident

    model, images, labels, _ = tiny
    loud = overconfident(model)
    assert "paper parity" in METHODS["grad_cam_softmax"].title
    flat = METHODS["grad_cam_softmax"].fn(loud, images[labels == 1][:4], class_index=1)
    assert flat.max() == 0 or np.isfinite(flat).all()  # saturated softmax: (near) zero gradient, no crash


def test_twins_use_the_same_layer_for_layer_methods():
    from core.models.build import feature_layer_name
    from core.models.zoo import ModelSpec, build_model

    for backbone in ("resnet50", "inception_resnet_v2"):
        twins = [build_model(ModelSpec("cxr", backbone, attention)) for attention in (False, True)]
        assert feature_layer_name(twins[0]) == feature_layer_name(twins[1])
    assert all(m.uses_feature_layer for n, m in METHODS.items() if "grad_cam" in n or n == "score_cam")
