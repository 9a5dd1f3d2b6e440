"""Fast gradient sign method (Goodfellow et al. 2015): one full step of size epsilon."""

from __future__ import annotations

import numpy as np

from core.attacks.pgd import pgd


def fgsm(model, images, labels, *, epsilon: float, engine: str = "native", loss: str = "ce") -> np.ndarray:
    """x + eps * sign(grad L(x)), clipped to [0, 1]: PGD with one step of eps from the clean
    image (foolbox's LinfFastGradientAttack)."""
    return pgd(model, images, labels, epsilon=epsilon, steps=1, rel_stepsize=1.0, random_start=False,
               engine=engine, loss=loss)
