"""Corruption curves: accuracy against severity under each natural corruption (core.corruptions),
beside the attack curves, with the same intervals and the same paired twin test.

    corruption_curve(model, images, labels, name=..., task=...)   rows for severity 0 (clean) .. 5
    evaluate_corruptions(spec, images, labels, data=...)          every corruption of the task,
                                                                  saved as <stem>-corruptions-<key>.json
    corruption_twin_test(attentive, vanilla)                      per corruption and severity
    latest_corruptions(spec, data=..., n=..., roots=...)          the newest saved run on these images

Each severity corrupts the same images with the same seed for every model, so two models'
outcomes are paired image by image.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import numpy as np

from core.encoding import flags_to_text, labels_to_text, text_to_flags, text_to_labels
from core.metrics import WEIGHTINGS, accuracy_summary, weights_for
from core.models.spec import ModelSpec
from core.tasks import Task

SEVERITIES = (0, 1, 2, 3, 4, 5)  # 0: the clean images


def corruption_curve(model, images, labels, *, name: str, task: Task, seed: int = 0) -> list[dict]:
    """Accuracy re-weighted to the real mix (with its interval, balanced and per-class) on
    `images` under corruption `name` at each severity, with the per-image outcomes (and on a
    binary task each image's positive-class score)."""
    from core.attacks import predict
    from core.corruptions import corrupt

    labels = np.asarray(labels, np.int64)
    rows = []
    for severity in SEVERITIES:
        shown = images if severity == 0 else corrupt(images, name, severity, seed=seed, task=task.name)
        probabilities = predict(model, shown)
        correct = probabilities.argmax(axis=1) == labels
        summary = accuracy_summary(correct, labels, task)
        rows.append({"severity": severity, "accuracy": summary["accuracy"], "accuracy_low": summary["accuracy_low"],
                     "accuracy_high": summary["accuracy_high"], "balanced_accuracy": summary["balanced_accuracy"],
                     "per_class": summary["per_class"], "correct": flags_to_text(correct)})
        if task.is_binary:  # the positive-class score: sensitivity and specificity at any operating point
            rows[-1]["scores"] = [float(np.float32(s)) for s in probabilities[:, 1]]
    return rows


def corruptions_key(data: str, n: int, names, seed: int) -> str:
    """The key of a corruption run (core.store.run_key, prefix "corruptions")."""
    from core.store import run_key

    return run_key("corruptions", {"data": data, "n": n, "corruptions": sorted(names), "seed": seed})


def corruption_twin_test(attentive: dict, vanilla: dict) -> dict:
    """{corruption: [rows per severity: difference, low, high, p_value, p_holm, ...]}: attentive
    minus vanilla on the same corrupted images, weighted to the real mix (core.stats); p_holm
    Holm-adjusted over the corruption's severities 1-5 (results saved before had no p_holm)."""
    from core.stats import holm, weighted_paired_difference

    for key in ("data", "n", "seed", "labels"):
        if attentive.get(key) != vanilla.get(key):
            raise ValueError(f"the corruption results differ in {key!r}, so their images are not paired")
    labels = text_to_labels(attentive["labels"])
    shares = weights_for(ModelSpec.from_dict(attentive["spec"]).task_info, "real")
    tests = {}
    for name, rows in attentive["corruptions"].items():
        if name not in vanilla["corruptions"]:
            continue
        tests[name] = []
        for a, v in zip(rows, vanilla["corruptions"][name]):
            test = weighted_paired_difference(text_to_flags(a["correct"]), text_to_flags(v["correct"]), labels, shares)
            test.pop("per_class", None)
            tests[name].append({"severity": a["severity"], **test})
        corrupted = [t for t in tests[name] if t["severity"] > 0]  # Holm over one corruption's severities
        for test, adjusted in zip(corrupted, holm([t["p_value"] for t in corrupted])):
            test["p_holm"] = adjusted
    return tests


def evaluate_corruptions(spec: ModelSpec, images, labels, *, data: str, names=None, seed: int = 0, root=None,
                         results_root=None, progress=None) -> dict:
    """Every corruption of `spec`'s task (or `names`) at every severity, saved beside the
    checkpoint's results; an attentive model whose twin was evaluated the same way gets the
    paired test per corruption and severity."""
    from core.corruptions import corruptions_for
    from core.store import save as save_keyed
    from core.models.zoo import load_model

    started = time.monotonic()
    task = spec.task_info
    names = list(corruptions_for(task.name)) if names is None else list(names)
    model = load_model(spec, root=root)
    images, labels = np.asarray(images, np.float32), np.asarray(labels, np.int64)
    curves = {}
    for index, name in enumerate(names):
        curves[name] = corruption_curve(model, images, labels, name=name, task=task, seed=seed)
        if progress is not None:
            progress(index + 1, len(names))
    key = corruptions_key(data, len(labels), names, seed)
    result = {"model_id": spec.model_id, "spec": spec.to_dict(), "data": data, "n": int(len(labels)), "seed": seed,
              "labels": labels_to_text(labels), "weighting": WEIGHTINGS["real"], "corruptions": curves,
              "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    path = save_keyed(spec, key, result, compare=corruption_twin_test, started=started, root=root,
                      results_root=results_root)
    result["path"] = str(path)
    return result


def latest_corruptions(spec: ModelSpec, *, data: str, n: int, roots) -> dict | None:
    """The newest saved corruption run of `spec` on these images (`data`, `n`) under any of
    `roots` (whichever corruptions it covers), or None."""
    from core.store import results_folder
    from core.models.zoo import checkpoint_path

    found = []
    for root in roots:
        folder = results_folder(spec, root=root)
        for path in folder.glob(f"{checkpoint_path(spec, root=root).stem}-corruptions-*.json"):
            try:
                result = json.loads(path.read_text())
            except (OSError, json.JSONDecodeError):
                continue
            if result.get("data") == data and result.get("n") == n:
                found.append(result)
    return max(found, key=lambda r: r.get("created_at", "")) if found else None
