"""A family of tests: the level every test is read at, and Holm's adjustment."""

from __future__ import annotations

import numpy as np


SIGNIFICANCE = 0.05  # the level every test of the tool is read at (after Holm's adjustment within a family)


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

