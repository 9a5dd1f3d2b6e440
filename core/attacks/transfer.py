"""Black-box transfer: craft on one model, evaluate on another (Carlini et al. 2019)."""

from __future__ import annotations

import numpy as np

from core.attacks.pgd import pgd
from core.attacks.predict import predict


def transfer(source, target, images, labels, *, epsilon: float, **pgd_options) -> tuple[np.ndarray, np.ndarray]:
    """Craft PGD examples on `source`, evaluate them on `target`.

    Returns (adversarial images, target's probabilities on them). With the vanilla twin
    as source and the attentive model as target, a target that resists white-box PGD
    but falls to transfer is masking gradients rather than robust.
    """
    adversarial = pgd(source, images, labels, epsilon=epsilon, **pgd_options)
    return adversarial, predict(target, adversarial)
