"""The 2 x 2 interaction of attention and a defence on the same images, with a
class-stratified bootstrap interval."""

from __future__ import annotations

import numpy as np

from core.stats.proportions import class_shares


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
    weights = class_shares(shares) if shares is not None else np.bincount(labels) / n
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

