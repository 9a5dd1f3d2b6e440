"""Random restarts, kept per example at their worst case (Madry et al. 2017; Croce & Hein 2020).

Each restart attacks only the examples no earlier restart fooled (AutoAttack's rule: a
fooled example is done). An example keeps a misclassified restart if any, else the one
with the highest loss.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from core.attacks.base import seed_sequence
from core.attacks.predict import example_loss, predict_logits


def _score(model, adversarial, labels, loss, reached):
    done = reached(predict_logits(model, adversarial).argmax(axis=1), labels)
    return done, example_loss(model, adversarial, labels, loss)


def _misclassified(predicted, labels):
    return predicted != labels


def best_of_restarts(model, images: np.ndarray, labels: np.ndarray, run: Callable, *, restarts: int,
                     seed, loss: str, reached: Callable = _misclassified) -> np.ndarray:
    """`run(images, labels, seed_sequence) -> adversarial` repeated `restarts` times.
    reached(predicted, labels): the examples that are done (misclassified; for a targeted
    attack, whose `labels` are the targets, predicted == target)."""
    seeds = seed_sequence(seed).spawn(restarts)
    best = run(images, labels, seeds[0])
    if restarts == 1:
        return best
    wrong, value = _score(model, best, labels, loss, reached)
    for restart_seed in seeds[1:]:
        todo = np.flatnonzero(~wrong)
        if not todo.size:
            break
        candidate = run(images[todo], labels[todo], restart_seed)
        new_wrong, new_value = _score(model, candidate, labels[todo], loss, reached)
        better = (new_wrong & ~wrong[todo]) | ((new_wrong == wrong[todo]) & (new_value > value[todo]))
        chosen = todo[better]
        best[chosen], wrong[chosen], value[chosen] = candidate[better], new_wrong[better], new_value[better]
    return best
