"""How often one universal patch fools a model on images it was not learnt on, against the
patch's area, with intervals; the attentive-vs-vanilla paired test per area
(core.attacks.universal; Brown et al. 2017).

For each area of core.attacks.patch.AREAS: a patch is learnt on the validation split (one per
model and area), then pasted on the same held-out test images for every model:
    accuracy under the patch, re-weighted to the real class mix, with its 95 % interval
    success rate: the share of the clean-correct test images it fools, Wilson 95 % interval
    the twin test: attentive minus vanilla accuracy on the same images, Holm across the areas
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

import numpy as np

from core.encoding import flags_to_text, labels_to_text
from core.metrics import WEIGHTINGS, accuracy_summary
from core.models.spec import ModelSpec

# The universal-patch run the curves page and the report read (and the bundled zoo holds).
SHOWN_IMAGES = 100  # held-out test images
LEARNT_ON = 200  # validation images each patch is learnt on
SHOWN_STEPS = 100  # minibatch steps per candidate location


def universal_curve(model, learn_images, learn_labels, images, labels, *, task, areas, placement: str = "task",
                    steps: int = SHOWN_STEPS, seed: int = 0) -> list[dict]:
    """One row per area (0 first: the clean test images): accuracy under the universal patch with
    its interval, its success rate on the clean-correct test images with the Wilson interval,
    the share it fooled where it was learnt, where it sits and the per-image outcomes."""
    from core.attacks import predict
    from core.attacks.universal import universal_patch
    from core.stats import proportion_ci

    labels = np.asarray(labels, np.int64)
    clean = predict(model, images).argmax(axis=1) == labels
    rows = []
    for area in [0.0, *sorted(areas)]:
        row = {"area": area}
        if area == 0:
            correct = clean
        else:
            found = universal_patch(model, learn_images, learn_labels, area=area, placement=placement,
                                    task=task.name, steps=steps, seed=seed)
            correct = predict(model, found.apply(images)).argmax(axis=1) == labels
            rows_at, columns_at = np.nonzero(found.mask)
            row.update(fooled_where_learnt=found.fooled_in_training,
                       location=[int(rows_at.min()), int(columns_at.min()), int(rows_at.max() - rows_at.min() + 1)])
        summary = accuracy_summary(correct, labels, task)
        fooled = int((clean & ~correct).sum())
        low, high = proportion_ci(fooled, int(clean.sum())) if clean.any() else (0.0, 1.0)
        rows.append({**row, "accuracy": summary["accuracy"], "accuracy_low": summary["accuracy_low"],
                     "accuracy_high": summary["accuracy_high"], "balanced_accuracy": summary["balanced_accuracy"],
                     "fooled": fooled, "clean_correct": int(clean.sum()),
                     "success_rate": fooled / clean.sum() if clean.any() else 0.0, "success_low": low,
                     "success_high": high, "correct": flags_to_text(correct)})
    return rows


def universal_key(data: str, n: int, learnt_on: str, n_learn: int, areas, placement: str, steps: int,
                  seed: int) -> str:
    """The key of a universal-patch run (core.store.run_key, prefix "universal")."""
    from core.store import run_key

    return run_key("universal", {"data": data, "n": int(n), "learnt_on": learnt_on, "n_learn": int(n_learn),
                                 "areas": sorted(areas), "placement": placement, "steps": steps, "seed": seed})


def evaluate_universal(spec: ModelSpec, learn_images, learn_labels, images, labels, *, data: str, learnt_on: str,
                       areas=None, placement: str = "task", steps: int = SHOWN_STEPS, seed: int = 0, root=None,
                       results_root=None) -> dict:
    """The universal-patch curve of `spec`'s checkpoint, saved (core.store) under the
    "universal" key; an attentive model whose twin ran the same way gets the paired test per
    area (core.evaluate.patches.patches_twin_test: the same shape of result)."""
    from core.attacks.patch import AREAS
    from core.evaluate.patches import patches_twin_test
    from core.models.zoo import load_model
    from core.store import save

    started = time.monotonic()
    areas = sorted(AREAS if areas is None else areas)
    model = load_model(spec, root=root)
    images, labels = np.asarray(images, np.float32), np.asarray(labels, np.int64)
    learn_images, learn_labels = np.asarray(learn_images, np.float32), np.asarray(learn_labels, np.int64)
    result = {"model_id": spec.model_id, "spec": spec.to_dict(), "data": data, "n": int(len(labels)),
              "learnt_on": learnt_on, "n_learn": int(len(learn_labels)), "placement": placement, "steps": steps,
              "seed": seed, "labels": labels_to_text(labels), "weighting": WEIGHTINGS["real"],
              "areas": universal_curve(model, learn_images, learn_labels, images, labels, task=spec.task_info,
                                       areas=areas, placement=placement, steps=steps, seed=seed),
              "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    key = universal_key(data, len(labels), learnt_on, len(learn_labels), areas, placement, steps, seed)
    path = save(spec, key, result, compare=patches_twin_test, started=started, root=root, results_root=results_root)
    result["path"] = str(path)
    return result
