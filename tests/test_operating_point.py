"""The operating point (Youden's J, fixed on validation) and sensitivity / specificity at it,
clean and under attack, on constructed scores."""

import numpy as np
import pytest

from core.encoding import labels_to_text
from core.operating_point import (card_threshold, harm_sentence, sensitivity_specificity, under_attack, under_corruption,
                                  youden_threshold)

POSITIVE = [0.9, 0.8, 0.7, 0.6]
NEGATIVE = [0.1, 0.2, 0.3, 0.4, 0.5, 0.65]


def _scores_and_labels():
    return np.array(POSITIVE + NEGATIVE), np.array([1] * 4 + [0] * 6)


def test_youden_picks_the_threshold_that_maximises_sensitivity_plus_specificity():
    scores, labels = _scores_and_labels()
    point = youden_threshold(scores, labels)
    # by hand: at 0.55 every positive is found and 5 of 6 negatives cleared (J = 5/6); at 0.675
    # one positive is missed and every negative cleared (J = 3/4)
    assert point["threshold"] == pytest.approx(0.55)
    assert (point["sensitivity"], point["specificity"]) == (1.0, pytest.approx(5 / 6))
    assert point["youden_j"] == pytest.approx(5 / 6)


def test_sensitivity_and_specificity_carry_counts_and_intervals():
    scores, labels = _scores_and_labels()
    at = sensitivity_specificity(scores, labels, 0.675)
    assert at["sensitivity"] == 0.75 and at["specificity"] == 1.0
    assert (at["positives"], at["negatives"]) == (4, 6)
    assert at["sensitivity_low"] < 0.75 < at["sensitivity_high"] and at["specificity_high"] == pytest.approx(1.0)


def test_under_attack_reads_each_epsilons_scores_at_the_fixed_threshold():
    scores, labels = _scores_and_labels()
    attacked = np.where(labels == 1, scores - 0.3, scores)  # an attack that hides the finding
    result = {"labels": labels_to_text(labels), "curve": [{"epsilon": 0.0, "scores": list(scores)},
                                                          {"epsilon": 0.01, "scores": list(attacked)}]}
    rows = under_attack(result, 0.55)
    assert [r["epsilon"] for r in rows] == [0.0, 0.01]
    assert rows[0]["sensitivity"] == 1.0 and rows[1]["sensitivity"] == 0.25  # hidden: only 0.9 - 0.3 stays above
    assert rows[1]["specificity"] == rows[0]["specificity"]  # nothing invented
    with pytest.raises(ValueError, match="keeps no per-image scores"):
        under_attack({"curve": [{"epsilon": 0.0}]}, 0.5)


def test_an_operating_point_needs_both_classes():
    with pytest.raises(ValueError, match="both classes"):
        youden_threshold([0.2, 0.4], [1, 1])


def test_under_corruption_reads_each_severity_at_the_fixed_threshold():
    scores, labels = _scores_and_labels()
    brightened = np.minimum(scores + 0.2, 1.0)  # a corruption that invents the finding
    result = {"labels": labels_to_text(labels),
              "corruptions": {"brightness": [{"severity": 0, "scores": list(scores)},
                                             {"severity": 3, "scores": list(brightened)}]}}
    rows = under_corruption(result, 0.55)["brightness"]
    assert [r["severity"] for r in rows] == [0, 3]
    assert rows[1]["sensitivity"] == 1.0 and rows[1]["specificity"] == 0.5  # 0.1, 0.2, 0.3 stay below
    with pytest.raises(ValueError, match="evaluate it again"):
        under_corruption({"labels": "01", "corruptions": {"blur": [{"severity": 0}]}}, 0.5)


def test_the_card_gives_the_threshold_or_says_why_not():
    assert card_threshold({"metrics": {"operating_point": {"threshold": 0.31, "fixed_on": "validation split"}}}) == (
        0.31, "Youden's J on the validation split")
    threshold, why = card_threshold({"metrics": {"clean_accuracy": 0.9}})
    assert threshold == 0.5 and "fixes no operating point" in why


def test_the_sentence_counts_findings_hidden_and_invented_apart():
    scores, labels = _scores_and_labels()
    clean = sensitivity_specificity(scores, labels, 0.55)
    attacked = sensitivity_specificity(np.where(labels == 1, scores - 0.3, scores + 0.1), labels, 0.55)
    sentence = harm_sentence("ResNet-50", clean, attacked, "at ε = 0.01")
    assert sentence.startswith("ResNet-50, at ε = 0.01: sensitivity 1.00 → 0.25 (95 % CI 0.05–0.70)")
    assert "hidden in 3 of 4 positive images (0 clean)" in sentence  # 0.9 - 0.3 alone stays above 0.55
    assert "invented in 2 of 6 negative images (1 clean)" in sentence  # 0.5 + 0.1 and 0.65 + 0.1


def test_the_gap_between_the_operating_point_and_the_arg_max_boundary_is_counted_and_bounds_the_measure():
    """Fundus ResNet-50 at ε 0.04: every positive the point (0.412) still called positive scored
    in [0.412, 0.5): the attack aimed at 0.5 and stopped pressing them once they crossed it."""
    from core.operating_point import boundary_gap, gap_sentence

    scores = np.array([0.45, 0.42, 0.30, 0.60, 0.05, 0.55, 0.505, 0.2])
    labels = np.array([1, 1, 1, 1, 0, 0, 0, 0])
    gap = boundary_gap(scores, labels, 0.412)
    assert gap == {"measure": "sensitivity", "threshold": 0.412, "between": 2, "kept": 3, "total": 4}
    text = gap_sentence("ResNet-50", gap, "at ε = 0.04")
    assert text.startswith("ResNet-50, at ε = 0.04: 2 of the 3 positives still called positive score between its "
                           "operating point (0.412) and 0.5.")
    assert text.endswith("the sensitivity above is an upper bound; with them turned it would be 0.25.")
    above = boundary_gap(scores, labels, 0.51)  # a point above 0.5: negatives fooled only to [0.5, 0.51) stay cleared
    assert above == {"measure": "specificity", "threshold": 0.51, "between": 1, "kept": 3, "total": 4}
    assert gap_sentence("x", boundary_gap(scores, labels, 0.5), "here") is None  # no gap at the arg-max rule


def test_the_gap_is_read_at_one_epsilon_of_a_saved_curve():
    from core.operating_point import boundary_gap, boundary_gap_at

    scores, labels = _scores_and_labels()
    attacked = np.where(labels == 1, 0.45, scores)  # every positive pushed just under 0.5
    result = {"labels": labels_to_text(labels), "curve": [{"epsilon": 0.0, "scores": list(scores)},
                                                          {"epsilon": 0.01, "scores": list(attacked)}]}
    assert boundary_gap_at(result, 0.42, 0.01) == boundary_gap(attacked, labels, 0.42)
    assert boundary_gap_at(result, 0.42, 0.01)["between"] == 4 and boundary_gap_at(result, 0.42, 0.0)["between"] == 0
