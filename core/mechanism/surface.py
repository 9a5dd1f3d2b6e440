"""The input-space loss surface around an image: the cross-entropy along the adversarial
direction (the sign of the loss gradient, the first step of L-inf PGD) and along a random
sign direction, as 1-D curves and a 2-D surface, with both axes in units of epsilon (a step of
1 moves every pixel by epsilon). A loss that stays flat along the adversarial direction is the
picture of a robust model; one that climbs steeply, of a fragile one (as in Moosavi-Dezfooli et
al. 2019, Fig. 2)."""

from __future__ import annotations

import numpy as np

from core.attacks.base import check_epsilon, seed_sequence
from core.mechanism.gradients import loss_and_gradient


def loss_surface(model, image, label: int, *, epsilon: float, points: int = 11, seed=0, two_d: bool = True) -> dict:
    """{"steps": [-1 .. 1] in units of epsilon, "adversarial": loss per step, "random": loss
    per step, "surface": points x points losses (rows: adversarial, columns: random) or None}.
    Every point is clipped to [0, 1], as an attack's would be."""
    epsilon = check_epsilon(epsilon)
    if points < 3 or points % 2 == 0:
        raise ValueError(f"points must be an odd number >= 3 (the clean image in the middle), got {points}")
    image = np.asarray(image, np.float32)
    labels = np.array([label])
    _, gradient = loss_and_gradient(model, image[None], labels)
    adversarial = np.sign(gradient[0])
    rng = np.random.default_rng(seed_sequence(seed).generate_state(1)[0])
    random = rng.choice(np.array([-1.0, 1.0], np.float32), image.shape)
    steps = np.linspace(-1.0, 1.0, points)

    def losses(a_steps, r_steps):
        shifted = np.clip(image[None] + epsilon * (a_steps[:, None, None, None] * adversarial
                                                   + r_steps[:, None, None, None] * random), 0, 1)
        return loss_and_gradient(model, shifted.astype(np.float32), np.repeat(labels, len(shifted)))[0]

    zeros = np.zeros(points)
    surface = None
    if two_d:
        a, r = np.meshgrid(steps, steps, indexing="ij")
        surface = losses(a.ravel(), r.ravel()).reshape(points, points).tolist()
    return {"epsilon": epsilon, "steps": steps.tolist(), "adversarial": losses(steps, zeros).tolist(),
            "random": losses(zeros, steps).tolist(), "surface": surface}
