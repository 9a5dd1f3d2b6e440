"""What every attack shares: the pure helpers of the L-inf loop, the losses, validation.

The helpers are written once here (foolbox's BaseGradientDescent split): an attack differs
from another only in how it combines them.

    normalize(g)            L-inf steepest-ascent direction: sign(g)
    project(x, x0, eps)     back into the eps-ball around x0, then into the [0, 1] box
    LOSSES[name](z, y)      per-example loss of the logits z, to be MAXIMISED by the attack
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

BATCH_SIZE = 64  # images attacked at once; bounds memory on the paper's 224 px models


# ----------------------------------------------------------------- the pure helpers

def normalize(gradients):
    """L-inf steepest-ascent direction: the sign of the gradient."""
    return tf.sign(gradients)


def feasible_box(x0, epsilon):
    """The L-inf ball of radius epsilon around x0 intersected with the [0, 1] box, as (low,
    high). The compiled loops compute it once per attack, so each projection is one clip."""
    return tf.maximum(x0 - epsilon, 0.0), tf.minimum(x0 + epsilon, 1.0)


def project(x, x0, epsilon):
    """Back into the L-inf ball of radius epsilon around x0 and the [0, 1] box."""
    low, high = feasible_box(x0, epsilon)
    return tf.clip_by_value(x, low, high)


def uniform_start(images: np.ndarray, epsilon: float, seed) -> np.ndarray:
    """Uniform noise in the epsilon-ball, clipped to [0, 1] (foolbox's LinfPGD start)."""
    noise = np.random.default_rng(seed).uniform(-epsilon, epsilon, images.shape).astype(np.float32)
    return np.clip(images + noise, 0.0, 1.0)


def enforce_ball(adversarial, images, epsilon) -> np.ndarray:
    """Guarantee |x - x0| <= epsilon exactly (in float64) and x in [0, 1]. x0 +- eps rounded to
    float32 can land one ulp outside the ball, so each bound is the float32 nearest to it,
    stepped one ulp inwards where it overshoots; then x is clipped to the bounds."""
    x0 = np.asarray(images, np.float64)
    upper = (x0 + epsilon).astype(np.float32)
    upper = np.where(upper.astype(np.float64) - x0 > epsilon, np.nextafter(upper, np.float32(-np.inf)), upper)
    lower = (x0 - epsilon).astype(np.float32)
    lower = np.where(x0 - lower.astype(np.float64) > epsilon, np.nextafter(lower, np.float32(np.inf)), lower)
    return np.clip(np.clip(np.asarray(adversarial, np.float32), lower, upper), 0.0, 1.0).astype(np.float32)


def seed_sequence(seed) -> np.random.SeedSequence:
    """`seed` (None, an int, a sequence of ints or a SeedSequence) as a SeedSequence."""
    return seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)


def batches(array):
    """`array` cut into BATCH_SIZE pieces along its first axis."""
    return [array[i:i + BATCH_SIZE] for i in range(0, len(array), BATCH_SIZE)]


# ----------------------------------------------------------------------------- losses

def _true_logit(logits, labels):
    return tf.gather(logits, labels, axis=1, batch_dims=1)


def _best_other_logit(logits, labels):
    others = tf.where(tf.one_hot(labels, tf.shape(logits)[1]) > 0, tf.float32.min, logits)
    return tf.reduce_max(others, axis=1)


def cross_entropy(logits, labels):
    """The paper's (and foolbox's) loss: softmax cross-entropy of the logits, per example.
    Its gradient is exactly 0 once the true class's softmax rounds to 1 in float32
    (a logit gap above ~100), which stalls PGD on over-confident models."""
    return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)


def margin(logits, labels):
    """Logit margin max_{j != y} z_j - z_y (Carlini & Wagner 2017), per example: never
    saturates, so its gradient still points somewhere when cross-entropy's is 0."""
    return _best_other_logit(logits, labels) - _true_logit(logits, labels)


def dlr(logits, labels):
    """Difference of logits ratio (Croce & Hein 2020, eq. 6), per example:
    -(z_y - max_{j != y} z_j) / (z_pi1 - z_pi3 + 1e-12), z sorted decreasingly. Invariant
    to shifting and rescaling the logits; needs at least 3 classes."""
    ordered = tf.sort(logits, axis=1, direction="DESCENDING")
    return margin(logits, labels) / (ordered[:, 0] - ordered[:, 2] + 1e-12)


