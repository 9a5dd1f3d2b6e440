"""The heatmap gallery: sample images x every epsilon, clean and perturbed maps (paper 3.4)."""

from __future__ import annotations

import numpy as np

from core.attacks import PAPER_REL_STEPSIZE, pgd, predict
from core.explain import METHODS, compare


def heatmap_gallery(model, images: np.ndarray, labels: np.ndarray, *, epsilons, steps: int = 10,
                    rel_stepsize: float = PAPER_REL_STEPSIZE, seed: int = 0, method: str = "grad_cam",
                    explain: int | str | None = None, layer: str | None = None) -> dict:
    """The saliency maps (`method`, core.explain.METHODS) of `images` clean and under PGD at
    every epsilon (paper section 3.4: 16 sample images x every epsilon), with the
    map-similarity metrics averaged per epsilon. explain: the class the maps explain, None
    (each image's predicted class, clean and attacked), "true" (each image's label) or a class
    index; layer: an imported model's other marked feature map (core.explain.maps.saliency_layers).

    Returns {"method", "clean_cams", "epsilons": [{"epsilon", "adversarial", "cams", "accuracy",
    "correct", "n", "pearson", "top20_iou", "centre_shift_px"}]} (correct of n images classified
    right under the attack: the page gives the accuracy its interval).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}")
    classes = labels if explain == "true" else explain
    clean_cams = METHODS[method].explain(model, images, classes, layer=layer)
    rows = []
    for epsilon in epsilons:
        adversarial = pgd(model, images, labels, epsilon=float(epsilon), steps=steps,
                          rel_stepsize=rel_stepsize, seed=seed)
        cams = METHODS[method].explain(model, adversarial, classes, layer=layer)
        metrics = [compare(a, b) for a, b in zip(clean_cams, cams)]
        correct = predict(model, adversarial).argmax(axis=1) == labels
        rows.append({
            "epsilon": float(epsilon), "adversarial": adversarial, "cams": cams,
            "accuracy": float(correct.mean()), "correct": int(correct.sum()), "n": int(correct.size),
            **{name: float(np.nanmean([m[name] for m in metrics])) for name in metrics[0]},
        })
    return {"method": method, "clean_cams": clean_cams, "epsilons": rows}
