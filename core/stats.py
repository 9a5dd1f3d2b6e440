"""Statistics for every number the tool shows: an interval for each estimate, a test for
each difference.

    proportion_ci(k, n)                 Wilson score interval (Wilson 1927)
    paired_difference(robust_a, robust_b)
                                        difference of two paired proportions on the same
                                        images: Newcombe's hybrid score interval (1998,
                                        method 10) and the exact McNemar test
    auc(scores, labels), auc_ci(...)    ROC AUC (Mann-Whitney) with a seeded, class-
                                        stratified percentile bootstrap interval
    class_accuracy(correct, labels, shares)
                                        accuracy of a class-stratified sample re-weighted to
                                        class shares (the real prior, or 1/K: balanced), with
                                        each class's recall and Wilson interval; MOVER interval
    weighted_paired_difference(a, b, labels, shares)
                                        the paired difference at those shares: MOVER over the
                                        per-class Newcombe intervals, stratified exact McNemar
    interaction(vanilla, attentive, defended, defended_attentive, ...)
                                        the 2 x 2 interaction of two factors (attention x a
                                        defence) on the same images, with a class-stratified
                                        bootstrap interval
    holm(p_values)                      Holm's adjustment of a family of tests
    paired_wilcoxon(a, b)               Wilcoxon signed-rank test of paired measures
"""

from __future__ import annotations

import functools
import math

import numpy as np
from scipy import stats as scipy_stats

SIGNIFICANCE = 0.05  # the level every test of the tool is read at (after Holm's adjustment within a family)


def _check_level(level: float) -> None:
    """ValueError unless `level` is a confidence level in (0, 1)."""
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")


