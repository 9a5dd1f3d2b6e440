"""Worst case over an ensemble of attacks (AutoAttack's protocol, Croce & Hein 2020).

An image counts as robust at epsilon only if it survives EVERY attack; each later attack
runs only on the images all earlier ones failed to fool, so the ensemble costs little more
than its strongest member on a non-robust model. For every image the most adversarial
candidate met is kept (the one that fooled it, else the lowest true-class margin).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from core.attacks.base import check_epsilon, check_images, check_labels, seed_sequence
from core.attacks.dispatch import run_attack
from core.attacks.norms import check_radius
from core.attacks.predict import predict_logits, true_class_margin

ROBUST = -1  # fooled_by: no attack fooled the image
CLEAN_WRONG = -2  # fooled_by: misclassified before any attack


@dataclass
class WorstCase:
    """The ensemble's outcome per image."""

    adversarial: np.ndarray  # N x S x S x 3: what fooled each image, else its most adversarial candidate
    robust: np.ndarray  # (N,) bool: survived every attack
    fooled_by: np.ndarray  # (N,) int: index of the first attack that fooled it, ROBUST or CLEAN_WRONG
    margins: np.ndarray  # (N,) z_y - max_{j != y} z_j of `adversarial` (negative: fooled)
    logits: np.ndarray  # N x classes, of `adversarial`

    def fooled_count(self, index: int) -> int:
        """How many images attack `index` fooled that every earlier attack had missed."""
        return int((self.fooled_by == index).sum())


def worst_case(model, images, labels, *, epsilon: float, attacks: Sequence, seed=None,
               after_each: Callable[[int], None] | None = None) -> WorstCase:
    """Run `attacks` (core.attack_settings members, run by core.attacks.run_attack) in order, each
    on the survivors of the ones before; `after_each(index)` is called after each attack
    (e.g. to honour a cancel). Seeds for the members are spawned from `seed`. `epsilon` is in
    the members' norm: [0, 1] for L-inf, a radius for L2."""
    l2 = any(getattr(attack, "norm", "linf") == "l2" for attack in attacks)
    epsilon = check_radius(epsilon, "l2") if l2 else check_epsilon(epsilon)
    images = check_images(model, images)
    labels = check_labels(model, labels, len(images))
    logits = predict_logits(model, images)
    robust = logits.argmax(axis=1) == labels
    result = WorstCase(images.copy(), robust, np.where(robust, ROBUST, CLEAN_WRONG),
                       true_class_margin(logits, labels), logits)
    for index, (attack, member_seed) in enumerate(zip(attacks, seed_sequence(seed).spawn(len(attacks)))):
        todo = np.flatnonzero(result.robust)
        if todo.size and epsilon > 0:
            adversarial = run_attack(attack, model, images[todo], labels[todo], epsilon=epsilon, seed=member_seed)
            _absorb(result, todo, index, adversarial, predict_logits(model, adversarial), labels[todo])
        if after_each is not None:
            after_each(index)
    return result


def _absorb(result: WorstCase, todo, index, adversarial, logits, labels) -> None:
    """Keep what attack `index` found for the images `todo` where it beats the current candidate."""
    margins = true_class_margin(logits, labels)
    fooled = logits.argmax(axis=1) != labels
    better = fooled | (margins < result.margins[todo])
    chosen = todo[better]
    result.adversarial[chosen], result.margins[chosen], result.logits[chosen] = (
        adversarial[better], margins[better], logits[better])
    result.robust[todo[fooled]] = False
    result.fooled_by[todo[fooled]] = index
