"""The Wilson interval against scipy, and accuracy at a class mix (stratified estimator, MOVER)."""

import numpy as np
import pytest
from scipy import stats as scipy_stats

from core.stats import class_accuracy, proportion_ci


@pytest.mark.parametrize("k,n", [(0, 10), (7, 20), (20, 20), (130, 200), (1, 64)])
def test_wilson_interval_matches_scipy(k, n):
    expected = scipy_stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert proportion_ci(k, n) == pytest.approx((expected.low, expected.high), abs=1e-12)
    expected90 = scipy_stats.binomtest(k, n).proportion_ci(confidence_level=0.9, method="wilson")
    assert proportion_ci(k, n, level=0.9) == pytest.approx((expected90.low, expected90.high), abs=1e-12)


def test_wilson_refuses_impossible_counts():
    with pytest.raises(ValueError, match="0 <= k <= n"):
        proportion_ci(5, 3)
    assert np.isnan(proportion_ci(0, 0)).all()


def _wilson(k, n):
    ci = scipy_stats.binomtest(k, n).proportion_ci(method="wilson")
    return ci.low, ci.high


def test_accuracy_at_the_real_mix_is_the_stratified_estimator_with_a_mover_interval():
    """90/100 negatives and 20/40 positives right, at a 0.8 / 0.2 mix: 0.8 x 0.9 + 0.2 x 0.5 = 0.82;
    interval 0.82 -/+ sqrt(sum (w (r - l))^2) over the per-class Wilson intervals."""
    labels = np.array([0] * 100 + [1] * 40)
    correct = np.array([1] * 90 + [0] * 10 + [1] * 20 + [0] * 20, bool)
    result = class_accuracy(correct, labels, [0.8, 0.2])
    (l0, u0), (l1, u1) = _wilson(90, 100), _wilson(20, 40)
    assert result["accuracy"] == pytest.approx(0.82)
    assert result["low"] == pytest.approx(0.82 - np.hypot(0.8 * (0.9 - l0), 0.2 * (0.5 - l1)))
    assert result["high"] == pytest.approx(0.82 + np.hypot(0.8 * (u0 - 0.9), 0.2 * (u1 - 0.5)))
    assert [c["recall"] for c in result["per_class"]] == [0.9, 0.5]
    assert class_accuracy(correct, labels, [0.5, 0.5])["accuracy"] == pytest.approx(0.7)  # balanced
    single = class_accuracy(correct[:100], labels[:100], [1.0, 0.0])  # one class: Wilson itself
    assert (single["low"], single["high"]) == pytest.approx((l0, u0))
    with pytest.raises(ValueError, match="sum to 1"):
        class_accuracy(correct, labels, [0.8, 0.3])
