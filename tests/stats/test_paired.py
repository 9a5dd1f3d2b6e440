"""Paired tests against scipy, published values and enumeration: Newcombe's interval, the exact
McNemar test, and both at a class mix."""

from itertools import product

import numpy as np
import pytest
from scipy import stats as scipy_stats

from core.stats import mcnemar_exact, paired_difference, proportion_ci, weighted_paired_difference
from core.stats.paired import _stratified_mcnemar


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


def test_weighted_paired_difference_is_mcnemar_at_the_samples_own_mix():
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1], [120, 80])
    a, b = rng.random(200) < 0.7, rng.random(200) < 0.6
    own = weighted_paired_difference(a, b, labels, [0.6, 0.4])
    plain = paired_difference(a, b)
    assert own["difference"] == pytest.approx(plain["difference"])
    assert own["p_value"] == pytest.approx(plain["p_value"], rel=1e-9) and own["p_method"] == "exact"
    skewed = weighted_paired_difference(a, b, labels, [0.95, 0.05])
    per_class = [paired_difference(a[labels == c], b[labels == c])["difference"] for c in (0, 1)]
    assert skewed["difference"] == pytest.approx(0.95 * per_class[0] + 0.05 * per_class[1])
    assert skewed["low"] < skewed["difference"] < skewed["high"]
    normal = weighted_paired_difference(a, b, labels, [0.95, 0.05], exact_limit=1)
    assert normal["p_method"] == "normal approximation"
    assert normal["p_value"] == pytest.approx(skewed["p_value"], abs=0.05)


def _enumerated(steps, flips) -> float:
    """The stratified McNemar p by enumerating every sign pattern (the reference)."""
    observed = sum(step * (a - b) for step, (a, b) in zip(steps, flips))
    total = 0.0
    for ks in product(*(range(a + b + 1) for a, b in flips)):
        value = sum(step * (2 * k - (a + b)) for step, k, (a, b) in zip(steps, ks, flips))
        if abs(value) >= abs(observed) - 1e-12:
            total += np.prod([scipy_stats.binom.pmf(k, a + b, 0.5) for k, (a, b) in zip(ks, flips)])
    return min(1.0, total)


@pytest.mark.parametrize("flips", [[(3, 1), (0, 4), (2, 2), (5, 0)], [(6, 2), (1, 3), (4, 0)], [(0, 0), (2, 1)]])
def test_the_stratified_mcnemar_test_is_exact(flips):
    steps = [0.3 / 40, 0.2 / 25, 0.45 / 60, 0.05 / 7][:len(flips)]
    p, method = _stratified_mcnemar(steps, flips, 10**6)
    assert method == "exact" and p == pytest.approx(_enumerated(steps, flips), rel=1e-9)


def test_patterns_that_tie_the_observed_one_count_whatever_the_weights():
    """Real class weights (w_c / n_c, not round numbers): a sign pattern whose statistic equals
    the observed one in exact arithmetic differs from it in the last digits of a float sum, and
    must still count. The derm twin test at epsilon 0 (14 discordant pairs for attention, 1 against,
    among the 3 of dermatofibroma) is 2^-12 exactly: 8 of 2^15 patterns reach it."""
    shares = [0.032651023464802795, 0.05132301547678482, 0.10973539690464304, 0.011482775836245632,
              0.11113330004992511, 0.6694957563654518, 0.014178731902146779]  # HAM10000's mix
    steps = [w / n for w, n in zip(shares, [29, 28, 28, 29, 29, 28, 29])]
    flips = [(5, 0), (5, 0), (1, 0), (2, 1), (0, 0), (1, 0), (0, 0)]
    assert _stratified_mcnemar(steps, flips, 10**6) == (pytest.approx(2**-12, rel=1e-9), "exact")
    rng = np.random.default_rng(7)
    for _ in range(100):
        strata = int(rng.integers(2, 6))
        steps = list(rng.dirichlet(np.ones(strata)) / rng.integers(5, 60, strata))
        flips = [tuple(int(x) for x in rng.integers(0, 3, 2)) for _ in range(strata)]
        assert _stratified_mcnemar(steps, flips, 10**6)[0] == pytest.approx(_enumerated(steps, flips), rel=1e-9), \
            (steps, flips)


def test_the_stratified_mcnemar_test_stays_exact_past_millions_of_patterns():
    """Derm-sized: 7 strata, 2.6 million sign patterns (past the old limit of 200,000, where a
    normal approximation used to stand in): exact, and within a Monte Carlo estimate's error."""
    flips = [(14, 4), (3, 9), (6, 2), (1, 4), (9, 7), (2, 0), (5, 1)]
    steps = [w / n for w, n in zip([0.03, 0.05, 0.11, 0.01, 0.11, 0.67, 0.02], [30, 30, 30, 30, 30, 30, 20])]
    assert np.prod([a + b + 1 for a, b in flips]) > 2_000_000
    p, method = _stratified_mcnemar(steps, flips, 10**6)
    rng = np.random.default_rng(0)
    observed = sum(s * (a - b) for s, (a, b) in zip(steps, flips))
    draws = sum(s * (2 * rng.binomial(a + b, 0.5, 200_000) - (a + b)) for s, (a, b) in zip(steps, flips))
    simulated = float((np.abs(draws) >= abs(observed) - 1e-12).mean())
    assert method == "exact" and p == pytest.approx(simulated, abs=0.004)


def test_an_interval_of_a_difference_of_accuracies_is_cut_to_what_it_can_be():
    from core.stats import possible_difference

    assert possible_difference({"mean": 0.46, "low": -0.153, "high": 1.071}) == {
        "mean": 0.46, "low": -0.153, "high": 1.0, "cut": True}
    assert possible_difference({"low": -0.2, "high": 0.3})["cut"] is False
    nan = possible_difference({"low": float("nan"), "high": float("nan")})  # one seed: no interval, nothing cut
    assert nan["cut"] is False

