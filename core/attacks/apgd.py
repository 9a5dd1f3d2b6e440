"""Auto-PGD (Croce & Hein 2020, "Reliable evaluation of adversarial robustness with an
ensemble of diverse parameter-free attacks", Algorithm 1), untargeted, in the L-inf ball (the
paper's) or the L2 ball (core.attacks.norms: the step along the gradient over its L2 norm).

    eta_0 = 2 eps;  x_1 = P(x_0 + eta_0 normalize(grad f(x_0)))
    z_{k+1} = P(x_k + eta_k normalize(grad f(x_k)))
    x_{k+1} = P(x_k + alpha (z_{k+1} - x_k) + (1 - alpha)(x_k - x_{k-1})),  alpha = 0.75
    at checkpoints w_j = ceil(p_j N), p_0 = 0, p_1 = 0.22, p_{j+1} = p_j + max(p_j - p_{j-1} - 0.03, 0.06):
      halve eta and restart from the best point if the loss rose in fewer than rho = 75 %
      of the steps since the last checkpoint (condition 1), or if neither eta nor the best
      loss changed since the last checkpoint (condition 2).
    Returned: a misclassified iterate if one was met, else the best (highest-loss) point.

engine="native" runs the whole loop as one tf.function per model, loss and norm (the schedule
and step sizes are per example, as in the authors' code); engine="art" runs ART's
AutoProjectedGradientDescent on the same logits (norm=inf or 2), the reference.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import tensorflow as tf

from core.attacks import compiled, norms
from core.attacks.art_bridge import art_classifier, numpy_seed
from core.attacks.base import (BATCH_SIZE, LOSSES, batches, check_count, check_engine, check_images, check_labels,
                               check_loss)
from core.attacks.restarts import best_of_restarts

ENGINES = ("native", "art")
APGD_LOSSES = ("ce", "margin", "dlr")
MOMENTUM = 0.75  # alpha
RHO = 0.75  # condition 1: share of steps that must raise the loss
ART_LOSS_TYPES = {"ce": "cross_entropy", "dlr": "difference_logits_ratio", "margin": None}


def checkpoint_windows(steps: int) -> tuple[int, int, int]:
    """(first window, shortest window, decrease per window) in iterations: the checkpoint
    schedule p_1 = 0.22, windows shrinking by 0.03 N down to 0.06 N (as in the authors' code)."""
    return max(int(0.22 * steps), 1), max(int(0.06 * steps), 1), max(int(0.03 * steps), 1)


def _build_loop(logits_model, image_spec, loss_name, norm="linf"):
    loss = LOSSES[loss_name]
    count = tf.TensorSpec((), tf.int32)

    def evaluate(x, y):
        with tf.GradientTape() as tape:
            tape.watch(x)
            logits = logits_model(x, training=False)
            values = loss(logits, y)
            total = tf.reduce_sum(values)
        return values, tape.gradient(total, x), tf.argmax(logits, axis=1) != y

    @tf.function(input_signature=[image_spec, tf.TensorSpec((None,), tf.int64), image_spec,
                                  tf.TensorSpec((), tf.float32), count, count, count, count], autograph=False)
    def attack(x0, y, start, epsilon, steps, first_window, min_window, decrease):
        def per_image(mask):  # (N,) -> broadcastable over N x S x S x 3
            return mask[:, None, None, None]

        value, grad, fooled = evaluate(start, y)
        history = tf.TensorArray(tf.float32, size=steps + 1).write(0, value)
        n = tf.shape(x0)[0]

        def project(x):
            return norms.project(x, x0, epsilon, norm)

        def body(i, x, x_prev, grad, value_prev, eta, x_best, value_best, grad_best, x_fooled, fooled,
                 raised, since, window, best_at_check, reduced_at_check, history):
            alpha = tf.where(i > 0, MOMENTUM, 1.0)
            z = project(x + per_image(eta) * norms.normalize(grad, norm))
            x_new = project(alpha * z + (2 - 2 * alpha) * x - (1 - alpha) * x_prev)  # momentum
            value, grad_new, fooled_now = evaluate(x_new, y)
            x_fooled = tf.where(per_image(fooled_now & ~fooled), x_new, x_fooled)
            fooled = fooled | fooled_now
            raised += tf.cast(value > value_prev, tf.int32)
            improved = value > value_best
            x_best = tf.where(per_image(improved), x_new, x_best)
            grad_best = tf.where(per_image(improved), grad_new, grad_best)
            value_best = tf.where(improved, value, value_best)
            history = history.write(i + 1, value_best)
            since += 1

            def checkpoint():  # halve the step and restart from the best point where it stalled
                oscillating = tf.cast(raised, tf.float32) <= RHO * tf.cast(window, tf.float32)  # condition 1
                stalled = ~reduced_at_check & (best_at_check >= value_best)  # condition 2
                reduce = oscillating | stalled
                return (tf.where(reduce, eta / 2, eta), tf.where(per_image(reduce), x_best, x_new),
                        tf.where(per_image(reduce), grad_best, grad_new), reduce, value_best, tf.zeros_like(raised),
                        tf.maximum(window - decrease, min_window), tf.constant(0))

            def carry_on():
                return eta, x_new, grad_new, reduced_at_check, best_at_check, raised, window, since

            eta, x_next, grad_next, reduced_at_check, best_at_check, raised, window, since = tf.cond(
                since >= window, checkpoint, carry_on)
            return (i + 1, x_next, x, grad_next, value, eta, x_best, value_best, grad_best, x_fooled, fooled,
                    raised, since, window, best_at_check, reduced_at_check, history)

        state = (tf.constant(0), start, start, grad, value, tf.fill([n], 2.0 * epsilon), start, value, grad,
                 start, fooled, tf.zeros([n], tf.int32), tf.constant(0), first_window, value,
                 tf.zeros([n], tf.bool), history)
        final = tf.while_loop(lambda i, *rest: i < steps, body, state)
        x_best, value_best, x_fooled, fooled, history = final[6], final[7], final[9], final[10], final[16]
        return tf.where(per_image(fooled), x_fooled, x_best), value_best, history.stack()

    return attack


def apgd_start(images: np.ndarray, epsilon: float, seed, norm: str = "linf") -> np.ndarray:
    """The authors' random start, clipped to [0, 1]: L-inf x + eps * t / max|t|, t ~ U[-1, 1]^d;
    L2 x + eps * t / |t|_2, t ~ N(0, 1)^d (on the sphere)."""
    rng = np.random.default_rng(seed)
    t = (rng.uniform(-1, 1, images.shape) if norm == "linf" else rng.standard_normal(images.shape)).astype(np.float32)
    flat = t.reshape(len(t), -1)
    size = np.abs(flat).max(axis=1) if norm == "linf" else np.sqrt((flat.astype(np.float64) ** 2).sum(axis=1))
    shaped = np.maximum(size, 1e-12).reshape((-1,) + (1,) * (images.ndim - 1)).astype(np.float32)
    return np.clip(images + epsilon * t / shaped, 0.0, 1.0).astype(np.float32)


def apgd_with_history(model, images, labels, *, epsilon: float, steps: int = 100, loss: str = "ce",
                      seed=None, norm: str = "linf") -> tuple[np.ndarray, np.ndarray]:
    """One native APGD run: (adversarial images, best loss after each iteration, (steps + 1) x N)."""
    name = "apgd" if norm == "linf" else f"apgd-{norm}"  # one compiled loop per model, loss and norm
    loop = compiled.loop(model, name, loss, partial(_build_loop, norm=norm))
    start = apgd_start(images, epsilon, seed, norm)
    windows = [tf.constant(w, tf.int32) for w in checkpoint_windows(steps)]
    outs, histories = [], []
    for x0, y, s in zip(batches(images), batches(labels), batches(start)):
        adversarial, _, history = loop(tf.constant(x0), tf.constant(y), tf.constant(s),
                                       tf.constant(epsilon, tf.float32), tf.constant(steps, tf.int32), *windows)
        outs.append(adversarial.numpy())
        histories.append(history.numpy())
    return norms.enforce(np.concatenate(outs), images, epsilon, norm), np.concatenate(histories, axis=1)


def _run_art(model, images, labels, epsilon, steps, loss, seed, norm="linf") -> np.ndarray:
    from art.attacks.evasion import AutoProjectedGradientDescent

    attack = AutoProjectedGradientDescent(
        art_classifier(model, "margin" if loss == "margin" else "ce"), norm=np.inf if norm == "linf" else 2,
        eps=epsilon,
        eps_step=2 * epsilon,  # ART's eta starts at eps_step; the paper's at 2 eps
        max_iter=steps, targeted=False, nb_random_init=1, batch_size=BATCH_SIZE,
        loss_type=ART_LOSS_TYPES[loss], verbose=False)
    with numpy_seed(seed):
        return norms.enforce(attack.generate(images, y=labels), images, epsilon, norm)


def apgd(model, images, labels, *, epsilon: float, steps: int = 100, loss: str = "ce", restarts: int = 1,
         seed: int | None = None, engine: str = "native", norm: str = "linf") -> np.ndarray:
    """Untargeted APGD on the logits in the `norm` ball ("linf" or "l2"); returns adversarial
    images within `epsilon` of `images` in that norm and inside [0, 1].

    loss: "ce" (cross-entropy), "margin" (Carlini-Wagner logit margin) or "dlr" (difference
    of logits ratio; 3+ classes only). restarts: new random starts for the examples no
    earlier restart fooled, each keeping its worst case.
    """
    norm = norms.check_norm(norm)
    epsilon = norms.check_radius(epsilon, norm)
    steps, restarts = check_count("steps", steps), check_count("restarts", restarts)
    check_engine(engine, ENGINES)
    check_loss(model, loss, APGD_LOSSES)
    images = check_images(model, images)
    labels = check_labels(model, labels, len(images))
    if epsilon == 0 or len(images) == 0:
        return images.copy()

    def run(x0, y, restart_seed):
        if engine == "art":
            return _run_art(model, x0, y, epsilon, steps, loss, restart_seed, norm)
        return apgd_with_history(model, x0, y, epsilon=epsilon, steps=steps, loss=loss, seed=restart_seed,
                                 norm=norm)[0]

    return best_of_restarts(model, images, labels, run, restarts=restarts, seed=seed, loss=loss)
