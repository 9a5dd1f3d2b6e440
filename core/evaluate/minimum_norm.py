"""Whole robustness curves from one minimum-norm run (Pintor et al. 2021; secml's security
evaluation curves): each image's smallest adversarial radius eps* (core.attacks.fmn), so the
robust accuracy at ANY epsilon is the share of images with eps* > eps, re-weighted to the
task's real class mix with its interval (core.metrics) like every accuracy here.

    evaluate_minimum_norm(spec, images, labels, data=...)   eps* per image, the dense curve,
                                                            the median with its interval, saved
    star_curve(stars, labels, task, epsilons)              accuracy at each epsilon from eps*
    median_interval(stars)                                 bootstrap 95 % interval of the median
    star_twin_test(attentive, vanilla)                     paired Wilcoxon signed-rank on eps*
    combined_curve(grid_result, stars, task)               per image the worse of both: robust at
                                                           a grid epsilon only if it survived the
                                                           grid protocol AND eps < eps*

An image FMN could not break is given eps* = 1 in the statistics (no L-inf radius in the
[0, 1] box is larger); its count is reported.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

import numpy as np

from core.encoding import labels_to_text, text_to_flags, text_to_labels
from core.formatting import in_255
from core.metrics import WEIGHTINGS, accuracy_summary
from core.models.spec import ModelSpec
from core.tasks import Task

FMN_STEPS = 100  # foolbox's default; Pintor et al. report convergence well within 1,000
DENSE_POINTS = 64  # epsilons of the dense curve, geometric between a quarter of the grid's first and its last
LARGEST = 1.0  # the largest L-inf radius in the [0, 1] box: eps* of an image no attack broke


def capped(stars) -> np.ndarray:
    """eps* with inf (not broken) as LARGEST, float64."""
    return np.minimum(np.asarray(stars, np.float64), LARGEST)


def dense_epsilons(grid) -> list[float]:
    """0, the task's grid and DENSE_POINTS geometric steps spanning it, sorted."""
    positive = [float(e) for e in grid if e > 0]
    dense = np.geomspace(min(positive) / 4, max(positive), DENSE_POINTS)
    return sorted({0.0, *positive, *(float(e) for e in dense)})


def star_curve(stars, labels, task: Task, epsilons) -> list[dict]:
    """Robust accuracy at each epsilon from eps* (robust: eps* > eps, so an image misclassified
    as it is, eps* = 0, is never robust): re-weighted to the real mix, with its interval."""
    stars, labels = capped(stars), np.asarray(labels, np.int64)
    rows = []
    for epsilon in epsilons:
        summary = accuracy_summary(stars > epsilon, labels, task)
        rows.append({"epsilon": float(epsilon), "epsilon_255": in_255(epsilon), "accuracy": summary["accuracy"],
                     "accuracy_low": summary["accuracy_low"], "accuracy_high": summary["accuracy_high"],
                     "balanced_accuracy": summary["balanced_accuracy"], "weighting": "real"})
    return rows


def median_interval(stars, *, level: float = 0.95, resamples: int = 2000, seed: int = 0) -> dict:
    """The median eps* with a percentile-bootstrap interval (scipy.stats.bootstrap)."""
    from scipy import stats

    values = capped(stars)
    if len(values) < 2:
        return {"median": float(np.median(values)) if len(values) else float("nan"), "low": float("nan"),
                "high": float("nan")}
    result = stats.bootstrap((values,), np.median, confidence_level=level, n_resamples=resamples,
                             method="percentile", random_state=np.random.default_rng(seed))
    return {"median": float(np.median(values)), "low": float(result.confidence_interval.low),
            "high": float(result.confidence_interval.high)}


def star_twin_test(attentive, vanilla) -> dict:
    """Paired Wilcoxon signed-rank test of eps* on the same images (core.stats.paired_wilcoxon;
    pairs with equal eps*, e.g. both misclassified as they are, carry no sign and are left out)."""
    from core.stats import paired_wilcoxon

    a, v = capped(attentive), capped(vanilla)
    if a.shape != v.shape:
        raise ValueError(f"the twins' eps* must be on the same images, got {a.shape} and {v.shape}")
    test = paired_wilcoxon(a, v)
    return {"p_value": test["p_value"], "pairs": test["pairs"], "attentive_larger": test["a_larger"],
            "vanilla_larger": test["b_larger"], "median_difference": float(np.median(a - v))}


def star_sentence(test: dict, attentive: dict, vanilla: dict) -> str:
    """The twin test of eps* in one sentence."""
    which = "attentive" if attentive["median"] > vanilla["median"] else "vanilla"
    significant = "significant" if test["p_value"] < 0.05 else "not significant"

    def median(found: dict) -> str:
        return (f"{in_255(found['median']):.2f}/255 (95 % CI {in_255(found['low']):.2f}–"
                f"{in_255(found['high']):.2f})")

    return (f"Median smallest adversarial ε: attentive {median(attentive)}, vanilla {median(vanilla)}; the {which} "
            f"model needs the larger perturbation on {max(test['attentive_larger'], test['vanilla_larger'])} of "
            f"{test['pairs']} images where they differ (Wilcoxon signed-rank p = {test['p_value']:.3g}, "
            f"{significant}).")


