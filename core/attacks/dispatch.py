"""run_attack: one call for every attack setting (core.attack_settings), the loop of each written
once in its own module."""

from __future__ import annotations

import numpy as np

from core.attack_settings import APGD, FGSM, PGD, Natural, Patch, Square
from core.attacks.apgd import apgd
from core.attacks.fgsm import fgsm
from core.attacks.pgd import pgd
from core.attacks.square import square


def run_attack(attack, model, images, labels, *, epsilon: float, seed=None, on_progress=None) -> np.ndarray:
    """Adversarial images of `attack` (a PGD, FGSM, APGD or Square setting, or any callable with
    the attacks' signature, attack(model, images, labels, *, epsilon, seed)) on `model`, each
    within `epsilon` of its input in L-inf and inside [0, 1]. A Natural setting is no attack:
    its corruption, the same whatever the model, with epsilon ignored. on_progress(steps done,
    steps, adversarial so far) follows a PGD as it runs (core.attacks.pgd); the other attacks
    report nothing before their end."""
    if isinstance(attack, PGD):
        return pgd(model, images, labels, epsilon=epsilon, steps=attack.steps, rel_stepsize=attack.rel_stepsize,
                   random_start=attack.random_start, restarts=attack.restarts, seed=seed, engine=attack.engine,
                   loss=attack.loss, norm=attack.norm, on_progress=on_progress)
    if isinstance(attack, FGSM):
        return fgsm(model, images, labels, epsilon=epsilon, loss=attack.loss)
    if isinstance(attack, APGD):
        return apgd(model, images, labels, epsilon=epsilon, steps=attack.steps, loss=attack.loss,
                    restarts=attack.restarts, seed=seed, engine=attack.engine, norm=attack.norm)
    if isinstance(attack, Square):
        return square(model, images, labels, epsilon=epsilon, queries=attack.queries, p_init=attack.p_init,
                      seed=seed, engine=attack.engine, norm=attack.norm)
    if isinstance(attack, Patch):
        from core.attacks.patch import patch

        adversarial, _ = patch(model, images, labels, area=attack.area, placement=attack.placement, task=attack.task,
                               steps=attack.steps, loss=attack.loss, seed=0 if seed is None else int(seed))
        return adversarial
    if isinstance(attack, Natural):
        from core.corruptions import corrupt

        return corrupt(images, attack.corruption, attack.severity, seed=0 if seed is None else int(seed),
                       task=attack.task)
    if callable(attack):
        return attack(model, images, labels, epsilon=epsilon, seed=seed)
    raise ValueError(f"attack must be one of core.attack_settings' PGD, FGSM, APGD, Square or Natural, got {attack!r}")
