"""Whole curves from each image's smallest adversarial epsilon (FMN): the curve, its
re-weighting, the median's interval, the paired test, the combined curve, saved and read back."""

import json

import numpy as np
import pytest

from core.evaluate import (combined_curve, evaluate_minimum_norm, median_interval, saved_results, star_curve,
                           star_twin_test, stars_of)
from core.encoding import flags_to_text, labels_to_text
from core.models.spec import ModelSpec
from core.tasks import get_task

CXR = get_task("cxr")


def test_the_curve_is_the_share_above_each_epsilon_reweighted_to_the_real_mix():
    labels = np.array([0, 0, 1, 1])
    stars = np.array([0.0, 0.01, 0.02, np.inf])  # the first image is misclassified as it is
    rows = star_curve(stars, labels, CXR, [0.0, 0.005, 0.015, 0.5])
    normal, pneumothorax = CXR.priors
    expected = [normal * 0.5 + pneumothorax * 1.0, normal * 0.5 + pneumothorax * 1.0, normal * 0.0 + pneumothorax,
                pneumothorax * 0.5]  # by hand: the recall of each class, weighted by its real share
    np.testing.assert_allclose([r["accuracy"] for r in rows], expected)
    assert all(r["accuracy_low"] <= r["accuracy"] <= r["accuracy_high"] for r in rows)


def test_the_median_has_a_bootstrap_interval_and_unbroken_images_count_as_the_largest_radius():
    stars = np.r_[np.linspace(0.001, 0.02, 99), np.inf]
    interval = median_interval(stars)
    assert interval["low"] < interval["median"] < interval["high"] < 0.02
    assert median_interval(np.full(5, np.inf))["median"] == 1.0


def test_the_paired_test_sees_a_shift_and_not_its_absence():
    rng = np.random.default_rng(0)
    vanilla = rng.uniform(0.001, 0.01, 60)
    shifted = star_twin_test(vanilla * 1.5, vanilla)
    assert shifted["p_value"] < 1e-6 and shifted["attentive_larger"] == 60
    same = star_twin_test(vanilla, vanilla)
    assert same["p_value"] == 1.0 and same["pairs"] == 0
    with pytest.raises(ValueError, match="same images"):
        star_twin_test(vanilla[:3], vanilla)


def test_the_combined_curve_is_robust_only_where_both_say_so():
    labels = np.array([0, 1, 0, 1])
    grid = {"labels": labels_to_text(labels), "n": 4, "curve": [
        {"epsilon": 0.0, "accuracy": 1.0, "robust": flags_to_text([1, 1, 1, 1])},
        {"epsilon": 0.01, "accuracy": 0.75, "robust": flags_to_text([1, 1, 1, 0])}]}
    stars = np.array([0.02, 0.005, np.inf, 0.5])
    rows = combined_curve(grid, stars, labels, CXR)
    at_001 = (np.array([1, 1, 1, 0], bool) & (stars > 0.01))  # images 0 and 2
    expected = CXR.priors[0] * at_001[labels == 0].mean() + CXR.priors[1] * at_001[labels == 1].mean()
    assert rows[1]["accuracy"] == pytest.approx(expected)
    assert rows[0]["accuracy"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="not the same images"):
        combined_curve(grid, stars[:3], labels[:3], CXR)
    with pytest.raises(ValueError, match="not the same images"):
        combined_curve(grid, stars, labels[::-1], CXR)


def test_evaluated_saved_compared_with_the_twin_and_kept_apart_from_the_grid_results(tmp_path):
    from core.data import synthetic
    from core.cli.evaluate import main

    images, labels = synthetic.split("cxr", "test", 8, size=96)
    assert main(["--task", "cxr", "--model", "demo-cxr-resnet50-vanilla", "--n", "8", "--fmn", "--fmn-steps", "5",
                 "--results-root", str(tmp_path)]) == 0
    attentive = ModelSpec("cxr", "resnet50", True)
    result = evaluate_minimum_norm(attentive, images, labels, data=synthetic.split_description("cxr"), steps=5,
                                   results_root=tmp_path)
    saved = json.loads(open(result["path"]).read())
    assert len(saved["epsilon_star"]) == 8 and saved["curve"][0]["epsilon"] == 0.0
    accuracies = [r["accuracy"] for r in saved["curve"]]
    assert all(a >= b for a, b in zip(accuracies, accuracies[1:]))  # a curve from eps* can only fall
    assert "Wilcoxon signed-rank" in saved["twin_test"]["sentence"]
    assert np.isfinite(stars_of(saved)).sum() + saved["not_broken"] == 8
    assert saved_results(attentive, results_root=tmp_path, root=tmp_path / "none") == []  # not a grid curve
