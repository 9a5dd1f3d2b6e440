"""explore: one image attacked on every model of a task, everything a page draws."""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections import OrderedDict

import numpy as np

from core.attacks import PGD, predict, run_attack
from core.attacks.pgd import pgd_each
from core.explain import METHODS, attention_map, compare, localisation
from core.explain.registry import usable_method
from core.explore.settings import explorer_attack
from core.explore.regions import changed_region
from core.explore.visibility import perceptibility
from core.explore.outcome import Exploration, ModelOutcome
from core.models.build import has_attention
from core.models.spec import ModelSpec


def explore(models: dict[ModelSpec, object], image: np.ndarray, *, epsilon: float, attack: PGD | None = None,
            label: int | None = None, seed: int = 0, transfer: bool = False, method: str = "grad_cam",
            ood: dict | None = None, truth: dict | None = None) -> Exploration:
    """Attack `image` (S x S x 3 in [0, 1]) on every model with `attack`, an L-inf PGD
    (default: the explorer's, 10 steps of 2.5 eps / 10), seeded with `seed`.

    label: the true class; None attacks each model's own clean prediction. transfer: the
    attentive models receive the perturbation crafted on their vanilla twin (when the twin
    is among `models`) instead of their own. The saliency `method` (core.explain.METHODS)
    explains the clean prediction on the clean image and the adversarial prediction on the
    adversarial one. ood: {model id: core.ood.Assessment dict} of the input, reported as is.
    truth: {"lesion": S x S mask, "shortcut": S x S mask} of a synthetic image (its ground
    truth); each model's clean and adversarial maps are then scored against both masks
    (core.explain.localisation).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}")
    attack = attack or explorer_attack()
    result = Exploration(image, label, float(epsilon), attack, int(seed), bool(transfer), method)
    ordered = sorted(models.items(), key=lambda item: item[0].attention)  # vanilla first: transfer sources
    for spec, model in ordered:
        source = result.outcomes.get(spec.twin().model_id) if transfer and spec.attention else None
        result.outcomes[spec.model_id] = explore_one(
            spec, model, image, epsilon=epsilon, attack=attack, label=label, seed=seed, method=method,
            source=source, ood=(ood or {}).get(spec.model_id), truth=truth)
    return result


def explore_one(spec: ModelSpec, model, image: np.ndarray, *, epsilon: float, attack: PGD | None = None,
                label: int | None = None, seed: int = 0, method: str = "grad_cam", source: ModelOutcome | None = None,
                ood: dict | None = None, truth: dict | None = None, measure_perceptibility: bool = True,
                explain: int | None = None, on_progress=None, layer: str | None = None) -> ModelOutcome:
    """One model's column of explore(): with `source` (the vanilla twin's outcome), the
    perturbation crafted on the twin is applied instead of the model's own attack.

    measure_perceptibility=False leaves `perceptibility` None, for with_perceptibility() to fill
    in elsewhere: the engine process leaves it to the app process, since scikit-image's metrics
    import SciPy's statistics (1.2-1.6 s), which would otherwise delay the first verdict.

    explain: the class both saliency maps explain; None explains each image's predicted class
    (the clean prediction on the clean image, the adversarial one on the adversarial image).

    on_progress(steps done, steps, adversarial so far): handed to the attack (run_attack), which
    calls it as a PGD runs; the engine turns it into the column's interim verdict.
    layer: the feature map of a Grad-CAM-family map, one of an imported model's marked layers
    (core.explain.maps.saliency_layers); None: the model's own."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}")
    attack = attack or explorer_attack()
    method, saliency_note = usable_method(model, method)
    batch = image[None].astype(np.float32)
    clean, clean_map, clean_attention = clean_view(model, batch, method, explain, layer)
    target = int(clean.argmax()) if label is None else int(label)
    if source is not None:
        adversarial = source.adversarial[None]
    else:
        adversarial = run_attack(attack, model, batch, np.array([target]), epsilon=epsilon, seed=seed,
                                 on_progress=on_progress)
    adversarial_probabilities = predict(model, adversarial)[0]
    explained = int(adversarial_probabilities.argmax()) if explain is None else int(explain)
    adversarial_map = METHODS[method].explain(model, adversarial, [explained], layer=layer)[0]
    adversarial_attention = attention_map(model, adversarial)[0] if clean_attention is not None else None
    return _outcome(spec, image, attack, (clean, clean_map, clean_attention),
                    (adversarial[0], adversarial_probabilities, adversarial_map, adversarial_attention), truth=truth,
                    measure_perceptibility=measure_perceptibility, saliency_note=saliency_note,
                    transferred_from=source.spec.model_id if source is not None else None, ood=ood)


