"""Why one twin is harder to fool than the other: the mechanism measures of a model over test
images, saved beside its results, and each compared between twins on the same images.

    mechanism_profile(model, images, labels, *, epsilon, ...)  per-image measures
    mechanism_twin_tests(attentive, vanilla)                   a Wilcoxon test and a sentence each
    evaluate_mechanism(spec, images, labels, data=...)         both, saved as <stem>-mechanism-<key>.json

Measures (MEASURES: title, the direction that means harder to fool):
    margin_clean, margin_attacked   the true-class logit margin, clean and after PGD at epsilon
    gradient_norm                   ||grad_x L||_1, the first-order loss increase per unit of eps
    curvature                       CURE's curvature along the gradient's sign
    lipschitz, clever               CLEVER's local Lipschitz estimate and its eps lower bound
    attention_entropy               how spread the attention map is (attentive models only)
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

import numpy as np

from core.formatting import epsilon_text, measure_text
from core.models.spec import ModelSpec
from core.stats import SIGNIFICANCE

# name: (title, +1 when larger means harder to fool, -1 when smaller does, 0 when neither)
MEASURES = {
    "margin_clean": ("logit margin, clean", 1), "margin_attacked": ("logit margin under attack", 1),
    "gradient_norm": ("input-gradient L1 norm", -1), "curvature": ("loss curvature (CURE)", -1),
    "lipschitz": ("local Lipschitz estimate (CLEVER)", -1), "clever": ("CLEVER score", 1),
    "attention_entropy": ("attention entropy", 0),
}
SURFACES = 4  # test images whose loss surface is kept
CLEVER_IMAGES = 24  # CLEVER costs pool_factor x batch_size gradients per class: a subset


def attention_entropy(maps: np.ndarray) -> np.ndarray:
    """Normalised Shannon entropy of each attention map taken as a distribution over pixels:
    0 all on one pixel, 1 spread evenly."""
    flat = np.asarray(maps, np.float64).reshape(len(maps), -1)
    p = flat / np.maximum(flat.sum(axis=1, keepdims=True), 1e-12)
    entropy = -(p * np.log(np.where(p > 0, p, 1.0))).sum(axis=1)
    return entropy / np.log(flat.shape[1])


def mechanism_profile(model, images, labels, *, epsilon: float, seed: int = 0, surfaces: int = SURFACES,
                      clever_images: int = CLEVER_IMAGES) -> dict:
    """Per-image measures on `images` (lists, in the images' order; CLEVER on the first
    `clever_images`), and the loss surfaces of the first `surfaces` images."""
    from core.attacks import pgd, predict_logits, true_class_margin
    from core.explain.attention import attention_map
    from core.mechanism.clever import clever_u
    from core.mechanism.gradients import curvature, gradient_norms
    from core.mechanism.surface import loss_surface
    from core.models.build import has_attention

    images, labels = np.asarray(images, np.float32), np.asarray(labels, np.int64)
    attacked = pgd(model, images, labels, epsilon=epsilon, steps=20, rel_stepsize=2.5 / 20, seed=seed)
    found = {"margin_clean": true_class_margin(predict_logits(model, images), labels),
             "margin_attacked": true_class_margin(predict_logits(model, attacked), labels),
             "gradient_norm": gradient_norms(model, images, labels),
             "curvature": curvature(model, images, labels)}
    estimates = [clever_u(model, image, radius=2 * epsilon, seed=[seed, i])
                 for i, image in enumerate(images[:clever_images])]
    found["lipschitz"] = np.array([e["lipschitz"] for e in estimates])
    found["clever"] = np.array([e["score"] for e in estimates])
    if has_attention(model):
        found["attention_entropy"] = attention_entropy(attention_map(model, images))
    return {"epsilon": float(epsilon), "measures": {k: [float(v) for v in values] for k, values in found.items()},
            "surfaces": [loss_surface(model, images[i], int(labels[i]), epsilon=epsilon, seed=[seed, i],
                                      two_d=i == 0) for i in range(min(surfaces, len(images)))]}


def mechanism_twin_tests(attentive: dict, vanilla: dict) -> dict:
    """{measure: {attentive, vanilla (medians), p_value, p_holm, family_size, attentive_larger,
    pairs, sentence}} for each measure both profiles have, on the same images
    (core.stats.paired_wilcoxon). The measures of one pair are one family: each p is
    Holm-adjusted over them, and a sentence calls a difference significant only on that."""
    from core.stats import holm, paired_wilcoxon

    tests = {}
    for name, (title, harder) in MEASURES.items():
        if name not in attentive["measures"] or name not in vanilla["measures"]:
            continue
        a, v = np.asarray(attentive["measures"][name]), np.asarray(vanilla["measures"][name])
        if a.shape != v.shape:
            raise ValueError(f"the twins' {title} are not on the same images ({a.shape} and {v.shape})")
        paired = paired_wilcoxon(a, v)
        test = {"attentive": float(np.median(a)), "vanilla": float(np.median(v)), "p_value": paired["p_value"],
                "pairs": paired["pairs"], "attentive_larger": paired["a_larger"], "n": int(len(a))}
        tests[name] = test
    for (name, test), adjusted in zip(tests.items(), holm([t["p_value"] for t in tests.values()])):
        test.update(p_holm=adjusted, family_size=len(tests))
        title, harder = MEASURES[name]
        test["sentence"] = _sentence(title, harder, test)
    return tests


def direction(larger_is_attentive: bool, p_value: float, harder: int = 1) -> int:
    """+1 where the paired test says the attentive twin is harder to fool by a measure whose
    larger values mean harder (`harder` +1) or easier (-1), -1 where easier, 0 where the test
    does not separate the twins (p >= 0.05) or the measure has no side (`harder` 0)."""
    if p_value >= SIGNIFICANCE or harder == 0:
        return 0
    return harder if larger_is_attentive else -harder


def _sentence(title: str, harder: int, test: dict) -> str:
    larger = test["attentive"] > test["vanilla"]
    side = "larger" if larger else "smaller"
    p = test.get("p_holm", test["p_value"])
    verdict = ("not significant" if p >= SIGNIFICANCE else
               {1: "the attentive model is harder to fool by this measure",
                -1: "the attentive model is easier to fool by this measure", 0: "significant"}[
                   direction(larger, p, harder)])
    adjusted = (f", {test['p_holm']:.3g} after Holm's adjustment over the pair's {test['family_size']} measures"
                if test.get("family_size", 1) > 1 else "")
    return (f"Median {title}: attentive {measure_text(test['attentive'])}, vanilla {measure_text(test['vanilla'])} "
            f"({side} for the "
            f"attentive model on {test['attentive_larger'] if larger else test['pairs'] - test['attentive_larger']} "
            f"of {test['pairs']} images where they differ; Wilcoxon signed-rank p = {test['p_value']:.3g}"
            f"{adjusted}): {verdict}.")


def mechanism_key(data: str, n: int, epsilon: float, seed: int) -> str:
    """The key of a mechanism run (core.store.run_key, prefix "mechanism")."""
    from core.store import run_key

    return run_key("mechanism", {"data": data, "n": n, "epsilon": float(epsilon), "seed": seed})


def latest_mechanism_key(specs, *, data: str, n: int, epsilon: float, roots) -> str:
    """The key of the newest mechanism run of any of `specs` on these images (`data`, `n`) at
    `epsilon`, whatever seed it was run with (python -m core.evaluate --mechanism --seed S), so
    that the page and the report find what the command line saved; the seed-0 key when none is
    saved. One key for all: the twins are shown from the same run's seed."""
    from core.store import saved

    newest: dict[str, str] = {}
    for spec in specs:
        for root in roots:
            for key, result in saved(spec, "mechanism", root=root):
                try:
                    seed = int(result.get("seed", 0))
                except (TypeError, ValueError):
                    continue
                if key == mechanism_key(data, n, epsilon, seed) and result.get("data") == data and result.get("n") == n:
                    newest[key] = max(newest.get(key, ""), str(result.get("created_at", "")))
    return max(newest, key=newest.get) if newest else mechanism_key(data, n, epsilon, 0)


def evaluate_mechanism(spec: ModelSpec, images, labels, *, data: str, epsilon: float | None = None, seed: int = 0,
                       root=None, results_root=None) -> dict:
    """The profile of `spec`'s checkpoint, saved beside its results; an attentive model whose
    twin was profiled the same way gets the twin tests."""
    from core.store import save as save_keyed
    from core.models.zoo import load_model

    started = time.monotonic()
    epsilon = spec.task_info.middle_epsilon if epsilon is None else float(epsilon)
    result = {"model_id": spec.model_id, "spec": spec.to_dict(), "data": data, "n": int(len(labels)), "seed": seed,
              **mechanism_profile(load_model(spec, root=root), images, labels, epsilon=epsilon, seed=seed),
              "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    key = mechanism_key(data, len(labels), epsilon, seed)
    path = save_keyed(spec, key, result, compare=mechanism_twin_tests, started=started, root=root,
                      results_root=results_root)
    return {**result, "path": str(path), "where": f"at {epsilon_text(epsilon)}"}
