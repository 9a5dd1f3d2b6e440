"""ROC AUC as the Mann-Whitney statistic, and its seeded bootstrap interval."""

import numpy as np
import pytest
from scipy import stats as scipy_stats

from core.stats import auc, auc_ci


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
