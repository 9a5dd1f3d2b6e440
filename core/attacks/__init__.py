"""Attacks with one signature, in the L-inf ball (the paper's) or the L2 ball (norm="l2") (paper section 3.4; Croce & Hein 2020; Andriushchenko et al. 2020).

    attack(model, images, labels, *, epsilon, <keyword-only hyperparameters>, seed=None, engine=...)
        -> adversarial images, each within epsilon of its input in L-inf and inside [0, 1]
    run_attack(setting, model, images, labels, *, epsilon, seed=None)
        the same, from a typed setting (core.attack_settings: PGD, FGSM, APGD, Square)

    pgd     projected gradient descent, the paper's attack     engines: native | foolbox
    fgsm    one full sign step                                  engines: native | foolbox
    apgd    Auto-PGD: step-size schedule, momentum, best point  engines: native | art
    square  gradient-free random search on the predictions      engines: native | art
    fmn(model, images, labels, *, steps, ...) -> (adversarial, eps*)   Fast Minimum Norm: each
            image's smallest adversarial radius (a minimum-norm attack: no epsilon)  engines: native | foolbox
    transfer(source, target, ...)   craft on one model, score on another
    patch(model, images, labels, *, area, placement, ...) -> (adversarial, masks)   a visible square
            of free pixels where an artefact would sit (no epsilon: its area is the threat's size)
    universal_patch(model, images, labels, *, area, ...) -> UniversalPatch   one patch for every
            image, learnt on some and .apply()'d to any      engines: native | art

Attacks work on the model's LOGITS (a layer named "logits"); the losses are in
core.attacks.base.LOSSES. The native engines are compiled tf.while_loops cached per model
(core.attacks.compiled); foolbox (PGD) and IBM ART (APGD, Square) are the references the
tests compare them with. worst_case runs an ensemble AutoAttack's way.
"""

from core.attack_settings import APGD, FGSM, PGD, Square
from core.attacks.apgd import apgd
from core.attacks.base import LOSSES, normalize, project, uniform_start
from core.attacks.compiled import logits_model
from core.attacks.dispatch import run_attack
from core.attacks.ensemble import WorstCase, worst_case
from core.attacks.fgsm import fgsm
from core.attacks.fmn import fmn
from core.attacks.patch import patch
from core.attacks.pgd import pgd
from core.attacks.predict import accuracy, example_loss, predict, predict_logits, true_class_margin
from core.attacks.square import square
from core.attacks.transfer import transfer
from core.attacks.universal import UniversalPatch, universal_patch
from core.formatting import LOSS_TITLES
from core.paper import PAPER_REL_STEPSIZE

__all__ = [
    "APGD", "FGSM", "LOSSES", "LOSS_TITLES", "PAPER_REL_STEPSIZE", "PGD", "Square", "WorstCase", "accuracy", "apgd",
    "example_loss", "fgsm", "fmn", "logits_model", "normalize", "patch", "pgd", "predict", "predict_logits", "project", "run_attack",
    "square",
    "transfer", "true_class_margin", "uniform_start", "universal_patch", "UniversalPatch", "worst_case",
]
