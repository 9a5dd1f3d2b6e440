"""Which saliency maps can be trusted, per model and method: the sanity check, deletion and
insertion, and the perturbation energy in the salient region, computed once and saved.

    python -m core.explain.audit --task cxr            the 4 bundled demo models of a task
    python -m core.explain.audit --task cxr --root checkpoints/user

Saved as <checkpoint folder>/explain/<backbone>_<variant>.json; the UI shows a badge per
method from it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from core.explain.registry import Method

AUDIT_IMAGES = 8  # test images per model
GROUNDING_IMAGES = 48  # synthetic test images whose ground truth the localisation audit scores


def audit_model(model, images, labels, *, methods: dict[str, Method], epsilon: float, seed: int = 0) -> dict:
    """{method id: {"sanity", "faithfulness", "energy_in_top20"}} for `model` on `images`."""
    from core.attacks import pgd, predict_logits
    from core.explain.faithfulness import deletion_insertion, energy_in_salient_region
    from core.explain.sanity import cascading_randomization  # scipy.stats: not for the pages that read audits

    classes = predict_logits(model, images).argmax(axis=1).astype(np.int32)
    sanity = cascading_randomization(model, images, methods=methods, seed=seed)
    adversarial = pgd(model, images, labels, epsilon=epsilon, steps=10, rel_stepsize=0.25, seed=seed)
    results = {}
    for name, method in methods.items():
        maps = method.fn(model, images, classes)
        faith = deletion_insertion(model, images, maps, classes, seed=seed)
        faithful = faith["deletion"] < faith["deletion_random"] and faith["insertion"] > faith["insertion_random"]
        energy = [energy_in_salient_region(a - x, m) for a, x, m in zip(adversarial, images, maps)]
        results[name] = {
            "sanity": sanity[name],
            "faithfulness": {**faith, "status": "pass" if faithful else "warn",
                             "detail": (f"deletion area {faith['deletion']:.3f} (random order "
                                        f"{faith['deletion_random']:.3f}), insertion {faith['insertion']:.3f} "
                                        f"(random {faith['insertion_random']:.3f})")},
            "energy_in_top20": {"epsilon": epsilon, "mean": float(np.nanmean(energy)), "chance": 0.2},
        }
    return results


def audit_path(spec, *, root=None) -> Path:
    from core.models.zoo import checkpoint_path

    path = checkpoint_path(spec, root=root)
    return path.parent / "explain" / f"{path.stem}.json"


def load_audit(spec, *, root=None) -> dict | None:
    try:
        return json.loads(audit_path(spec, root=root).read_text())
    except (OSError, json.JSONDecodeError):
        return None


def audit_counts(audits: list[dict]) -> dict[str, dict[str, int]]:
    """{method: {"sane", "faithful", "models"}}: on how many of the saved `audits` each method
    passed the sanity check and beat a random order in deletion/insertion."""
    counts = {}
    for audit in audits:
        for method, result in audit["methods"].items():
            entry = counts.setdefault(method, {"sane": 0, "faithful": 0, "models": 0})
            entry["models"] += 1
            entry["sane"] += result["sanity"]["status"] == "pass"
            entry["faithful"] += result["faithfulness"]["status"] == "pass"
    return counts


def audit_rows(audits: dict[str, dict]) -> list[dict]:
    """{model title: saved audit} as table rows, one per model and method."""
    from core.explain.registry import METHODS

    return [{"model": title, "method": METHODS[m].title if m in METHODS else m,
             "sanity (ρ after randomising all)": r["sanity"]["final"], "sanity": r["sanity"]["status"],
             "deletion (random)": f"{r['faithfulness']['deletion']:.3f} ({r['faithfulness']['deletion_random']:.3f})",
             "insertion (random)": f"{r['faithfulness']['insertion']:.3f} "
                                   f"({r['faithfulness']['insertion_random']:.3f})",
             "energy in top 20 %": r["energy_in_top20"]["mean"]}
            for title, audit in audits.items() for m, r in audit["methods"].items()]
