"""Adversarial training in Keras 3: the standard defence the paper compares attention with.

    pgd-at   Madry et al. 2018: each batch is replaced by its PGD examples at defence_epsilon,
             defence_steps steps of 2.5 eps / steps from a uniform random start, and the
             model is trained on those (min over weights of max over the ball of the loss).
    trades   Zhang et al. 2019, eq. 5: cross-entropy on the clean batch plus
             beta * KL(p(x) || p(x')), x' maximising that KL in the ball (PGD on the KL from
             x + 0.001 N(0, 1), as the authors' code); beta = trades_beta (6, their default).

The inner maximisation of PGD-AT is the evaluation's own compiled PGD loop
(core.attacks.pgd, cross-entropy on the logits, the model in inference mode), called from
inside the train step, so the whole step is traced once. TRADES maximises another loss, the
KL to the clean prediction, with the same step and projection helpers. Class weights (the
paper's inverse-frequency weights) weight both losses per example, as Keras weights its own.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from core.attacks import compiled
from core.attacks.base import feasible_box, normalize
from core.attacks.pgd import _build_loop as build_pgd_loop

TRADES_START_SCALE = 0.001  # the TRADES authors' start: x + 0.001 * N(0, 1)


def inner_attack(model):
    """The PGD loop PGD-AT uses: the very function the evaluation's pgd() runs for `model`."""
    return compiled.loop(model, "pgd", "ce", build_pgd_loop)


def trades_loss(y_true, clean, adversarial, *, beta: float, sample_weight=None):
    """Zhang et al. 2019, eq. 5, per batch: mean of w * (CE(y, p(x)) + beta * KL(p(x) || p(x'))).
    With beta = 0 it is the weighted cross-entropy standard training minimises."""
    cross_entropy = keras.losses.categorical_crossentropy(y_true, clean)
    divergence = keras.losses.kl_divergence(clean, adversarial)
    per_example = cross_entropy + beta * divergence
    if sample_weight is not None:
        per_example = per_example * tf.cast(sample_weight, per_example.dtype)
    return tf.reduce_mean(per_example)


def _kl_loop(model, image_spec):
    """PGD on KL(p_clean || p(x')), with the evaluation loop's step and projection."""
    classes = model.output_shape[-1]
    scalar = tf.TensorSpec((), tf.float32)

    @tf.function(input_signature=[image_spec, tf.TensorSpec((None, classes), tf.float32), image_spec, scalar,
                                  scalar, tf.TensorSpec((), tf.int32)], autograph=False)
    def attack(x0, clean, start, epsilon, stepsize, steps):
        low, high = feasible_box(x0, epsilon)

        def step(i, x):
            with tf.GradientTape() as tape:
                tape.watch(x)
                total = tf.reduce_sum(keras.losses.kl_divergence(clean, model(x, training=False)))
            return i + 1, tf.clip_by_value(x + stepsize * normalize(tape.gradient(total, x)), low, high)

        _, x = tf.while_loop(lambda i, x: i < steps, step, (tf.constant(0), tf.clip_by_value(start, low, high)))
        return x

    return attack


def _attack_arguments(config) -> tuple:
    """(ε, step size, steps) of the training attack, as tensors for the compiled loop."""
    epsilon, steps = float(config.defence_epsilon), int(config.defence_steps)
    stepsize = 2.5 * epsilon / steps  # Madry et al.: 2.5 eps / steps, so the edge is reachable
    return tf.constant(epsilon), tf.constant(stepsize), tf.constant(steps)


def robust_validation_loss(model, dataset, config) -> float:
    """The validation loss on the validation images' PGD examples at the training ε (the
    training attack, from a random start), weighted as Keras weights val_loss. A defended run
    keeps the epoch where this is lowest, not the clean loss: the clean loss prefers the least
    robust epochs, and robust accuracy peaks early and then falls ("robust overfitting",
    Rice et al. 2020, who select on robust validation error for that reason)."""
    attack, arguments = inner_attack(model), _attack_arguments(config)
    epsilon = float(config.defence_epsilon)
    total, weight = 0.0, 0.0
    for batch in dataset:
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(batch)
        x = tf.convert_to_tensor(x, tf.float32)
        labels = tf.argmax(y, axis=-1, output_type=tf.int64)
        start = tf.clip_by_value(x + tf.random.uniform(tf.shape(x), -epsilon, epsilon), 0.0, 1.0)
        losses = keras.losses.categorical_crossentropy(y, model(attack(x, labels, start, *arguments), training=False))
        weights = tf.ones_like(losses) if sample_weight is None else tf.cast(sample_weight, losses.dtype)
        total += float(tf.reduce_sum(losses * weights))
        weight += float(tf.reduce_sum(weights))
    return total / weight if weight else float("nan")


def attach(model, config) -> None:
    """Make `model.fit` train under `config.defence` ("none": unchanged). Keras calls the
    model's train_step inside its one traced train function; the defended step is set on the
    instance (the model saved is the plain functional model, so checkpoints load as before;
    a resumed run attaches it again)."""
    if config.defence == "none":
        return
    epsilon, arguments = float(config.defence_epsilon), _attack_arguments(config)
    if config.defence == "pgd-at":
        standard, attack = model.train_step, inner_attack(model)

        def pgd_at_step(data):
            x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
            labels = tf.argmax(y, axis=-1, output_type=tf.int64)
            start = tf.clip_by_value(x + tf.random.uniform(tf.shape(x), -epsilon, epsilon), 0.0, 1.0)
            adversarial = tf.stop_gradient(attack(x, labels, start, *arguments))
            return standard(keras.utils.pack_x_y_sample_weight(adversarial, y, sample_weight))

        model.train_step = pgd_at_step
        return
    beta = float(config.trades_beta)
    attack = compiled.per_model(model, ("trades", "kl"), lambda m: _kl_loop(m, compiled.for_model(m).image_spec))

    def trades_step(data):
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        start = x + TRADES_START_SCALE * tf.random.normal(tf.shape(x))
        adversarial = tf.stop_gradient(attack(x, tf.stop_gradient(model(x, training=False)), start, *arguments))
        with tf.GradientTape() as tape:
            clean = model(x, training=True)
            loss = trades_loss(y, clean, model(adversarial, training=True), beta=beta, sample_weight=sample_weight)
        model._loss_tracker.update_state(loss)  # what Keras's own train_step reports as "loss"
        gradients = tape.gradient(loss, model.trainable_weights)
        model.optimizer.apply_gradients(zip(gradients, model.trainable_weights))
        return model.compute_metrics(x, y, clean, sample_weight=sample_weight)

    model.train_step = trades_step