def softmax_cross_entropy(logits, labels):
    """Cross-entropy with the model's softmax OUTPUT treated as logits: what foolbox computes
    on a Keras model ending in Dense(softmax), most likely the paper's setup. Its gradient
    vanishes as soon as the softmax saturates (the "paper-softmax" preset)."""
    return cross_entropy(tf.nn.softmax(logits), labels)


LOSSES = {"ce": cross_entropy, "margin": margin, "dlr": dlr, "softmax-ce": softmax_cross_entropy}

# Targeted versions, to be MAXIMISED towards the target class t (foolbox's TargetedMisclassification,
# Carlini & Wagner 2017): the untargeted loss at t, negated. -CE(z, t) climbs towards t; -margin(z, t)
# = z_t - max_{j != t} z_j is positive once t wins.
TARGETED_LOSSES = {"ce": lambda logits, target: -cross_entropy(logits, target),
                   "margin": lambda logits, target: -margin(logits, target)}


def loss_function(name: str):
    """The per-example loss called `name`: one of LOSSES, or "targeted-<ce|margin>"."""
    if name.startswith("targeted-"):
        return TARGETED_LOSSES[name.removeprefix("targeted-")]
    return LOSSES[name]


# ------------------------------------------------------------------------- validation

def check_images(model, images) -> np.ndarray:
    """`images` as float32 N x S x S x 3 in [0, 1] for `model`; ValueError otherwise."""
    images = np.asarray(images, dtype=np.float32)
    expected = tuple(model.input_shape[1:])
    if images.ndim != 4 or images.shape[1:] != expected:
        raise ValueError(f"images must be N x {' x '.join(map(str, expected))}, got shape {images.shape}")
    if images.size and (not np.isfinite(images).all() or images.min() < 0 or images.max() > 1):
        raise ValueError(f"images must be finite and in [0, 1], got range "
                         f"[{np.nanmin(images):.3g}, {np.nanmax(images):.3g}]")
    return images


def check_labels(model, labels, count: int) -> np.ndarray:
    """`labels` as int64 class indices, one per image; ValueError otherwise."""
    labels = np.asarray(labels)
    if labels.shape != (count,):
        raise ValueError(f"labels must be one class index per image ({count}), got shape {labels.shape}")
    if labels.size and not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be integer class indices, got dtype {labels.dtype}")
    classes = model.output_shape[-1]
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(f"labels must be in [0, {classes - 1}], got {labels.min()}..{labels.max()}")
    return labels.astype(np.int64)  # foolbox + NumPy 2 need int64


def check_target(model, target, labels: np.ndarray, loss: str) -> np.ndarray | None:
    """`target` (None, one class for every image, or one per image) as int64 class indices,
    none equal to its image's label; ValueError otherwise."""
    if target is None:
        return None
    if loss not in TARGETED_LOSSES:
        raise ValueError(f"a targeted attack uses loss 'ce' or 'margin', got {loss!r}")
    target = np.broadcast_to(np.asarray(target), labels.shape) if np.ndim(target) == 0 else np.asarray(target)
    target = check_labels(model, target, len(labels))
    if (target == labels).any():
        raise ValueError(f"target must differ from the true label of every image; image "
                         f"{int(np.flatnonzero(target == labels)[0])} has both {int(labels[target == labels][0])}")
    return target


def check_epsilon(epsilon) -> float:
    if not isinstance(epsilon, (int, float, np.floating, np.integer)) or math.isnan(epsilon):
        raise ValueError(f"epsilon must be a number in [0, 1], got {epsilon!r}")
    if not 0 <= epsilon <= 1:
        raise ValueError(f"epsilon must be in [0, 1] (pixel scale), got {epsilon}")
    return float(epsilon)


def check_count(name: str, value, minimum: int = 1) -> int:
    if isinstance(value, bool) or int(value) != value or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value}")
    return int(value)


def check_engine(engine: str, engines: tuple) -> None:
    if engine not in engines:
        raise ValueError(f"engine must be one of {engines}, got {engine!r}")


def check_loss(model, loss: str, allowed=tuple(LOSSES)) -> None:
    """ValueError for an unknown loss, or DLR on fewer than 3 classes (it divides by
    z_pi1 - z_pi3, which does not exist)."""
    if loss not in allowed:
        raise ValueError(f"loss must be one of {list(allowed)}, got {loss!r}")
    if loss == "dlr" and model.output_shape[-1] < 3:
        raise ValueError(f"the DLR loss needs at least 3 classes (it divides by the gap between the "
                         f"first and third logit); this model has {model.output_shape[-1]}: "
                         "use loss='margin', which is DLR's numerator")
