"""Evaluate one checkpoint: its curve, the checks, the twin test; saved as JSON and CSV."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from functools import partial

import numpy as np

from core.checks import CHECKS_VERSION, robustness_checks, verdict
from core.evaluate.curve import curve_rows, sweep_shards
from core.evaluate.encoding import labels_to_text
from core.metrics import WEIGHTINGS
from core.evaluate.presets import PRESETS, Preset
from core.evaluate.results import load_results, results_key, save_results, shards_folder
from core.evaluate.twins import twin_test
from core.models.spec import ModelSpec
from core.models.zoo import CheckpointError, load_model

CHECK_IMAGES = 64  # the checks re-run attacks several times: on the first 64 images


def evaluate_model(spec: ModelSpec, images, labels, *, data: str, epsilons=None,
                   attack: Preset = PRESETS["strong"], with_checks: bool = True, root=None,
                   results_root=None, progress=None, cancel=None, pool=None) -> dict:
    """The robustness curve (and checks) of `spec`'s checkpoint under `attack`, saved under
    `results_root` (default: beside the checkpoint). For an attentive model whose vanilla
    twin has a result with the same settings, the paired twin test is attached.

    images: an array, or anything sliced like one (core.evaluate.data.LazyImages). pool: a
    core.evaluate.distributed.RayPool to spread the shards over; the result is the same."""
    started = time.monotonic()
    model = load_model(spec, root=root)
    epsilons = sorted(float(e) for e in (spec.task_info.epsilons if epsilons is None else epsilons))
    folder = shards_folder(spec, results_key(data, len(labels), epsilons, attack), root=results_root or root)
    sweep = partial(sweep_shards, model) if pool is None else partial(pool.sweep, spec)  # the same shards
    outcomes = sweep(images, labels, epsilons=epsilons, attack=attack, folder=folder, progress=progress, cancel=cancel)
    rows = curve_rows(outcomes, labels, task=spec.task_info, seed=attack.seed)
    result = {"model_id": spec.model_id, "spec": spec.to_dict(), "data": data, "n": int(len(labels)),
              "labels": labels_to_text(labels), "weighting": WEIGHTINGS["real"],
              "epsilons": epsilons, "preset": attack.name, "attack": attack.to_dict(),
              "attack_title": attack.title_for(spec.task_info.num_classes), "curve": rows,
              "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    twin = _twin_model(spec, root) if with_checks else None
    if with_checks:
        count = min(CHECK_IMAGES, len(labels))
        checks = robustness_checks(model, np.asarray(images[:count]), labels[:count], epsilons=epsilons,
                                   attack=attack, twin=twin, curve=rows)
        result.update(checks=[c.to_dict() for c in checks], checks_images=count, verdict=verdict(checks),
                      checks_version=CHECKS_VERSION)
    if spec.attention:
        vanilla = load_results(spec.twin(), data=data, n=len(labels), epsilons=epsilons, attack=attack,
                               root=root, results_root=results_root)
        if vanilla is not None:
            result["twin_test"] = twin_test(result, vanilla)
    result["seconds"] = round(time.monotonic() - started, 1)
    result["path"] = str(save_results(spec, result, root=results_root or root))
    return result


def _twin_model(spec: ModelSpec, root):
    """The vanilla twin of an attentive model (the transfer check's source), if it exists."""
    if not spec.attention:
        return None
    try:
        return load_model(spec.twin(), root=root)
    except CheckpointError:
        return None
