"""The explorer's attack settings, TensorFlow-free (the app process builds them, the engine
process runs them)."""

from __future__ import annotations

from core.attack_settings import PGD

DEFAULT_TOLERANCE = 0.25 / 255  # a quarter of an 8-bit grey level


def explorer_rel_stepsize(steps: int) -> float:
    """The explorer's step rule: 2.5 eps / steps per step (Madry et al. 2017), so even a few
    steps reach the edge of the ball."""
    return 2.5 / steps


def explorer_attack(steps: int = 10, **settings) -> PGD:
    """The explorer's default PGD: `steps` steps of explorer_rel_stepsize(steps)."""
    return PGD(steps=steps, rel_stepsize=settings.pop("rel_stepsize", explorer_rel_stepsize(steps)), **settings)
