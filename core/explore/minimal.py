"""How much noise does it take? The smallest L-inf radius at which the explorer's own attack
flips a model's prediction, found by bisection on a grid."""

from __future__ import annotations

import math

import numpy as np

from core.attack_settings import PGD
from core.attacks import predict, run_attack
from core.explore.settings import DEFAULT_TOLERANCE
from core.tasks import TASKS

def _task_of(model) -> str | None:
    """The task of a zoo model, from its name (build_model names it after its model id)."""
    parts = model.name.split("_")
    return next((part for part in parts if part in TASKS), None)


def minimal_epsilon(model, image: np.ndarray, *, attack: PGD, label: int | None = None,
                    max_epsilon: float | None = None, tolerance: float = DEFAULT_TOLERANCE,
                    seed: int = 0) -> float | None:
    """The smallest epsilon on the grid k * tolerance (k = 1, 2, ..., capped at max_epsilon) at
    which `attack` (the very PGD whose verdict the page shows: its steps, step rule, loss and
    restarts, with `seed`) flips the prediction away from `label` (default: the clean
    prediction); None if the prediction holds at max_epsilon (default: the largest epsilon of
    the model's task). 0.0 when the clean image is already misclassified.

    Bisection: the attack at the returned epsilon flips, and at epsilon - tolerance it does
    not (that point was tried, or is the clean image).
    """
    if not isinstance(attack, PGD):
        raise ValueError(f"attack must be a core.attacks.PGD, got {type(attack).__name__}")
    if not tolerance > 0:
        raise ValueError(f"tolerance must be positive, got {tolerance}")
    if max_epsilon is None:
        task = _task_of(model)
        if task is None:
            raise ValueError("the model's task is unknown: pass max_epsilon")
        max_epsilon = max(TASKS[task].epsilons)
    if not 0 < max_epsilon <= 1:
        raise ValueError(f"max_epsilon must be in (0, 1], got {max_epsilon}")
    batch = np.asarray(image, np.float32)[None]
    clean = int(predict(model, batch)[0].argmax())
    target = clean if label is None else int(label)
    if clean != target:
        return 0.0

    def radius(k: int) -> float:
        return min(k * tolerance, max_epsilon)

    def flips(k: int) -> bool:
        adversarial = run_attack(attack, model, batch, np.array([target]), epsilon=radius(k), seed=seed)
        return int(predict(model, adversarial)[0].argmax()) != target

    high = math.ceil(max_epsilon / tolerance - 1e-9)
    if not flips(high):
        return None
    low = 0  # holds (the clean image)
    while high - low > 1:
        middle = (low + high) // 2
        if flips(middle):
            high = middle
        else:
            low = middle
    return radius(high)
