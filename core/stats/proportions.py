"""Proportions: the Wilson interval of one, and accuracy at a class mix from a
class-stratified sample (each class's recall and interval, combined by MOVER)."""

from __future__ import annotations

import functools
import math

import numpy as np
from scipy import stats as scipy_stats


def check_level(level: float) -> None:
    """ValueError unless `level` is a confidence level in (0, 1)."""
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")


def proportion_ci(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval (Wilson 1927) for k successes in n trials: (low, high); (nan, nan)
    for n = 0. scipy's binomtest(k, n).proportion_ci(method="wilson")."""
    if n < 0 or not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    check_level(level)
    if n == 0:
        return float("nan"), float("nan")
    return _wilson(int(k), int(n), float(level))


@functools.lru_cache(maxsize=4096)
def _wilson(k: int, n: int, level: float) -> tuple[float, float]:
    """scipy's Wilson interval, kept: a page draws the same few (k, n) many times over (every
    curve point, class and twin test), and scipy's binomtest costs 0.4 ms or more each."""
    interval = scipy_stats.binomtest(k, n).proportion_ci(confidence_level=level, method="wilson")
    return max(0.0, float(interval.low)), min(1.0, float(interval.high))


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
    weights = class_shares(shares)
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


def class_shares(shares) -> np.ndarray:
    """`shares` as an array; ValueError unless they are non-negative and sum to 1."""
    weights = np.asarray(shares, np.float64).ravel()
    if weights.size == 0 or (weights < 0).any() or not math.isclose(weights.sum(), 1, abs_tol=1e-6):
        raise ValueError(f"class shares must be non-negative and sum to 1, got {list(weights)}")
    return weights