def proportion_ci(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval (Wilson 1927) for k successes in n trials: (low, high); (nan, nan)
    for n = 0. scipy's binomtest(k, n).proportion_ci(method="wilson")."""
    if n < 0 or not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    _check_level(level)
    if n == 0:
        return float("nan"), float("nan")
    return _wilson(int(k), int(n), float(level))


@functools.lru_cache(maxsize=4096)
def _wilson(k: int, n: int, level: float) -> tuple[float, float]:
    """scipy's Wilson interval, kept: a page draws the same few (k, n) many times over (every
    curve point, class and twin test), and scipy's binomtest costs 0.4 ms or more each."""
    interval = scipy_stats.binomtest(k, n).proportion_ci(confidence_level=level, method="wilson")
    return max(0.0, float(interval.low)), min(1.0, float(interval.high))


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


def auc(scores, labels) -> float:
    """ROC AUC of `scores` for the positive class (labels 1), by Mann-Whitney: the chance a
    random positive outscores a random negative, ties counting one half."""
    scores = np.asarray(scores, np.float64).ravel()
    labels = np.asarray(labels).ravel().astype(bool)
    positives, negatives = int(labels.sum()), int((~labels).sum())
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = scipy_stats.rankdata(scores)
    return float((ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def auc_ci(scores, labels, *, level: float = 0.95, n_boot: int = 1000, seed: int = 0) -> dict:
    """AUC with a percentile bootstrap interval; positives and negatives are resampled
    separately (their counts fixed), so every replicate has an AUC. Same seed, same interval.
    Returns auc, low, high, n_boot."""
    scores = np.asarray(scores, np.float64).ravel()
    labels = np.asarray(labels).ravel().astype(bool)
    point = auc(scores, labels)
    if math.isnan(point):
        return {"auc": point, "low": float("nan"), "high": float("nan"), "n_boot": 0}
    _check_level(level)
    # scipy resamples each sample on its own: positives and negatives keep their counts
    result = scipy_stats.bootstrap((scores[labels], scores[~labels]), _auc_two_samples, n_resamples=n_boot,
                                   confidence_level=level, method="percentile", vectorized=False,
                                   rng=np.random.default_rng(seed))
    interval = result.confidence_interval
    return {"auc": point, "low": float(interval.low), "high": float(interval.high), "n_boot": int(n_boot)}


def _auc_two_samples(positive: np.ndarray, negative: np.ndarray) -> float:
    ranks = scipy_stats.rankdata(np.concatenate([positive, negative]))
    count = len(positive)
    return float((ranks[:count].sum() - count * (count + 1) / 2) / (count * len(negative)))


def class_accuracy(correct, labels, shares, *, level: float = 0.95) -> dict:
    """Accuracy at class shares `shares` (one per class, summing to 1) from a class-stratified
    sample: the stratified estimator sum_c shares_c * recall_c.

    Its interval combines the per-class Wilson intervals by MOVER (Zou & Donner 2008, the
    method behind Newcombe's interval for a difference): low = est - sqrt(sum w^2 (r - l)^2),
    high = est + sqrt(sum w^2 (u - r)^2). Returns accuracy, low, high and per_class (k, n,
    recall, low, high per class); nan where a class with a share has no image.
    """
    correct = np.asarray(correct, bool).ravel()
    labels = np.asarray(labels, np.int64).ravel()
    weights = _shares(shares)
    if correct.shape != labels.shape:
        raise ValueError(f"need one label per outcome, got {correct.size} outcomes and {labels.size} labels")
    per_class, low_sq, high_sq, estimate = [], 0.0, 0.0, 0.0
    for c, w in enumerate(weights):
        chosen = correct[labels == c]
        k, n = int(chosen.sum()), int(chosen.size)
        recall = k / n if n else float("nan")
        lo, hi = proportion_ci(k, n, level)
        per_class.append({"k": k, "n": n, "recall": recall, "low": lo, "high": hi})
        if w > 0:
            estimate += w * recall
            low_sq += (w * (recall - lo)) ** 2
            high_sq += (w * (hi - recall)) ** 2
    if math.isnan(estimate):
        return {"accuracy": estimate, "low": estimate, "high": estimate, "per_class": per_class}
    return {"accuracy": estimate, "low": max(0.0, estimate - math.sqrt(low_sq)),
            "high": min(1.0, estimate + math.sqrt(high_sq)), "per_class": per_class}


EXACT_LIMIT = 4_000_000  # sign patterns in each half of the exact stratified McNemar test (a few seconds)


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
    weights = _shares(shares)
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
    so ("normal approximation")."""
    observed = sum(step * (a - b) for step, (a, b) in zip(steps, flips))
    sizes = [a + b for a, b in flips]
    if sum(sizes) == 0:
        return 1.0, "exact"
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
    threshold = abs(observed) * (1 - 1e-12) - 1e-12  # ties of floating-point sums count as reached
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


def holm(p_values) -> list[float]:
    """Holm's step-down adjustment (Holm 1979) of a family of p-values, in their order: the
    k-th smallest is multiplied by (m - k + 1), then made monotone and capped at 1. A difference
    is called significant only when its adjusted p is below SIGNIFICANCE. (statsmodels'
    multipletests(method="holm") computes the same; it is not a dependency here.)"""
    p = np.asarray(p_values, np.float64).ravel()
    if p.size == 0:
        return []
    if np.isnan(p).any() or (p < 0).any() or (p > 1).any():
        raise ValueError(f"p-values must be in [0, 1], got {list(p)}")
    order = np.argsort(p, kind="stable")
    adjusted = np.minimum(1.0, np.maximum.accumulate(p[order] * (p.size - np.arange(p.size))))
    result = np.empty_like(adjusted)
    result[order] = adjusted
    return [float(x) for x in result]


def _shares(shares) -> np.ndarray:
    weights = np.asarray(shares, np.float64).ravel()
    if weights.size == 0 or (weights < 0).any() or not math.isclose(weights.sum(), 1, abs_tol=1e-6):
        raise ValueError(f"class shares must be non-negative and sum to 1, got {list(weights)}")
    return weights


def interaction(vanilla, attentive, defended, defended_attentive, labels=None, shares=None, *,
                level: float = 0.95, n_boot: int = 2000, seed: int = 0) -> dict:
    """Does attention add the same under a defence as without it? On paired 0/1 outcomes of the
    same images: (defended_attentive - defended) - (attentive - vanilla), the difference of the
    two attention effects (a 2 x 2 factorial contrast), averaged per image, re-weighted to
    class `shares` when `labels` are given (else the sample's own mix). Interval: percentile
    bootstrap over images, resampled within each class (seeded). Returns difference, low,
    high, n, attention_effect (without the defence) and defended_effect (under it)."""
    outcomes = [np.asarray(x, bool).ravel().astype(np.float64) for x in
                (vanilla, attentive, defended, defended_attentive)]
    n = outcomes[0].size
    if any(o.size != n for o in outcomes):
        raise ValueError(f"the four outcomes need the same images, got {[o.size for o in outcomes]}")
    labels = np.zeros(n, np.int64) if labels is None else np.asarray(labels, np.int64).ravel()
    if labels.size != n:
        raise ValueError(f"one label per image: {labels.size} labels for {n} images")
    weights = _shares(shares) if shares is not None else np.bincount(labels) / n
    groups = [np.flatnonzero(labels == c) for c in range(len(weights))]
    effect = outcomes[1] - outcomes[0]
    defended_effect = outcomes[3] - outcomes[2]
    contrast = defended_effect - effect

    def weighted_mean(values):
        return float(sum(w * values[idx].mean() for w, idx in zip(weights, groups) if w > 0 and idx.size))

    rng = np.random.default_rng(seed)
    draws = np.zeros(n_boot)
    for w, idx in zip(weights, groups):
        if w > 0 and idx.size:
            draws += w * _resampled_means(contrast[idx], n_boot, rng)
    tail = (1 - level) / 2
    return {"difference": weighted_mean(contrast), "low": float(np.quantile(draws, tail)),
            "high": float(np.quantile(draws, 1 - tail)), "n": int(n),
            "attention_effect": weighted_mean(effect), "defended_effect": weighted_mean(defended_effect)}


def _resampled_means(values: np.ndarray, n_boot: int, rng) -> np.ndarray:
    """The means of `n_boot` resamples of `values` with replacement (the bootstrap), drawn as
    how often each distinct value is picked: Multinomial(n, its share) per resample. Exactly
    the plain bootstrap's distribution, at a cost set by the few distinct values (a contrast of
    0/1 outcomes takes five) rather than n_boot x n draws in a Python loop."""
    distinct, counts = np.unique(values, return_counts=True)
    picked = rng.multinomial(values.size, counts / values.size, size=n_boot)
    return picked @ distinct / values.size
