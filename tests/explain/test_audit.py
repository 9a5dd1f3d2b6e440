"""Sanity checks (Adebayo et al. 2018), deletion/insertion (Petsiuk et al. 2018) and the
perturbation energy in the salient region (Ma et al. 2021), on the planted-square model."""

import numpy as np
import pytest

from core.explain import METHODS
from core.explain.audit import audit_model
from core.explain.faithfulness import area, deletion_insertion, energy_in_salient_region
from core.explain.sanity import cascade_stages, cascading_randomization, randomized_copy, rank_correlation


def test_cascade_goes_from_the_logits_down_to_the_input(tiny):
    model = tiny[0]
    stages = cascade_stages(model)
    assert stages[0] == ("the logits layer", 1) and stages[-1][1] == 3  # logits, features, conv1
    copy = randomized_copy(model, 1)
    assert not np.allclose(copy.get_layer("logits").get_weights()[0], model.get_layer("logits").get_weights()[0])
    np.testing.assert_array_equal(copy.get_layer("conv1").get_weights()[0], model.get_layer("conv1").get_weights()[0])


def test_randomising_the_model_changes_grad_cam(tiny):
    model, images, labels, _ = tiny
    result = cascading_randomization(model, images[labels == 1][:6], methods={"grad_cam": METHODS["grad_cam"]})
    correlations = [stage["spearman"] for stage in result["grad_cam"]["stages"]]
    assert correlations[-1] < 0.5 and result["grad_cam"]["status"] == "pass"
    assert rank_correlation(np.arange(9.0), np.arange(9.0)) == pytest.approx(1.0)


def test_a_map_that_ignores_the_model_fails_the_sanity_check(tiny):
    from core.explain.registry import Method

    model, images, _, _ = tiny
    edges = Method("edges", lambda m, x, c=None: np.abs(np.diff(x.mean(axis=-1), axis=1, append=0)), "none")
    result = cascading_randomization(model, images[:4], methods={"edges": edges})
    assert result["edges"]["status"] == "fail" and "barely change" in result["edges"]["detail"]


def test_grad_cam_deletes_faster_and_inserts_faster_than_a_random_order(tiny):
    model, images, labels, _ = tiny
    positives = images[labels == 1][:8]
    maps = METHODS["grad_cam"].fn(model, positives, 1)
    result = deletion_insertion(model, positives, maps, np.ones(8, np.int32))
    assert result["deletion"] < result["deletion_random"]
    assert result["insertion"] > result["insertion_random"]
    assert area(np.ones(17)) == pytest.approx(1.0) and area(np.linspace(0, 1, 17)) == pytest.approx(0.5)


def test_perturbation_energy_in_the_salient_region():
    saliency = np.zeros((10, 10))
    saliency[:2] = 1  # the top 20 %: the first two rows
    inside = np.zeros((10, 10, 3))
    inside[:2] = 0.1
    assert energy_in_salient_region(inside, saliency) == pytest.approx(1.0)
    assert energy_in_salient_region(np.full((10, 10, 3), 0.1), saliency) == pytest.approx(0.2)
    assert np.isnan(energy_in_salient_region(np.zeros((10, 10, 3)), saliency))


def test_audit_reports_every_method(tiny):
    model, images, labels, _ = tiny
    result = audit_model(model, images[:4], labels[:4], methods={k: METHODS[k] for k in ("grad_cam", "score_cam")},
                         epsilon=0.05)
    assert set(result) == {"grad_cam", "score_cam"}
    for entry in result.values():
        assert entry["sanity"]["status"] in ("pass", "fail") and entry["faithfulness"]["status"] in ("pass", "warn")
        assert 0 <= entry["energy_in_top20"]["mean"] <= 1


def test_grounding_rates_find_the_planted_square(tiny):
    """Grad-CAM on the planted-square model points at the square (its ground truth)."""
    from tests.tiny import planted_squares

    from core.explain.grounding import grounding_rates

    model = tiny[0]
    images, labels, masks = planted_squares(16, seed=7)
    truth = {"lesion": masks.astype(np.float32), "shortcut": np.zeros(masks.shape, np.float32)}
    rates = grounding_rates(model, images, labels, truth, methods={"grad_cam": METHODS["grad_cam"]},
                            epsilons=[0, 0.05])
    clean, attacked = rates["grad_cam"]["lesion"]
    assert clean["epsilon"] == 0 and attacked["epsilon"] == 0.05 and clean["n"] == 8
    assert clean["pointing"] >= 0.75 and clean["pointing_low"] < clean["pointing"] < clean["pointing_high"] + 1e-12
    assert 0 <= clean["energy_low"] <= clean["energy"] <= clean["energy_high"] <= 1
    assert rates["grad_cam"]["shortcut"] == []  # no image has one
