"""Fast Minimum Norm attack, L-inf or L2 (Pintor et al. 2021, "Fast Minimum-norm Adversarial Attacks
through Adaptive Norm Constraints", NeurIPS): each image's smallest adversarial radius eps*, so
one run gives robust accuracy at every epsilon (the share of images with eps* > eps).

For t = 0 .. steps-1, with cosine-annealed step a_t (max_stepsize -> min_stepsize) and
norm-update rate g_t (gamma -> 0.001), on delta (x = x0 + delta) and the logit margin
L = z_y - max_{j != y} z_j (the attack loss core.attacks.base.margin, negated):

    keep delta as the best adversarial point if x is misclassified and ||delta||_inf is the smallest yet
    eps  <- min(eps (1 - g_t), ||best||_inf)      if x is adversarial
            eps (1 + g_t)                          else, once any adversarial point was found
            ||delta||_inf + |L| / ||grad L||_1     else (a linear estimate of the boundary)
    delta <- clip(delta - a_t grad L / ||grad L||_2, -eps, eps), then x0 + delta into [0, 1]

In L2 (norm="l2") the norms are L2, the linear estimate divides by the gradient's L2 norm (the
dual of L2) and the projection scales delta back onto the L2 ball of radius eps.

engine="native" runs the loop as one tf.function (tf.while_loop, traced once per model and
norm); engine="foolbox" runs foolbox's LInfFMNAttack / L2FMNAttack on the same logits, the
reference. Neither starts at random: for the same images both are deterministic. foolbox
3.3.4's L2FMNAttack never projects (its project() scales by min(1, ||x|| / ||x||) = 1), so the
L2 reference is that class with the projection it means: x0 + (x - x0) min(1, eps / ||x - x0||).
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import tensorflow as tf

from core.attacks import compiled
from core.attacks.base import batches, check_count, check_engine, check_images, check_labels, margin
from core.attacks.norms import check_norm

ENGINES = ("native", "foolbox")


def _cosine(start, end, i, steps):
    """Cosine annealing from `start` (i = 0) to `end` (i = steps), as Pintor et al."""
    return end + (start - end) * (1 + tf.cos(math.pi * tf.cast(i, tf.float32) / tf.cast(steps, tf.float32))) / 2


def _build_loop(logits_model, image_spec, loss_name, norm="linf"):
    del loss_name  # FMN's loss is always the logit margin
    scalar = tf.TensorSpec((), tf.float32)
    flat = lambda d: tf.reshape(d, (tf.shape(d)[0], -1))  # noqa: E731
    if norm == "linf":
        size = lambda d: tf.reduce_max(tf.abs(flat(d)), axis=1)  # noqa: E731
        dual = lambda g: tf.reduce_sum(tf.abs(flat(g)), axis=1)  # noqa: E731
    else:
        size = lambda d: tf.norm(flat(d), axis=1)  # noqa: E731
        dual = size
    per_image = lambda v: tf.reshape(v, (-1, 1, 1, 1))  # noqa: E731

    def project(delta, epsilon):
        if norm == "linf":
            return tf.clip_by_value(delta, -per_image(epsilon), per_image(epsilon))
        return delta * per_image(tf.minimum(1.0, epsilon / tf.maximum(size(delta), 1e-12)))

    @tf.function(input_signature=[image_spec, tf.TensorSpec((None,), tf.int64), tf.TensorSpec((), tf.int32),
                                  scalar, scalar, scalar], autograph=False)
    def attack(x0, y, steps, max_stepsize, min_stepsize, gamma):
        n = tf.shape(x0)[0]
        worst = size(tf.maximum(x0, 1.0 - x0))  # the largest distance inside the box, in the norm

        def step(i, delta, best, best_norm, found, epsilon):
            with tf.GradientTape() as tape:
                tape.watch(delta)
                logits = logits_model(x0 + delta, training=False)
                distance = -margin(logits, y)  # z_y - max_{j != y} z_j: < 0 once misclassified
                total = tf.reduce_sum(distance)
            gradient = tape.gradient(total, delta)
            adversarial = tf.argmax(logits, axis=1) != y
            length = size(delta)
            better = adversarial & (length <= best_norm)
            best_norm = tf.where(better, length, best_norm)
            best = tf.where(per_image(better), delta, best)
            found = found | adversarial
            rate = _cosine(gamma, 0.001, i, steps)
            to_boundary = tf.abs(distance) / (dual(gradient) + 1e-12)
            epsilon = tf.where(adversarial, tf.minimum(epsilon * (1 - rate), size(best)),
                               tf.where(found, epsilon * (1 + rate), length + to_boundary))
            epsilon = tf.minimum(epsilon, worst)
            unit = gradient / per_image(tf.norm(flat(gradient), axis=1) + 1e-12)  # L2-normalised, as foolbox
            delta = delta - _cosine(max_stepsize, min_stepsize, i, steps) * unit
            delta = project(delta, epsilon)
            delta = tf.clip_by_value(x0 + delta, 0.0, 1.0) - x0  # into the box
            return i + 1, delta, best, best_norm, found, epsilon

        zeros = tf.zeros_like(x0)
        start = (tf.constant(0), zeros, zeros, worst, tf.zeros((n,), tf.bool), tf.fill((n,), np.float32(np.inf)))
        _, _, best, best_norm, found, _ = tf.while_loop(lambda i, *_: i < steps, step, start)
        return best, found

    return attack


def fmn(model, images, labels, *, steps: int = 100, max_stepsize: float = 1.0, min_stepsize: float | None = None,
        gamma: float = 0.05, engine: str = "native", norm: str = "linf") -> tuple[np.ndarray, np.ndarray]:
    """Fast Minimum Norm attack in `norm` ("linf" or "l2"); returns (adversarial images, eps*
    per image).

    eps* is each image's smallest adversarial radius in `norm` found (0 for an image misclassified
    as it is; inf where none was found, and there the image itself is returned). Every
    returned example with a finite eps* is checked: misclassified, and within eps* of its
    input in `norm` and inside [0, 1]; one that is not (a float32 rounding at the boundary)
    counts as not found. min_stepsize defaults to max_stepsize / 100 (foolbox's default).
    """
    steps = check_count("steps", steps)
    min_stepsize = max_stepsize / 100 if min_stepsize is None else min_stepsize
    for name, value in (("max_stepsize", max_stepsize), ("min_stepsize", min_stepsize), ("gamma", gamma)):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a positive number, got {value!r}")
    if not gamma < 1:
        raise ValueError(f"gamma must be in (0, 1), got {gamma}")
    check_engine(engine, ENGINES)
    norm = check_norm(norm)
    images = check_images(model, images)
    labels = check_labels(model, labels, len(images))
    if len(images) == 0:
        return images.copy(), np.zeros(0, np.float64)
    if engine == "foolbox":
        adversarial = _run_foolbox(model, images, labels, steps, max_stepsize, min_stepsize, gamma, norm)
    else:
        name = "fmn" if norm == "linf" else f"fmn-{norm}"  # one compiled loop per model and norm
        loop = compiled.loop(model, name, "margin", partial(_build_loop, norm=norm))
        out = []
        for x0, y in zip(batches(images), batches(labels)):
            best, found = loop(tf.constant(x0), tf.constant(y), tf.constant(steps, tf.int32),
                               tf.constant(max_stepsize, tf.float32), tf.constant(min_stepsize, tf.float32),
                               tf.constant(gamma, tf.float32))
            out.append(np.where(found.numpy()[:, None, None, None], np.clip(x0 + best.numpy(), 0, 1), x0))
        adversarial = np.concatenate(out).astype(np.float32)
    return verified(model, images, labels, adversarial, norm)


def verified(model, images: np.ndarray, labels: np.ndarray, adversarial: np.ndarray,
             norm: str = "linf") -> tuple[np.ndarray, np.ndarray]:
    """(adversarial, eps*): eps* = ||adversarial - image|| in `norm` (float64) where the
    adversarial image is misclassified; elsewhere inf, and the image itself."""
    from core.attacks.predict import predict_logits

    wrong = predict_logits(model, adversarial).argmax(axis=1) != labels
    change = (adversarial.astype(np.float64) - images.astype(np.float64)).reshape(len(images), -1)
    distance = np.abs(change).max(axis=1) if norm == "linf" else np.linalg.norm(change, axis=1)
    epsilons = np.where(wrong, distance, np.inf)
    return np.where(wrong[:, None, None, None], adversarial, images).astype(np.float32), epsilons


def _run_foolbox(model, images, labels, steps, max_stepsize, min_stepsize, gamma, norm="linf") -> np.ndarray:
    """foolbox's LInfFMNAttack, or L2FMNAttack with its projection mended, on the model's logits
    (the reference)."""
    import eagerpy as ep
    import foolbox as fb
    from foolbox.devutils import atleast_kd, flatten

    class L2FMNProjected(fb.attacks.L2FMNAttack):
        """foolbox's L2 FMN, projecting onto the L2 ball of radius epsilon as Pintor et al. do."""

        def project(self, x, x0, epsilon):
            norms = ep.maximum(flatten(x - x0).norms.l2(axis=-1), 1e-12)
            return x0 + (x - x0) * atleast_kd(ep.minimum(1, epsilon / norms), x.ndim)

    kind = fb.attacks.LInfFMNAttack if norm == "linf" else L2FMNProjected
    attack = kind(steps=steps, max_stepsize=max_stepsize, min_stepsize=min_stepsize, gamma=gamma)
    fmodel = fb.TensorFlowModel(compiled.logits_model(model), bounds=(0, 1))
    out = [attack.run(fmodel, tf.constant(x0), fb.criteria.Misclassification(tf.constant(y))).numpy()
           for x0, y in zip(batches(images), batches(labels))]
    return np.clip(np.concatenate(out), 0, 1).astype(np.float32)
