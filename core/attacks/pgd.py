"""Projected gradient descent (Madry et al. 2017; the paper's attack, section 3.4), in the
L-inf ball (the paper's) or the L2 ball (core.attacks.norms).

    x_0     = clip_[0,1](x + U(ball of radius eps))      random start (or x itself)
    x_{t+1} = project(x_t + a * normalize(grad L(x_t)))
    a = rel_stepsize * eps, L one of core.attacks.base.LOSSES on the model's LOGITS.

engine="native" runs the loop as one tf.function (a tf.while_loop), traced once per model,
loss and norm; engine="foolbox" runs foolbox's own LinfPGD or L2PGD on the same logits (the
paper's library, the reference). Both start from the same point for the same seed, so they agree.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from functools import partial
from typing import Callable

from core.attacks import compiled, norms
from core.attacks.base import (BATCH_SIZE, batches, check_count, check_engine, check_images, check_labels, check_loss,
                               check_target, loss_function, LOSSES, seed_sequence)
from core.attacks.restarts import best_of_restarts
from core.paper import PAPER_REL_STEPSIZE, PAPER_STEPS

ENGINES = ("native", "foolbox")
FOOLBOX_LOSSES = ("ce", "softmax-ce")  # what foolbox computes: CE of the logits, or of the softmax output


def _build_loop(logits_model, image_spec, loss_name, norm="linf"):
    loss = loss_function(loss_name)
    # epsilon and stepsize: one value for the batch, or one per image (N x 1 x 1 x 1, pgd_each);
    # a signature of any shape is traced once and serves both
    radius = tf.TensorSpec(None, tf.float32)

    # autograph off: the loop is an explicit tf.while_loop, nothing to convert
    @tf.function(input_signature=[image_spec, tf.TensorSpec((None,), tf.int64), image_spec, radius, radius,
                                  tf.TensorSpec((), tf.int32)], autograph=False)
    def attack(x0, y, start, epsilon, stepsize, steps):
        # one value, or one per image: as N x 1 x 1 x 1 either way, so x keeps its static shape
        epsilon, stepsize = tf.reshape(epsilon, (-1, 1, 1, 1)), tf.reshape(stepsize, (-1, 1, 1, 1))

        def step(i, x):
            with tf.GradientTape() as tape:
                tape.watch(x)
                total = tf.reduce_sum(loss(logits_model(x, training=False), y))
            gradients = tape.gradient(total, x)
            return i + 1, norms.project(x + stepsize * norms.normalize(gradients, norm), x0, epsilon, norm)

        _, x = tf.while_loop(lambda i, x: i < steps, step, (tf.constant(0), start))
        return x

    return attack


def progress_every(steps: int) -> int:
    """How many steps pass between two progress reports: about five reports per run, never
    fewer than two steps apart (each report costs the caller a forward pass)."""
    return max(2, -(-int(steps) // 5))


def pgd(model, images, labels, *, epsilon: float, steps: int = PAPER_STEPS, rel_stepsize: float = PAPER_REL_STEPSIZE,
        random_start: bool = True, restarts: int = 1, seed: int | None = None, engine: str = "native",
        loss: str = "ce", target=None, norm: str = "linf",
        on_progress: Callable[[int, int, np.ndarray], None] | None = None) -> np.ndarray:
    """PGD on the logits in the `norm` ball ("linf", the paper's, or "l2"), untargeted (away
    from `labels`) or, with `target` (a class, or one per image), targeted: towards the target
    class; returns adversarial images.

    loss: "ce" (the paper's cross-entropy), "margin" (Carlini-Wagner logit margin, for
    over-confident models whose cross-entropy gradient underflows to 0), "dlr" (3+ classes)
    or "softmax-ce" (the softmax output taken as logits: the paper's likely artefact).
    Every returned image lies within `epsilon` of its input in `norm` and inside [0, 1].
    With `restarts` > 1 each example keeps its worst case (core.attacks.restarts); targeted,
    the first restart that reaches its target, else the one nearest to it. Targeted runs on
    the native engine with loss "ce" or "margin".
    On two classes, targeted at the other class is the untargeted attack: both losses are
    increasing functions of z_other - z_true, so their gradients have the same sign.

    on_progress(steps done, steps, adversarial so far): called every progress_every(steps)
    steps of each restart (native engine), so a slow model's verdict can be shown as the
    attack runs. The loop is cut into chunks that continue where the last one stopped (every
    step is the same map of x_t), so the result is the one the uncut loop returns.
    """
    norm = norms.check_norm(norm)
    epsilon = norms.check_radius(epsilon, norm)
    steps, restarts = check_count("steps", steps), check_count("restarts", restarts)
    if not rel_stepsize > 0:
        raise ValueError(f"rel_stepsize must be positive, got {rel_stepsize}")
    check_engine(engine, ENGINES)
    check_loss(model, loss, FOOLBOX_LOSSES if engine == "foolbox" else tuple(LOSSES))
    images = check_images(model, images)
    labels = check_labels(model, labels, len(images))
    target = check_target(model, target, labels, loss)
    if target is not None and engine != "native":
        raise ValueError(f"targeted PGD runs on the native engine, got engine={engine!r}")
    if epsilon == 0 or len(images) == 0:
        return images.copy()
    stepsize = float(rel_stepsize) * epsilon
    loop_loss = loss if target is None else f"targeted-{loss}"

    def run(x0, y, restart_seed):
        start = norms.random_start(x0, epsilon, restart_seed, norm) if random_start else x0
        if engine == "foolbox":
            return _run_foolbox(model, x0, y, start, epsilon, steps, stepsize, loss=loss, norm=norm)
        found = _run_native(model, x0, y, start, np.float32(epsilon), np.float32(stepsize), steps, loop_loss, norm,
                            None if on_progress is None else
                            lambda done, x, part: on_progress(done, steps, norms.enforce(x, x0[part], epsilon, norm)))
        return norms.enforce(found, x0, epsilon, norm)

    if target is not None:  # the loop climbs towards y = the target
        return best_of_restarts(model, images, target, run, restarts=restarts, seed=seed, loss=loop_loss,
                                reached=lambda predicted, target: predicted == target)
    return best_of_restarts(model, images, labels, run, restarts=restarts, seed=seed, loss=loss)


def _run_native(model, x0, y, start, epsilon, stepsize, steps: int, loop_loss: str, norm: str, report=None):
    """The compiled loop from `start`, BATCH_SIZE images at a time; epsilon and stepsize are one
    float32 for every image or an array of one per image. report(steps done, x so far, the
    slice of x0 it is), every progress_every(steps) steps, before the last."""
    name = "pgd" if norm == "linf" else f"pgd-{norm}"  # one compiled loop per model, loss and norm
    loop = compiled.loop(model, name, loop_loss, partial(_build_loop, norm=norm))
    chunk = steps if report is None else progress_every(steps)
    per_image = np.ndim(epsilon) > 0  # the loop reshapes one value or N values to N x 1 x 1 x 1
    out = []
    for first in range(0, len(x0), BATCH_SIZE):
        part = slice(first, first + BATCH_SIZE)
        a = x0[part]
        radius, step = (epsilon[part], stepsize[part]) if per_image else (epsilon, stepsize)
        x, done = tf.constant(start[part]), 0
        while done < steps:
            now = min(chunk, steps - done)
            x = loop(tf.constant(a), tf.constant(y[part]), x, tf.constant(radius, tf.float32),
                     tf.constant(step, tf.float32), tf.constant(now, tf.int32))
            done += now
            if report is not None and done < steps:  # the last chunk's result is the reply itself
                report(done, x.numpy(), part)
        out.append(x.numpy())
    return np.concatenate(out)


def pgd_each(model, images, labels, *, epsilons, seeds, steps: int = PAPER_STEPS,
             rel_stepsize: float = PAPER_REL_STEPSIZE, random_start: bool = True, loss: str = "ce",
             norm: str = "linf", on_progress: Callable[[int, int, np.ndarray], None] | None = None) -> np.ndarray:
    """Each image's own untargeted PGD, at its own epsilon and seed, in one batch: row i is what
    pgd(model, images[i:i+1], labels[i:i+1], epsilon=epsilons[i], seed=seeds[i], ...) returns
    with one restart on the native engine (its start drawn as that call draws it; the steps the
    same up to the float rounding of a batched convolution). The engine runs several sessions'
    columns of one model this way (core.explore.explore_many): on this 2-core CPU ten PGD steps
    on five 96 px images took 2.6x less time than on each alone.
    on_progress(steps done, steps, adversarial so far) as pgd's, for the whole batch."""
    norm = norms.check_norm(norm)
    steps = check_count("steps", steps)
    if not rel_stepsize > 0:
        raise ValueError(f"rel_stepsize must be positive, got {rel_stepsize}")
    check_loss(model, loss, tuple(LOSSES))
    images = check_images(model, images)
    labels = check_labels(model, labels, len(images))
    epsilons = np.array([norms.check_radius(e, norm) for e in epsilons], np.float64)
    if len(epsilons) != len(images) or len(seeds) != len(images):
        raise ValueError(f"give one epsilon and one seed per image: {len(images)} images, {len(epsilons)} "
                         f"epsilons, {len(seeds)} seeds")
    if len(images) == 0:
        return images.copy()
    starts = np.concatenate([norms.random_start(x[None], e, seed_sequence(s).spawn(1)[0], norm)
                             if random_start and e > 0 else x[None] for x, e, s in zip(images, epsilons, seeds)])

    def enforce(x, x0, radii):
        return np.concatenate([norms.enforce(one[None], start[None], e, norm) if e > 0 else start[None]
                               for one, start, e in zip(x, x0, radii)])

    report = None if on_progress is None else lambda done, x, part: on_progress(
        done, steps, enforce(x, images[part], epsilons[part]))
    found = _run_native(model, images, labels, starts, epsilons.astype(np.float32),
                        (float(rel_stepsize) * epsilons).astype(np.float32), steps, loss, norm, report)
    return enforce(found, images, epsilons)


def _run_foolbox(model, images, labels, start, epsilon, steps, stepsize, *, loss="ce",
                 compiled_forward=False, norm="linf") -> np.ndarray:
    """foolbox's own LinfPGD (or L2PGD) loop. On the logits (loss "ce"), or on the model's
    softmax output ("softmax-ce": foolbox handed the Keras model itself, as the paper most
    likely did). `compiled_forward` wraps the logits in a tf.function (foolbox still
    differentiates step by step in eager mode)."""
    import eagerpy as ep
    import foolbox as fb

    base = fb.attacks.LinfPGD if norm == "linf" else fb.attacks.L2PGD

    class PGDFrom(base):
        """foolbox's PGD, started where the native engine starts (same seed)."""

        start = None

        def get_random_start(self, x0, epsilon):
            return ep.astensor(tf.constant(self.start))

    attack = PGDFrom(abs_stepsize=stepsize, steps=steps, random_start=True)
    if loss == "softmax-ce":
        forward = model
    else:
        forward = compiled.for_model(model).logits if compiled_forward else compiled.logits_model(model)
    fmodel = fb.TensorFlowModel(forward, bounds=(0, 1))
    out = []
    for x0, y, s in zip(batches(images), batches(labels), batches(start)):
        attack.start = s
        _, clipped, _ = attack(fmodel, tf.constant(x0), tf.constant(y, tf.int64), epsilons=[epsilon])
        out.append(clipped[0].numpy())
    return norms.enforce(np.concatenate(out), images, epsilon, norm)
