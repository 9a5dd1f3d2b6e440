"""Paired comparisons on the same images: the difference of two paired proportions
(Newcombe's interval, the exact McNemar test), the same at a class mix (MOVER, the stratified
exact McNemar test), and the Wilcoxon signed-rank test of paired measures."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats as scipy_stats

from core.stats.proportions import class_shares, proportion_ci


def mcnemar_exact(a_only: int, b_only: int) -> float:
    """Exact two-sided McNemar p-value: scipy's binomial test of a_only successes in the
    a_only + b_only discordant pairs at p = 1/2 (1.0 when there is no discordant pair)."""
    discordant = a_only + b_only
    if discordant == 0:
        return 1.0
    return float(scipy_stats.binomtest(int(a_only), int(discordant), 0.5).pvalue)


def paired_difference(robust_a, robust_b, *, level: float = 0.95) -> dict:
    """mean(a) - mean(b) for two 0/1 outcomes on the same items (e.g. attentive vs vanilla
    robust on the same images), with Newcombe's hybrid score interval and the exact McNemar
    p-value. Returns difference, low, high, p_value, n, a_only, b_only (and both, neither)."""
    a = np.asarray(robust_a, bool).ravel()
    b = np.asarray(robust_b, bool).ravel()
    if a.shape != b.shape:
        raise ValueError(f"paired outcomes need the same items, got {a.size} and {b.size}")
    n = int(a.size)
    both, a_only, b_only = int((a & b).sum()), int((a & ~b).sum()), int((~a & b).sum())
    neither = n - both - a_only - b_only
    result = {"n": n, "both": both, "a_only": a_only, "b_only": b_only, "neither": neither,
              "p_value": mcnemar_exact(a_only, b_only)}
    if n == 0:
        return {**result, "difference": float("nan"), "low": float("nan"), "high": float("nan")}
    p1, p2 = (both + a_only) / n, (both + b_only) / n
    l1, u1 = proportion_ci(both + a_only, n, level)
    l2, u2 = proportion_ci(both + b_only, n, level)
    phi = _newcombe_phi(both, a_only, b_only, neither)
    difference = p1 - p2
    low = difference - math.sqrt(max(0.0, (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2))
    high = difference + math.sqrt(max(0.0, (p2 - l2) ** 2 - 2 * phi * (p2 - l2) * (u1 - p1) + (u1 - p1) ** 2))
    return {**result, "difference": difference, "low": max(-1.0, low), "high": min(1.0, high)}


def _newcombe_phi(both: int, a_only: int, b_only: int, neither: int) -> float:
    """The correlation term of Newcombe's method 10: (ad - bc), shrunk by n/2 towards 0
    when positive, over sqrt of the four margins; 0 when a margin is empty."""
    n = both + a_only + b_only + neither
    margins = (both + a_only) * (b_only + neither) * (both + b_only) * (a_only + neither)
    if margins == 0:
        return 0.0
    cross = both * neither - a_only * b_only
    corrected = cross - n / 2 if cross > n / 2 else (cross if cross < 0 else 0.0)
    return corrected / math.sqrt(margins)


EXACT_LIMIT = 4_000_000  # sign patterns in each half of the exact stratified McNemar test (a few seconds)
# Two values of the stratified McNemar statistic this close (a share of its largest value) are one:
# far above the rounding of the merged values (1e-12). Two different values closer than this would
# count as a tie, which errs on the safe side (p larger by that pattern's probability)
TIE = 1e-10


def weighted_paired_difference(robust_a, robust_b, labels, shares, *, level: float = 0.95,
                               exact_limit: int = EXACT_LIMIT) -> dict:
    """mean(a) - mean(b) at class shares `shares`, on paired outcomes of a stratified sample.

    Difference sum_c w_c d_c of the per-class paired differences; interval by MOVER over the
    per-class Newcombe intervals (as class_accuracy). p-value: the stratified McNemar test,
    T = sum_c (w_c / n_c)(a_only_c - b_only_c), each discordant pair's sign +-1 with
    probability 1/2 under no difference: exact (by meet in the middle, _stratified_mcnemar) while
    each half of the strata has at most `exact_limit` sign patterns (it equals the exact McNemar
    test when w_c is proportional to n_c), else its normal approximation, named in p_method. Returns difference, low, high, p_value, p_method, n, a_only,
    b_only and per_class (the per-class paired_difference).
    """
    a = np.asarray(robust_a, bool).ravel()
    b = np.asarray(robust_b, bool).ravel()
    labels = np.asarray(labels, np.int64).ravel()
    if not a.shape == b.shape == labels.shape:
        raise ValueError(f"paired outcomes need the same items and one label each, got {a.size}, {b.size} "
                         f"and {labels.size}")
    weights = class_shares(shares)
    per_class = [paired_difference(a[labels == c], b[labels == c], level=level) for c in range(len(weights))]
    difference, low_sq, high_sq, steps, flips = 0.0, 0.0, 0.0, [], []
    for w, test in zip(weights, per_class):
        if w == 0:
            continue
        d = test["difference"]
        difference += w * d
        low_sq += (w * (d - test["low"])) ** 2
        high_sq += (w * (test["high"] - d)) ** 2
        if test["n"]:
            steps.append(w / test["n"])
            flips.append((test["a_only"], test["b_only"]))
    p_value, method = _stratified_mcnemar(steps, flips, exact_limit)
    return {"difference": difference, "low": max(-1.0, difference - math.sqrt(low_sq)),
            "high": min(1.0, difference + math.sqrt(high_sq)), "p_value": p_value, "p_method": method,
            "n": int(a.size), "a_only": sum(t["a_only"] for t in per_class),
            "b_only": sum(t["b_only"] for t in per_class), "per_class": per_class}


def _stratified_mcnemar(steps, flips, exact_limit: int) -> tuple[float, str]:
    """Two-sided p of T = sum_c step_c (a_c - b_c) under random signs of the discordant pairs.

    Exact: the strata are split into two halves whose null distributions are each built by
    convolution (equal values merged), and P(|T_1 + T_2| >= |t|) is summed over the first half
    with the second half's sorted cumulative masses (meet in the middle): the work grows with
    the square root of the number of sign patterns, so 10^12 patterns cost two tables of about
    10^6. Past `exact_limit` patterns in either half: the normal approximation, and p_method says
    so ("normal approximation").

    T is measured in units of the largest value a sign pattern can give it, so that the values
    merged as equal (to 1e-12) and a pattern that ties the observed one (to TIE) are both relative:
    a tie must count as reached, and floating-point sums of the same value differ in their last
    digits (an absolute tolerance of the merging's own size missed ties: p four times too small)."""
    sizes = [a + b for a, b in flips]
    scale = sum(step * m for step, m in zip(steps, sizes))  # the largest |T| of any sign pattern
    if scale == 0:
        return 1.0, "exact"
    steps = [step / scale for step in steps]
    observed = sum(step * (a - b) for step, (a, b) in zip(steps, flips))
    strata = sorted(zip(steps, sizes), key=lambda stratum: -stratum[1])
    halves: list[list] = [[], []]
    patterns = [1, 1]
    for stratum in strata:  # the larger strata first, each to the half with fewer patterns so far
        side = 0 if patterns[0] <= patterns[1] else 1
        halves[side].append(stratum)
        patterns[side] *= stratum[1] + 1
    if max(patterns) > exact_limit:
        spread = math.sqrt(sum(step * step * m for step, m in zip(steps, sizes)))
        return float(2 * scipy_stats.norm.sf(abs(observed) / spread)), "normal approximation"
    (first, first_p), (second, second_p) = (_sign_distribution(half) for half in halves)
    order = np.argsort(second)
    second, cumulative = second[order], np.concatenate([[0.0], np.cumsum(second_p[order])])
    threshold = abs(observed) - TIE  # a pattern tying the observed one counts as reached
    if threshold <= 0:
        return 1.0, "exact"
    upper = cumulative[-1] - cumulative[np.searchsorted(second, threshold - first, side="left")]
    lower = cumulative[np.searchsorted(second, -threshold - first, side="right")]
    return float(min(1.0, (first_p * (upper + lower)).sum())), "exact"


def _sign_distribution(strata) -> tuple[np.ndarray, np.ndarray]:
    """Values and probabilities of sum_c step_c (2 K_c - m_c), K_c ~ Binomial(m_c, 1/2), by
    convolution over `strata` [(step, m)], equal values (to 1e-12) merged."""
    values, probabilities = np.zeros(1), np.ones(1)
    for step, m in strata:
        k = np.arange(m + 1)
        values = (values[:, None] + step * (2 * k - m)[None, :]).ravel()
        probabilities = (probabilities[:, None] * scipy_stats.binom.pmf(k, m, 0.5)[None, :]).ravel()
        values, inverse = np.unique(np.round(values, 12), return_inverse=True)
        probabilities = np.bincount(inverse.ravel(), weights=probabilities)
    return values, probabilities


def paired_wilcoxon(a, b) -> dict:
    """Wilcoxon signed-rank test (scipy.stats.wilcoxon) of two paired measures on the same items;
    pairs with equal values carry no sign and are left out (p = 1 when none differ). Returns
    p_value, pairs (that differ), a_larger, b_larger."""
    a, b = np.asarray(a, np.float64).ravel(), np.asarray(b, np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"paired measures need the same items, got {a.size} and {b.size}")
    differ = a != b
    p = float(scipy_stats.wilcoxon(a[differ], b[differ]).pvalue) if differ.any() else 1.0
    return {"p_value": p, "pairs": int(differ.sum()), "a_larger": int((a > b).sum()), "b_larger": int((b > a).sum())}


def possible_difference(interval: dict) -> dict:
    """A t-interval of a difference of two accuracies cut to what such a difference can be,
    [-1, 1], with "cut" saying whether it was: over 3 seeds the t quantile is 4.3, and the
    interval can run past +100 points (cxr ResNet-50's read -15.3 to +107.1)."""
    low, high = max(interval["low"], -1.0), min(interval["high"], 1.0)
    return {**interval, "low": low, "high": high, "cut": bool(low > interval["low"] or high < interval["high"])}
