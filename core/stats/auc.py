"""ROC AUC (Mann-Whitney) and its class-stratified percentile bootstrap interval."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats as scipy_stats

from core.stats.proportions import check_level


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
    check_level(level)
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