def explore_many(spec: ModelSpec, model, images: np.ndarray, *, epsilons, seeds, labels, attack: PGD,
                 method: str = "grad_cam", truths=None, explain: int | None = None, layer: str | None = None,
                 measure_perceptibility: bool = True, on_progress=None) -> list[ModelOutcome]:
    """explore_one's column for several images of one model, each at its own ε and seed, in
    one batch (the engine's columns of several sessions: core.engine.worker.explore_together).
    Outcome i is explore_one(spec, model, images[i], epsilon=epsilons[i], seed=seeds[i],
    label=labels[i], ...)'s: the same start, the same steps (core.attacks.pgd.pgd_each). Only
    a one-restart native PGD is batched; any other attack runs image by image.
    on_progress(steps done, steps, adversarial so far) as explore_one's, for the batch."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}")
    truths = list(truths) if truths is not None else [None] * len(images)
    if not (isinstance(attack, PGD) and attack.restarts == 1 and attack.engine == "native"):
        return [explore_one(spec, model, image, epsilon=e, attack=attack, label=label, seed=seed, method=method,
                            truth=truth, measure_perceptibility=measure_perceptibility, explain=explain, layer=layer)
                for image, e, seed, label, truth in zip(images, epsilons, seeds, labels, truths)]
    method, saliency_note = usable_method(model, method)
    batch = np.asarray(images, np.float32)
    cleans = [clean_view(model, image[None], method, explain, layer) for image in batch]
    targets = np.array([int(clean[0].argmax()) if label is None else int(label) for clean, label in zip(cleans, labels)])
    adversarial = pgd_each(model, batch, targets, epsilons=epsilons, seeds=seeds, steps=attack.steps,
                           rel_stepsize=attack.rel_stepsize, random_start=attack.random_start, loss=attack.loss,
                           norm=attack.norm, on_progress=on_progress)
    probabilities = predict(model, adversarial)
    explained = [int(p.argmax()) if explain is None else int(explain) for p in probabilities]
    maps = METHODS[method].explain(model, adversarial, explained, layer=layer)
    attentions = attention_map(model, adversarial) if cleans[0][2] is not None else [None] * len(batch)
    return [_outcome(spec, image, attack, clean, (x, p, m, a), truth=truth, saliency_note=saliency_note,
                     measure_perceptibility=measure_perceptibility)
            for image, clean, x, p, m, a, truth in zip(batch, cleans, adversarial, probabilities, maps, attentions, truths)]


def _outcome(spec: ModelSpec, image: np.ndarray, attack, clean: tuple, adversarial: tuple, *, truth: dict | None,
             measure_perceptibility: bool, saliency_note, transferred_from: str | None = None,
             ood: dict | None = None) -> ModelOutcome:
    """A column from its clean half (probabilities, map, attention) and its adversarial half
    (image, probabilities, map, attention)."""
    clean_probabilities, clean_map, clean_attention = clean
    x, probabilities, adversarial_map, adversarial_attention = adversarial
    maps = np.stack([clean_map, adversarial_map])
    if getattr(attack, "kind", "") == "patch":  # does the model look at the sticker? (both maps, scored on its square)
        truth = {**(truth or {}), "patch": changed_region(x - image)}
    return ModelOutcome(
        spec, clean_probabilities, probabilities, x, x - image, maps[0], maps[1], compare(maps[0], maps[1]),
        perceptibility(image, x) if measure_perceptibility else None, clean_attention, adversarial_attention,
        transferred_from=transferred_from, ood=ood, localisation=_localise(maps, truth), saliency_note=saliency_note)


# The clean half of a column (probabilities, saliency map, attention map) does not change when
# only the attack does: kept per model (weakly: an evicted model takes its entries with it) for
# the last few images, so a new epsilon recomputes only the adversarial half.
CLEAN_VIEWS_PER_MODEL = 8
_clean_views: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_clean_views_lock = threading.Lock()


def clean_view(model, batch: np.ndarray, method: str, explain: int | None = None, layer: str | None = None) -> tuple:
    """(probabilities, `method`'s map of the predicted class (or of class `explain`) on `layer`,
    attention map or None) of the one image in `batch` (1 x S x S x 3), computed once per
    (model, image, method, class, layer)."""
    key = (hashlib.sha1(np.ascontiguousarray(batch, np.float32).tobytes()).hexdigest(), method, explain, layer)
    with _clean_views_lock:  # the engine may explore two models at once, on two threads
        views = _clean_views.setdefault(model, OrderedDict())
        found = views.get(key)
    if found is None:
        probabilities = predict(model, batch)[0]
        explained = int(probabilities.argmax()) if explain is None else int(explain)
        saliency = METHODS[method].explain(model, batch, [explained], layer=layer)[0]
        found = (probabilities, saliency, attention_map(model, batch)[0] if has_attention(model) else None)
    with _clean_views_lock:
        views[key] = found
        views.move_to_end(key)
        while len(views) > CLEAN_VIEWS_PER_MODEL:
            views.popitem(last=False)
    return found


def _localise(maps: np.ndarray, truth: dict | None) -> dict | None:
    """{part: {"clean": {pointing_game, energy_inside}, "adversarial": {...}}} for each part of
    the ground truth the image has (an empty mask is left out)."""
    if not truth:
        return None
    scored = {}
    for part in ("lesion", "shortcut", "patch"):
        mask = truth.get(part)
        if mask is None or not np.any(np.asarray(mask) >= 0.5):
            continue
        scores = localisation(maps, np.repeat(np.asarray(mask)[None], len(maps), axis=0))
        scored[part] = {when: {name: float(values[i]) for name, values in scores.items()}
                        for i, when in enumerate(("clean", "adversarial"))}
    return scored
