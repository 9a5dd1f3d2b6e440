"""Evaluate one checkpoint: its curve, the checks, the twin test; saved as JSON and CSV."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from functools import partial

import numpy as np

from core.evaluate.checks import CHECKS_VERSION, robustness_checks, verdict
from core.evaluate.curve import curve_rows, sweep_shards
from core.encoding import labels_to_text
from core.metrics import WEIGHTINGS
from core.evaluate.presets import PRESETS, Preset
from core.evaluate.results import results_key, save_results, shards_folder
from core.evaluate.twins import twin_test
from core.models.spec import ModelSpec
from core.models.zoo import CheckpointError, load_model

CHECK_IMAGES = 64  # the checks re-run attacks several times: on the first 64 images
# When doubling every attack's iterations still finds more adversarial images (the doubling check
# warns: not converged), the curve is run again with twice the iterations, up to this factor, so a
# reported number is a converged one (an adaptive evaluation: Tramer et al. 2020); the result says so.
MAX_ESCALATION = 4
ESCALATED_PRESETS = ("strong", "strong-l2")  # the protocols whose numbers the product stands behind
DOUBLING_CHECK = "Doubling the iterations"  # the start of the doubling check's name (core.evaluate.checks)


def evaluate_model(spec: ModelSpec, images, labels, *, data: str, epsilons=None,
                   attack: Preset = PRESETS["strong"], with_checks: bool = True, root=None,
                   results_root=None, progress=None, cancel=None, pool=None, escalate: bool | None = None,
                   start_factor: int = 1) -> dict:
    """The robustness curve (and checks) of `spec`'s checkpoint under `attack`, saved under
    `results_root` (default: beside the checkpoint). For an attentive model whose vanilla
    twin has a result with the same settings, the paired twin test is attached.

    escalate (default: for the strong protocol only; the paper's protocol is reproduced as it
    is, its non-convergence being a finding): where the doubling check says the attack has not
    converged, run the curve again
    with twice the iterations (up to MAX_ESCALATION x), from `start_factor` x (2 to escalate a
    saved result whose doubling check warned: escalation_start). The result is saved under the
    requested protocol's key, with "escalation" saying how many times its iterations ran and why.

    images: an array, or anything sliced like one (core.evaluate.data.LazyImages). pool: a
    core.evaluate.distributed.RayPool to spread the shards over; the result is the same."""
    started = time.monotonic()
    model = load_model(spec, root=root)
    epsilons = sorted(float(e) for e in (spec.task_info.epsilons if epsilons is None else epsilons))
    twin = _twin_model(spec, root) if with_checks else None
    escalate = attack.name in ESCALATED_PRESETS if escalate is None else escalate
    factor, reasons = int(start_factor), []
    while True:
        ran = attack if factor == 1 else attack.scaled(factor)
        rows, checks = _curve_and_checks(spec, model, images, labels, data=data, epsilons=epsilons, attack=ran,
                                         with_checks=with_checks, twin=twin, root=results_root or root,
                                         progress=progress, cancel=cancel, pool=pool)
        if not (escalate and checks and _not_converged(checks) and factor * 2 <= MAX_ESCALATION):
            break
        reasons.append(f"{factor}x: {_doubling(checks).detail}")
        factor *= 2
    result = {"model_id": spec.model_id, "spec": spec.to_dict(), "data": data, "n": int(len(labels)),
              "labels": labels_to_text(labels), "weighting": WEIGHTINGS["real"],
              "epsilons": epsilons, "preset": attack.name, "attack": attack.to_dict(),
              "attack_title": ran.title_for(spec.task_info.num_classes), "curve": rows,
              "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    if factor > 1:
        result["escalation"] = {"factor": factor, "reasons": reasons,
                                "sentence": f"Run with {factor} x the {attack.name} protocol's iterations: with fewer, "
                                            "doubling them still found more adversarial images (not converged)."}
    if checks:
        result.update(checks=[c.to_dict() for c in checks], checks_images=min(CHECK_IMAGES, len(labels)),
                      verdict=verdict(checks), checks_version=CHECKS_VERSION)
    result["seconds"] = round(time.monotonic() - started, 1)
    result["path"] = str(save_results(spec, result, root=root, results_root=results_root, compare=twin_test))
    return result


def _curve_and_checks(spec, model, images, labels, *, data, epsilons, attack, with_checks, twin, root, progress,
                      cancel, pool):
    """One run of the curve under `attack` (its shards kept under its own key) and its checks."""
    folder = shards_folder(spec, results_key(data, len(labels), epsilons, attack), root=root)
    sweep = partial(sweep_shards, model) if pool is None else partial(pool.sweep, spec)  # the same shards
    outcomes = sweep(images, labels, epsilons=epsilons, attack=attack, folder=folder, progress=progress, cancel=cancel)
    rows = curve_rows(outcomes, labels, task=spec.task_info, seed=attack.seed)
    if not with_checks:
        return rows, None
    count = min(CHECK_IMAGES, len(labels))
    return rows, robustness_checks(model, np.asarray(images[:count]), labels[:count], epsilons=epsilons,
                                   attack=attack, twin=twin, curve=rows)


def _doubling(checks):
    return next(c for c in checks if c.name.startswith(DOUBLING_CHECK))


def _not_converged(checks) -> bool:
    return _doubling(checks).status == "warn"


def escalation_start(saved: dict) -> int | None:
    """For a saved result whose doubling check warned (not converged): the iteration factor to
    run it again at (evaluate_model's start_factor), while MAX_ESCALATION allows; else None."""
    doubling = next((c for c in saved.get("checks", []) if c["name"].startswith(DOUBLING_CHECK)), None)
    factor = saved.get("escalation", {}).get("factor", 1) * 2
    if saved.get("preset") not in ESCALATED_PRESETS:
        return None
    return factor if doubling is not None and doubling["status"] == "warn" and factor <= MAX_ESCALATION else None


def _twin_model(spec: ModelSpec, root):
    """The vanilla twin of an attentive model (the transfer check's source), if it exists."""
    if not spec.attention:
        return None
    try:
        return load_model(spec.twin(), root=root)
    except CheckpointError:
        return None
