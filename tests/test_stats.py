"""Intervals and tests against scipy and published values."""

import numpy as np
import pytest
from scipy import stats as scipy_stats

from core.stats import auc, auc_ci, mcnemar_exact, paired_difference, proportion_ci


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


@pytest.mark.parametrize("a_only,b_only", [(6, 16), (0, 5), (10, 10), (1, 0), (30, 12)])
def test_exact_mcnemar_is_scipy_binomial_test_on_the_discordant_pairs(a_only, b_only):
    expected = scipy_stats.binomtest(a_only, a_only + b_only, 0.5).pvalue
    assert mcnemar_exact(a_only, b_only) == pytest.approx(expected, rel=1e-12)
    assert mcnemar_exact(0, 0) == 1.0


def _pairs(both, a_only, b_only, neither):
    a = [1] * both + [1] * a_only + [0] * b_only + [0] * neither
    b = [1] * both + [0] * a_only + [1] * b_only + [0] * neither
    return np.array(a), np.array(b)


def test_paired_difference_matches_newcombes_published_example():
    """Fagerland, Lydersen & Laake, Statistical Analysis of Contingency Tables (2017), ch. 8:
    the table (59, 6 / 16, 80) gives -0.0621 (95 % CI -0.1186 to -0.0046)."""
    result = paired_difference(*_pairs(59, 6, 16, 80))
    assert result["difference"] == pytest.approx(-0.0621, abs=5e-5)
    assert (result["low"], result["high"]) == pytest.approx((-0.1186, -0.0046), abs=5e-5)
    assert (result["n"], result["a_only"], result["b_only"]) == (161, 6, 16)
    assert result["p_value"] == pytest.approx(scipy_stats.binomtest(6, 22).pvalue)


def test_paired_difference_edge_cases():
    same = paired_difference(*_pairs(10, 0, 0, 5))
    assert same["difference"] == 0 and same["p_value"] == 1.0 and same["low"] < 0 < same["high"]
    everything = paired_difference(*_pairs(0, 20, 0, 0))
    wilson_low = proportion_ci(20, 20)[0]
    assert everything["difference"] == 1.0 and everything["high"] == 1.0
    assert everything["low"] == pytest.approx(1 - np.sqrt(2) * (1 - wilson_low))  # phi = 0: square-and-add
    with pytest.raises(ValueError, match="same items"):
        paired_difference([1, 0], [1, 0, 1])


def test_paired_interval_covers_the_truth_about_95_percent_of_the_time():
    rng = np.random.default_rng(0)
    covered = 0
    for _ in range(400):
        a = rng.random(100) < 0.6
        b = np.where(rng.random(100) < 0.7, a, rng.random(100) < 0.5)  # correlated with a
        result = paired_difference(a, b)
        truth = 0.6 - (0.7 * 0.6 + 0.3 * 0.5)
        covered += result["low"] <= truth <= result["high"]
    assert 0.92 <= covered / 400 <= 0.99


def test_auc_is_the_mann_whitney_statistic():
    rng = np.random.default_rng(1)
    labels = rng.random(120) < 0.4
    scores = rng.normal(labels * 0.8, 1.0)
    scores[:10] = 0.5  # ties count one half
    u = scipy_stats.mannwhitneyu(scores[labels], scores[~labels]).statistic
    assert auc(scores, labels) == pytest.approx(u / (labels.sum() * (~labels).sum()))
    assert np.isnan(auc(scores, np.zeros(120)))


def test_auc_bootstrap_interval_is_seeded_and_contains_the_estimate():
    rng = np.random.default_rng(2)
    labels = rng.random(200) < 0.5
    scores = rng.normal(labels * 1.0, 1.0)
    first = auc_ci(scores, labels, seed=0)
    assert first == auc_ci(scores, labels, seed=0)
    assert first != auc_ci(scores, labels, seed=1)
    assert first["low"] < first["auc"] < first["high"]
    assert 0.05 < first["high"] - first["low"] < 0.25
    perfect = auc_ci(labels.astype(float), labels)
    assert perfect["auc"] == perfect["low"] == perfect["high"] == 1.0
