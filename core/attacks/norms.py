"""The threat models, as the small pure helpers every attack loop is written with (foolbox's
design: one loop, the norm's own `normalize`, `project`, `start` and `enforce`).

    linf  the paper's: |x - x0|_inf <= eps; steepest ascent is the gradient's sign
    l2    |x - x0|_2 <= eps (per image); steepest ascent is the gradient over its L2 norm

Each attack takes `norm="linf"` (the default) or `norm="l2"`; ε is on the [0, 1] pixel scale
for L-inf (at most 1) and an L2 radius in the same units for L2 (an image of d values lies
within sqrt(d) of any other).
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from core.attack_settings import (LESION_SIDE_SHARE, NORMS, check_norm,  # noqa: F401 - re-exported: named once
                                  l2_grid, l2_radius)
from core.attacks.base import check_epsilon, enforce_ball, feasible_box, uniform_start


def check_radius(epsilon, norm: str) -> float:
    """ε as a float: [0, 1] for L-inf (the pixel scale, core.attacks.base.check_epsilon), >= 0
    for L2 (a radius)."""
    if norm == "linf":
        return check_epsilon(epsilon)
    if not isinstance(epsilon, (int, float, np.floating, np.integer)) or math.isnan(epsilon):
        raise ValueError(f"epsilon must be a number, got {epsilon!r}")
    if not epsilon >= 0:
        raise ValueError(f"an L2 epsilon is a radius, >= 0; got {epsilon}")
    return float(epsilon)


def _per_image_norm(values):
    axes = list(range(1, len(values.shape)))
    return tf.sqrt(tf.reduce_sum(tf.square(values), axis=axes, keepdims=True))


def normalize(gradients, norm: str):
    """The steepest-ascent direction of unit `norm` (Madry et al. 2017, eq. 2's step)."""
    if norm == "linf":
        return tf.sign(gradients)
    return gradients / tf.maximum(_per_image_norm(gradients), 1e-12)


def project(x, x0, epsilon, norm: str):
    """Back into the `norm` ball of radius epsilon around x0, then into [0, 1] (clipping into
    the box moves every value towards x0, which lies inside it, so it leaves the ball too)."""
    if norm == "linf":
        low, high = feasible_box(x0, epsilon)
        return tf.clip_by_value(x, low, high)
    delta = x - x0
    scale = tf.minimum(1.0, epsilon / tf.maximum(_per_image_norm(delta), 1e-12))
    return tf.clip_by_value(x0 + delta * scale, 0.0, 1.0)


def random_start(images: np.ndarray, epsilon: float, seed, norm: str) -> np.ndarray:
    """A uniform draw from the ball (L-inf: per value; L2: a direction uniform on the sphere, a
    radius eps * U^(1/d)), clipped to [0, 1]."""
    if norm == "linf":
        return uniform_start(images, epsilon, seed)
    rng = np.random.default_rng(seed)
    flat = images.reshape(len(images), -1)
    direction = rng.standard_normal(flat.shape)
    direction /= np.maximum(np.linalg.norm(direction, axis=1, keepdims=True), 1e-12)
    radius = epsilon * rng.random((len(images), 1)) ** (1.0 / flat.shape[1])
    return np.clip(flat + direction * radius, 0.0, 1.0).reshape(images.shape).astype(np.float32)


def enforce(adversarial, images, epsilon: float, norm: str) -> np.ndarray:
    """Guarantee the ball and [0, 1] exactly (float64 checks on the float32 result)."""
    if norm == "linf":
        return enforce_ball(adversarial, images, epsilon)
    x0 = np.asarray(images, np.float64)
    result = np.clip(np.asarray(adversarial, np.float32), 0.0, 1.0)
    for _ in range(8):  # float32 rounding can leave a hair outside: shrink until the float64 check holds
        delta = result.astype(np.float64) - x0
        norms = distance(result, images, "l2")
        outside = norms > epsilon
        if not outside.any():
            return result
        scale = np.where(outside, epsilon * (1 - 1e-5) / np.maximum(norms, 1e-300), 1.0)
        result = np.clip(x0 + delta * scale.reshape((-1,) + (1,) * (delta.ndim - 1)), 0.0, 1.0).astype(np.float32)
    return np.asarray(images, np.float32)  # unreachable in practice: the clean image is always inside


def distance(adversarial, images, norm: str) -> np.ndarray:
    """Each image's distance from its original in `norm`."""
    delta = (np.asarray(adversarial, np.float64) - np.asarray(images, np.float64)).reshape(len(images), -1)
    return np.abs(delta).max(axis=1) if norm == "linf" else np.sqrt((delta ** 2).sum(axis=1))
