"""How often an adversarial patch fools a model, against the patch's area, with intervals;
the attentive-vs-vanilla paired test per area (core.attacks.patch; Finlayson et al. 2019).

For each area of core.attacks.patch.AREAS, on the same images for every model:
    accuracy under the patch, re-weighted to the real class mix, with its 95 % interval
    success rate: the share of the clean-correct images the patch fools, Wilson 95 % interval
    the twin test: attentive minus vanilla accuracy, paired on the images (core.stats), Holm
    across the areas (core.evaluate.twins's convention)
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

import numpy as np

from core.encoding import flags_to_text, labels_to_text, text_to_flags, text_to_labels
from core.metrics import WEIGHTINGS, accuracy_summary, weights_for
from core.models.spec import ModelSpec

# The patch run the curves page and the report read (and the bundled zoo holds): patches cost
# 4 locations x their steps per image and area, so fewer images and steps than an ε curve.
SHOWN_IMAGES = 100
SHOWN_STEPS = 50


def patch_curve(model, images, labels, *, task, areas, placement: str = "task", steps: int = 100,
                seed: int = 0) -> list[dict]:
    """One row per area (0 first: the clean images): accuracy with its interval, the success
    rate on the clean-correct images with its interval, and the per-image outcomes."""
    from core.attacks import predict
    from core.attacks.patch import patch
    from core.stats import proportion_ci

    labels = np.asarray(labels, np.int64)
    clean = predict(model, images).argmax(axis=1) == labels
    rows = []
    for area in [0.0, *sorted(areas)]:
        if area == 0:
            correct = clean
        else:
            patched, _ = patch(model, images, labels, area=area, placement=placement, task=task.name, steps=steps,
                               seed=seed)
            correct = predict(model, patched).argmax(axis=1) == labels
        summary = accuracy_summary(correct, labels, task)
        fooled = int((clean & ~correct).sum())
        low, high = proportion_ci(fooled, int(clean.sum())) if clean.any() else (0.0, 1.0)
        rows.append({"area": area, "accuracy": summary["accuracy"], "accuracy_low": summary["accuracy_low"],
                     "accuracy_high": summary["accuracy_high"], "balanced_accuracy": summary["balanced_accuracy"],
                     "fooled": fooled, "clean_correct": int(clean.sum()),
                     "success_rate": fooled / clean.sum() if clean.any() else 0.0, "success_low": low,
                     "success_high": high, "correct": flags_to_text(correct)})
    return rows


def patches_key(data: str, n: int, areas, placement: str, steps: int, seed: int) -> str:
    """The key of a patch run (core.store.run_key, prefix "patches"; core.runs.patches's)."""
    from core.store import run_key

    return run_key("patches", {"data": data, "n": int(n), "areas": sorted(areas), "placement": placement,
                               "steps": steps, "seed": seed})


def patches_twin_test(attentive: dict, vanilla: dict) -> list[dict]:
    """Rows per area: attentive minus vanilla accuracy under the patch on the same images
    (weighted to the real mix, paired; core.stats), p-values Holm-adjusted across the areas."""
    from core.stats import holm, weighted_paired_difference

    for key in ("data", "n", "seed", "labels", "placement", "steps"):
        if attentive.get(key) != vanilla.get(key):
            raise ValueError(f"the patch results differ in {key!r}, so their images are not paired")
    labels = text_to_labels(attentive["labels"])
    shares = weights_for(ModelSpec.from_dict(attentive["spec"]).task_info, "real")
    rows = []
    for a, v in zip(attentive["areas"], vanilla["areas"]):
        test = weighted_paired_difference(text_to_flags(a["correct"]), text_to_flags(v["correct"]), labels, shares)
        test.pop("per_class", None)
        rows.append({"area": a["area"], **test})
    patched = [row for row in rows if row["area"] > 0]
    for row, adjusted in zip(patched, holm([row["p_value"] for row in patched])):
        row["p_holm"] = adjusted
    return rows


def evaluate_patches(spec: ModelSpec, images, labels, *, data: str, areas=None, placement: str = "task",
                     steps: int = 100, seed: int = 0, root=None, results_root=None) -> dict:
    """The patch curve of `spec`'s checkpoint, saved (core.store) under the "patches" key; an
    attentive model whose twin ran the same way gets the paired test per area."""
    from core.attacks.patch import AREAS
    from core.models.zoo import load_model
    from core.store import save

    started = time.monotonic()
    areas = sorted(AREAS if areas is None else areas)
    model = load_model(spec, root=root)
    images, labels = np.asarray(images, np.float32), np.asarray(labels, np.int64)
    result = {"model_id": spec.model_id, "spec": spec.to_dict(), "data": data, "n": int(len(labels)),
              "placement": placement, "steps": steps, "seed": seed, "labels": labels_to_text(labels),
              "weighting": WEIGHTINGS["real"],
              "areas": patch_curve(model, images, labels, task=spec.task_info, areas=areas, placement=placement,
                                   steps=steps, seed=seed),
              "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    path = save(spec, patches_key(data, len(labels), areas, placement, steps, seed), result,
                compare=patches_twin_test, started=started, root=root, results_root=results_root)
    result["path"] = str(path)
    return result
