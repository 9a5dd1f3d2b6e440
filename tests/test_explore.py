import numpy as np
import pytest

from core.explore import explore, heatmap_gallery
from core.models.zoo import ModelSpec, build_model


@pytest.fixture(scope="module")
def pair():
    specs = [ModelSpec("cxr", "resnet50", False), ModelSpec("cxr", "resnet50", True)]
    return {s: build_model(s) for s in specs}


def test_explore_reports_every_model(pair):
    image = np.random.default_rng(0).random((96, 96, 3), dtype=np.float32)
    result = explore(pair, image, epsilon=0.03, steps=3)
    assert set(result.outcomes) == {s.model_id for s in pair}
    for outcome in result.outcomes.values():
        assert outcome.clean_probabilities.shape == (2,) and outcome.clean_cam.shape == (96, 96)
        assert outcome.linf <= 0.03 + 1e-7 and outcome.l2 > 0
        np.testing.assert_allclose(outcome.adversarial, image + outcome.perturbation, atol=1e-6)
    attentive = result.outcomes["demo-cxr-resnet50-attention"]
    assert attentive.clean_attention.shape == (96, 96)
    assert result.outcomes["demo-cxr-resnet50-vanilla"].clean_attention is None
    report = result.report()
    assert report["epsilon_255"] == pytest.approx(7.65) and len(report["models"]) == 2


def test_transfer_applies_the_vanilla_perturbation(pair):
    image = np.random.default_rng(1).random((96, 96, 3), dtype=np.float32)
    result = explore(pair, image, epsilon=0.05, steps=3, transfer=True)
    vanilla = result.outcomes["demo-cxr-resnet50-vanilla"]
    attentive = result.outcomes["demo-cxr-resnet50-attention"]
    np.testing.assert_array_equal(attentive.adversarial, vanilla.adversarial)
    assert attentive.transferred_from == "demo-cxr-resnet50-vanilla"


def test_heatmap_gallery_rows_per_epsilon(pair):
    model = next(iter(pair.values()))
    images = np.random.default_rng(2).random((3, 96, 96, 3), dtype=np.float32)
    gallery = heatmap_gallery(model, images, np.array([0, 1, 0]), epsilons=[0, 0.05], steps=2)
    assert gallery["clean_cams"].shape == (3, 96, 96) and len(gallery["epsilons"]) == 2
    assert gallery["epsilons"][0]["pearson"] == pytest.approx(1.0)  # epsilon 0: same maps
    assert {"top20_iou", "centre_shift_px", "accuracy"} <= set(gallery["epsilons"][1])
