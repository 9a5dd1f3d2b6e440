"""Sanity checks for saliency maps (Adebayo et al. 2018): cascading model randomisation.

A map that explains the MODEL must change when the model's learned weights are replaced by
random ones. Starting from the head (the logits) and moving down towards the input, the
weights of ever more layers are re-drawn (normal, with each kernel's own standard deviation;
batch-norm statistics are kept, so activations stay in range), and after each stage every
method's maps are compared with the trained model's maps by Spearman rank correlation, for
the same images and the same class. A method whose maps barely change fails.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

PASS_BELOW = 0.5  # mean Spearman correlation after full randomisation


def weight_layers(model) -> list:
    """Layers with a kernel, from the output back to the input."""
    return [layer for layer in reversed(model.layers) if hasattr(layer, "kernel")]


def cascade_stages(model, stages: int = 4) -> list[tuple[str, int]]:
    """(what is randomised, how many weight layers from the top): the logits first, then the
    rest of the layers in `stages` - 1 equal steps down to the input."""
    total = len(weight_layers(model))
    counts = sorted({1, *(int(round(total * k / (stages - 1))) for k in range(1, stages))})
    names = weight_layers(model)
    return [("the logits layer" if count == 1 else f"the top {count} of {total} weight layers, down to "
             f"{names[count - 1].name}", count) for count in counts]


def randomized_copy(model, count: int, seed: int = 0):
    """A copy of `model` whose top `count` weight layers are re-drawn at random."""
    import keras

    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    rng = np.random.default_rng(seed)
    for layer in weight_layers(clone)[:count]:
        for variable in (layer.kernel, getattr(layer, "bias", None)):
            if variable is None:
                continue
            values = np.asarray(variable.numpy())
            spread = float(values.std()) or 0.05
            variable.assign(rng.normal(0.0, spread, values.shape).astype(values.dtype))
    return clone


def rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman correlation of two maps (0 when either is constant)."""
    a, b = a.ravel(), b.ravel()
    if a.std() == 0 or b.std() == 0:
        return 0.0
    return float(stats.spearmanr(a, b).statistic)


def cascading_randomization(model, images, *, methods: dict, stages: int = 4, seed: int = 0) -> dict:
    """{method id: {"stages": [{"randomized", "spearman"}], "final", "status", "detail"}}."""
    from core.explain.maps import resolve_classes

    classes = resolve_classes(model, images, None)
    trained = {name: method.fn(model, images, classes) for name, method in methods.items()}
    results = {name: {"stages": []} for name in methods}
    for what, count in cascade_stages(model, stages):
        copy = randomized_copy(model, count, seed)
        for name, method in methods.items():
            maps = method.fn(copy, images, classes)
            value = float(np.mean([rank_correlation(a, b) for a, b in zip(trained[name], maps)]))
            results[name]["stages"].append({"randomized": what, "spearman": value})
    for name, result in results.items():
        final = result["stages"][-1]["spearman"]
        passed = final < PASS_BELOW
        result.update(final=final, status="pass" if passed else "fail",
                      detail=(f"after randomising every layer the maps keep a rank correlation of {final:.2f} with "
                              f"the trained model's" + (": they depend on what the model learned" if passed else
                                                        ": they barely change, so they show the image more than "
                                                        "the model (Adebayo et al. 2018)")))
    return results