def combined_curve(grid_result: dict, stars, labels, task: Task) -> list[dict]:
    """At each grid epsilon of a saved curve (core.evaluate.evaluate_model's result on the same
    images in the same order as `stars`), an image is robust only if the grid protocol did not
    fool it AND eps < eps*: the curve the product stands behind."""
    stars, labels = capped(stars), np.asarray(labels, np.int64)
    same = len(labels) == len(stars) == grid_result.get("n", len(stars))
    if not same or ("labels" in grid_result and not np.array_equal(text_to_labels(grid_result["labels"]), labels)):
        raise ValueError(f"the grid result ({grid_result.get('n')} images) and eps* ({len(stars)}) are not the "
                         "same images")
    rows = []
    for row in grid_result["curve"]:
        robust = text_to_flags(row["robust"]) & (stars > row["epsilon"])
        summary = accuracy_summary(robust, labels, task)
        rows.append({"epsilon": row["epsilon"], "epsilon_255": in_255(row["epsilon"]), "accuracy": summary["accuracy"],
                     "accuracy_low": summary["accuracy_low"], "accuracy_high": summary["accuracy_high"],
                     "grid_accuracy": row["accuracy"], "weighting": "real"})
    return rows


def minimum_norm_key(data: str, n: int, steps: int) -> str:
    """The key of a minimum-norm run (core.store.run_key, prefix "fmn")."""
    from core.store import run_key

    return run_key("fmn", {"data": data, "n": n, "attack": "fmn-linf", "steps": steps})


def evaluate_minimum_norm(spec: ModelSpec, images, labels, *, data: str, steps: int = FMN_STEPS, root=None,
                          results_root=None, progress=None, cancel=None) -> dict:
    """eps* of every image under L-inf FMN, then minimum_norm_result, saved (save_minimum_norm).
    progress(done, total) counts images; cancel() returning True stops before the next batch
    (core.jobs.Cancelled)."""
    from core.attacks import fmn
    from core.attacks.base import BATCH_SIZE
    from core.jobs import Cancelled
    from core.models.zoo import load_model

    started = time.monotonic()
    model = load_model(spec, root=root)
    labels = np.asarray(labels, np.int64)
    stars = []
    for start in range(0, len(labels), BATCH_SIZE):
        if cancel is not None and cancel():
            raise Cancelled()
        stars.append(fmn(model, np.asarray(images[start:start + BATCH_SIZE]), labels[start:start + BATCH_SIZE],
                         steps=steps)[1])
        if progress is not None:
            progress(min(start + BATCH_SIZE, len(labels)), len(labels))
    stars = np.concatenate(stars) if stars else np.zeros(0)
    result = minimum_norm_result(spec, stars, labels, data=data, steps=steps)
    result["seconds"] = round(time.monotonic() - started, 1)
    result["path"] = str(save_minimum_norm(spec, result, root=root, results_root=results_root))
    return result


def minimum_norm_result(spec: ModelSpec, stars, labels, *, data: str, steps: int) -> dict:
    """What is saved of a minimum-norm run: eps* per image (None where not broken), the dense
    curve, the median with its interval (the twins' paired test is added when it is saved)."""
    stars, labels = np.asarray(stars, np.float64), np.asarray(labels, np.int64)
    task = spec.task_info
    result = {"model_id": spec.model_id, "spec": spec.to_dict(), "data": data, "n": int(len(labels)),
              "labels": labels_to_text(labels), "weighting": WEIGHTINGS["real"], "attack": "fmn-linf",
              "steps": int(steps), "epsilon_star": [None if not np.isfinite(s) else float(s) for s in stars],
              "not_broken": int((~np.isfinite(stars)).sum()), "median": median_interval(stars),
              "curve": star_curve(stars, labels, task, dense_epsilons(task.epsilons)),
              "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    return result


def star_comparison(attentive: dict, vanilla: dict) -> dict:
    """The twin test of two saved minimum-norm runs of the same images, with its sentence."""
    test = star_twin_test(stars_of(attentive), stars_of(vanilla))
    return {**test, "sentence": star_sentence(test, attentive["median"], vanilla["median"])}


def save_minimum_norm(spec: ModelSpec, result: dict, *, root=None, results_root=None):
    """Write `result` atomically, with the twins' paired test (core.store.save); returns its path."""
    from core.store import save

    key = minimum_norm_key(result["data"], result["n"], result["steps"])
    return save(spec, key, result, compare=star_comparison, root=root, results_root=results_root)


def stars_of(result: dict) -> np.ndarray:
    """The per-image eps* of a saved minimum-norm result (inf where not broken)."""
    return np.array([np.inf if s is None else s for s in result["epsilon_star"]], np.float64)


def load_minimum_norm(spec: ModelSpec, key: str, *, root=None, results_root=None) -> dict | None:
    """The saved minimum-norm result of `spec` with `key` (under `results_root`, then beside
    the checkpoint), or None."""
    from core.store import load as load_keyed

    return load_keyed(spec, key, root=root, results_root=results_root)
