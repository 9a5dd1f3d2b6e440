"""Any two models of a task compared on the same images, and the attention x defence
interaction, from saved results."""

import numpy as np
import pytest

from core.evaluate import interaction_test, paired_test
from core.encoding import flags_to_text, labels_to_text

LABELS = np.array([0, 1] * 50)


def _result(robust_at_eps: np.ndarray, task="cxr", labels=LABELS) -> dict:
    clean = np.ones(100, bool)
    return {"data": "synthetic cxr test", "n": 100, "epsilons": [0.0, 0.02], "attack": {"name": "strong"},
            "spec": {"task": task}, "labels": labels_to_text(labels),
            "curve": [{"epsilon": 0.0, "robust": flags_to_text(clean)},
                      {"epsilon": 0.02, "robust": flags_to_text(robust_at_eps)}]}


def test_paired_test_names_both_models_and_measures_their_difference():
    defended = np.arange(100) < 80
    attentive = np.arange(100) < 30
    rows = paired_test(_result(attentive), _result(defended), ("ResNet-50 + attention", "ResNet-50 · PGD-AT"))
    at_eps = rows[1]
    assert at_eps["difference"] == pytest.approx(-0.5)  # equal class counts: the real mix changes nothing here
    assert at_eps["p_value"] < 1e-6
    assert "ResNet-50 + attention is 50.0 points less robust than ResNet-50 · PGD-AT" in at_eps["sentence"]


def test_interaction_test_says_whether_attention_adds_to_the_defence():
    index = np.arange(100)
    rows = interaction_test(_result(index < 20), _result(index < 50), _result(index < 70), _result(index < 72),
                            defence="PGD-AT")
    at_eps = rows[1]
    assert at_eps["attention_effect"] == pytest.approx(0.3) and at_eps["defended_effect"] == pytest.approx(0.02)
    assert at_eps["difference"] == pytest.approx(-0.28) and at_eps["high"] < 0
    assert "attention adds less on top of PGD-AT than alone" in at_eps["sentence"]


def test_results_of_other_images_are_refused():
    other = _result(np.ones(100, bool))
    other["n"] = 99
    with pytest.raises(ValueError, match="differ in 'n'"):
        paired_test(_result(np.ones(100, bool)), other, ("a", "b"))


def test_a_comparison_says_borderline_when_the_test_and_the_interval_disagree():
    """cxr at the real mix (pneumothorax about 5 %): one model robust on 40 pneumothorax images and
    the other on none gives a tiny p, yet the weighted difference's interval, widened by the
    normal class where no image differs, covers 0: the sentence must not call it significant."""
    first = (LABELS == 1) & (np.arange(100) < 80)
    row = paired_test(_result(first), _result(np.zeros(100, bool)), ("A", "B"))[1]
    assert row["p_value"] < 1e-6 and row["low"] <= 0 <= row["high"]
    assert "borderline on these 100 images: p < 0.05, but the interval includes 0" in row["sentence"]
    assert "a significant difference" not in row["sentence"]
    # and it says why: where the discordant images are, and which class sets the interval's width
    assert ("Of the 40 images only one twin got right, all are pneumothorax images (4.7% of the real mix)"
            in row["sentence"])
    assert "The interval's width is no pneumothorax's (95.3% of the mix), whose 50 images still allow ±" in row["sentence"]
    agreeing = paired_test(_result(np.arange(100) < 30), _result(np.arange(100) < 80), ("A", "B"))[1]
    assert "only one twin got right" not in agreeing["sentence"]  # test and interval agree: nothing to explain


def test_defence_comparisons_pair_each_backbones_attention_with_its_defended_models_at_one_epsilon():
    from core.evaluate import defence_comparisons
    from core.models.spec import ModelSpec

    index = np.arange(100)
    vanilla = ModelSpec("cxr", "resnet50", False)
    results = {vanilla: _result(index < 20), vanilla.twin(): _result(index < 50),
               ModelSpec("cxr", "resnet50", False, defence="pgd-at"): _result(index < 70),
               ModelSpec("cxr", "inception_resnet_v2", True): _result(index < 10)}  # no defended twin: left out
    rows = defence_comparisons(results, 0.02)["resnet50"]
    assert list(defence_comparisons(results, 0.02)) == ["resnet50"] and len(rows) == 1  # no attentive PGD-AT yet
    assert rows[0]["epsilon"] == 0.02 and rows[0]["difference"] == pytest.approx(-0.2)
    results[ModelSpec("cxr", "resnet50", True, defence="pgd-at")] = _result(index < 72)
    rows = defence_comparisons(results, 0.0)["resnet50"]  # attention alone, attention on top, the interaction
    assert len(rows) == 3 and all(row["epsilon"] == 0.0 for row in rows)
    assert "interaction" in rows[2]["sentence"]
    assert defence_comparisons({vanilla: results[vanilla]}) == {}


def test_the_shared_training_epsilon_is_the_one_all_defended_models_were_trained_at():
    from core.evaluate import shared_training_epsilon

    assert shared_training_epsilon([0.02, 0.02, None]) == 0.02  # an unreadable card does not count
    assert shared_training_epsilon([0.02, 0.005]) is None and shared_training_epsilon([]) is None


def test_the_curve_is_one_family_and_holm_decides_significance():
    """Four ε of one twin pair: the ε whose raw McNemar p is 0.021 is significant alone, not after
    Holm's adjustment over the curve (4 x 0.021 > 0.05): its sentence says so and claims nothing."""
    from core.evaluate.twins import twin_test

    def pairs(a_only, b_only, n=200):
        both, rest = [True] * 100, [False] * (100 - a_only - b_only)
        return both + [True] * a_only + [False] * b_only + rest, both + [False] * a_only + [True] * b_only + rest

    grid = [(0.0, (0, 0)), (0.005, (2, 2)), (0.01, (9, 1)), (0.02, (3, 2)), (0.04, (1, 1))]
    attentive = {"data": "d", "n": 200, "epsilons": [e for e, _ in grid], "attack": "a",
                 "curve": [{"epsilon": e, "robust": flags_to_text(pairs(*f)[0])} for e, f in grid]}
    vanilla = {**attentive, "curve": [{"epsilon": e, "robust": flags_to_text(pairs(*f)[1])} for e, f in grid]}
    rows = twin_test(attentive, vanilla)
    hit = rows[2]
    assert hit["p_value"] == pytest.approx(0.0215, abs=1e-3) and hit["family_size"] == 4
    assert hit["p_holm"] == pytest.approx(4 * hit["p_value"])
    assert "after Holm's adjustment over the curve's 4 ε" in hit["sentence"]
    assert "significantly" not in hit["sentence"] and "the interval excludes 0" in hit["sentence"]
    assert rows[0]["family_size"] == 1 and rows[0]["p_holm"] == rows[0]["p_value"]
