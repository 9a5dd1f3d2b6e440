"""Which class each synthetic image gets: the real dataset's class mix, or balanced.

The labels of a set come from a low-discrepancy sequence: image t goes to the class whose
count lags furthest behind its share of t + 1 images (ties broken at random). Every prefix of
the set is then within one image of the mix per class, so the first 200 images of a 400-image
test split are themselves a stratified sample, and `n` images hold each class's share of `n`
up to rounding.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from core.tasks import Task


def class_priors(task: Task, priors: str | Sequence[float]) -> np.ndarray:
    """The class shares `priors` names: "real" (the dataset's), "balanced", or explicit shares."""
    if isinstance(priors, str):
        if priors == "real":
            return np.asarray(task.priors, np.float64)
        if priors == "balanced":
            return np.full(task.num_classes, 1 / task.num_classes)
        raise ValueError(f"priors must be 'real', 'balanced' or {task.num_classes} class shares, got {priors!r}")
    shares = np.asarray(priors, np.float64).ravel()
    if shares.size != task.num_classes or (shares < 0).any() or not math.isclose(shares.sum(), 1, abs_tol=1e-6):
        raise ValueError(f"priors must be {task.num_classes} non-negative class shares summing to 1 "
                         f"({', '.join(task.classes)}), got {list(np.round(shares, 6))}")
    return shares


def class_sequence(n: int, shares: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """n int64 labels whose every prefix follows `shares` to within one image per class."""
    counts = np.zeros(len(shares))
    labels = np.empty(n, np.int64)
    for t in range(n):
        lag = shares * (t + 1) - counts
        best = np.flatnonzero(lag >= lag.max() - 1e-9)
        label = best[rng.integers(len(best))] if len(best) > 1 else best[0]
        labels[t] = label
        counts[label] += 1
    return labels
