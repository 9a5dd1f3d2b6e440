"""Accuracy three ways, as every number the tool shows is reported (docs/methods.md).

The demo's test samples are class-stratified (every class gets enough images for an
interval); the paper reports unweighted accuracy at the real class mix. So each accuracy is
given as
    per class   recall of each class with its Wilson interval
    balanced    the mean recall (each class weighs 1/K)
    real mix    re-weighted to the real dataset's class shares (Task.priors): the stratified
                estimator of the paper's unweighted accuracy
with MOVER intervals (core.stats.class_accuracy). On a sample drawn at the real mix, the
re-weighted accuracy equals the plain one up to rounding of the shares.
"""

from __future__ import annotations

import numpy as np

from core.stats import auc_ci, class_accuracy
from core.tasks import Task

WEIGHTINGS = {
    "real": "re-weighted to the real class mix",
    "balanced": "balanced (mean of the per-class recalls)",
}


def weights_for(task: Task, weighting: str) -> tuple[float, ...]:
    """The class shares of `weighting` ("real" or "balanced") on `task`."""
    if weighting == "real":
        return task.priors
    if weighting == "balanced":
        return tuple(1 / task.num_classes for _ in task.classes)
    raise ValueError(f"weighting must be one of {sorted(WEIGHTINGS)}, got {weighting!r}")


def accuracy_summary(correct, labels, task: Task) -> dict:
    """Accuracy at the real mix (with low, high), balanced, and per class, of 0/1 outcomes."""
    real = class_accuracy(correct, labels, weights_for(task, "real"))
    balanced = class_accuracy(correct, labels, weights_for(task, "balanced"))
    return {
        "accuracy": real["accuracy"], "accuracy_low": real["low"], "accuracy_high": real["high"],
        "balanced_accuracy": balanced["accuracy"], "balanced_low": balanced["low"], "balanced_high": balanced["high"],
        "sample_accuracy": float(np.mean(correct)) if len(correct) else float("nan"),
        "per_class": {name: {"recall": c["recall"], "low": c["low"], "high": c["high"], "n": c["n"]}
                      for name, c in zip(task.classes, real["per_class"])},
    }


def clean_metrics(probabilities, labels, task: Task, *, seed: int = 0) -> dict:
    """A model card's clean metrics from its test-set probabilities (N x classes)."""
    labels = np.asarray(labels, np.int64)
    summary = accuracy_summary(np.asarray(probabilities).argmax(axis=1) == labels, labels, task)
    metrics = {
        "clean_accuracy": summary["accuracy"], "clean_accuracy_low": summary["accuracy_low"],
        "clean_accuracy_high": summary["accuracy_high"], "weighting": WEIGHTINGS["real"],
        "balanced_accuracy": summary["balanced_accuracy"], "sample_accuracy": summary["sample_accuracy"],
        "per_class": summary["per_class"],
        "per_class_accuracy": {name: c["recall"] for name, c in summary["per_class"].items() if c["n"]},
        "test_images": int(len(labels)),
    }
    if task.is_binary:
        interval = auc_ci(np.asarray(probabilities)[:, 1], labels == 1, seed=seed)
        metrics.update(auc=interval["auc"], auc_low=interval["low"], auc_high=interval["high"])
    return metrics
