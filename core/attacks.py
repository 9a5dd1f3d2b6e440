"""L-inf attacks with one signature (paper section 3.4; Madry et al. 2017).

    pgd(model, images, labels, *, epsilon, steps=40, rel_stepsize=0.01/0.3,
        random_start=True, restarts=1, seed=None, engine="native") -> adversarial images
    fgsm(model, images, labels, *, epsilon, engine="native")   -> one full-size sign step

The PGD iteration (foolbox's BaseGradientDescent, written once here):

    x_0     = clip_[0,1](x + U(-eps, eps))              random start (or x itself)
    x_{t+1} = clip_[0,1](project(x_t + a * normalize(grad L(x_t))))
    normalize = sign (L-inf steepest ascent), project = clip to [x - eps, x + eps],
    a = rel_stepsize * eps, L = cross-entropy of the model's LOGITS (not its softmax).

engine="native" runs that loop as one tf.function (a tf.while_loop), traced once per model
and reused for every epsilon and call; engine="foolbox" runs foolbox's LinfPGD on the same
logits, as the paper did. Both take the same starting point from `seed`, so they agree.
Images are N x S x S x 3 float32 in [0, 1]; labels are class indices.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from core.models.build import LOGITS_LAYER

PAPER_REL_STEPSIZE = 0.01 / 0.3  # foolbox LinfPGD's default
ENGINES = ("native", "foolbox")
BATCH_SIZE = 64  # images attacked at once; bounds memory on the paper's 224 px models

_compiled: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


# ----------------------------------------------------------------- the pure helpers

def normalize(gradients):
    """L-inf steepest-ascent direction: the sign of the gradient."""
    return tf.sign(gradients)


def project(x, x0, epsilon):
    """Back into the L-inf ball of radius epsilon around x0, then into the [0, 1] box."""
    return tf.clip_by_value(tf.clip_by_value(x, x0 - epsilon, x0 + epsilon), 0.0, 1.0)


def cross_entropy(logits, labels):
    """The paper's (and foolbox's) loss: softmax cross-entropy of the logits, per example.
    Its gradient is exactly 0 once the true class's softmax rounds to 1 in float32
    (a logit gap above ~100), which stalls PGD on over-confident models."""
    return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)


def margin(logits, labels):
    """Logit margin max_{j != y} z_j - z_y (Carlini & Wagner 2017), per example: never
    saturates, so its gradient still points somewhere when cross-entropy's is 0."""
    true = tf.gather(logits, labels, axis=1, batch_dims=1)
    others = tf.where(tf.one_hot(labels, tf.shape(logits)[1]) > 0, tf.float32.min, logits)
    return tf.reduce_max(others, axis=1) - true


LOSSES = {"ce": cross_entropy, "margin": margin}


def uniform_start(images: np.ndarray, epsilon: float, seed) -> np.ndarray:
    """Uniform noise in the epsilon-ball, clipped to [0, 1] (foolbox's LinfPGD start)."""
    noise = np.random.default_rng(seed).uniform(-epsilon, epsilon, images.shape).astype(np.float32)
    return np.clip(images + noise, 0.0, 1.0)


# --------------------------------------------------------------- compiled functions

@dataclass
class _Compiled:
    logits: "tf.types.experimental.GenericFunction"
    loss_per_example: "tf.types.experimental.GenericFunction"
    attacks: dict  # loss name -> compiled PGD loop
    logits_model: object


def logits_model(model):
    """keras.Model from the model's input to its "logits" layer (cached per model)."""
    return _compile(model).logits_model


def _compile(model) -> _Compiled:
    if model in _compiled:
        return _compiled[model]
    import keras

    try:
        logits_layer = model.get_layer(LOGITS_LAYER)
    except ValueError:
        raise ValueError(f"model {model.name!r} has no layer named '{LOGITS_LAYER}'; "
                         "attacks need the logits (build models with core.models.build)") from None
    sub = keras.Model(model.inputs, logits_layer.output, name=f"{model.name}_logits")
    spec = tf.TensorSpec((None, *model.input_shape[1:]), tf.float32)
    labels_spec = tf.TensorSpec((None,), tf.int64)
    scalar = tf.TensorSpec((), tf.float32)

    @tf.function(input_signature=[spec])
    def logits(x):
        return sub(x, training=False)

    @tf.function(input_signature=[spec, labels_spec])
    def loss_per_example(x, y):
        return cross_entropy(sub(x, training=False), y)

    def compile_attack(loss):
        # autograph off: the loop is an explicit tf.while_loop, nothing to convert
        @tf.function(input_signature=[spec, labels_spec, spec, scalar, scalar, tf.TensorSpec((), tf.int32)],
                     autograph=False)
        def attack(x0, y, start, epsilon, stepsize, steps):
            def step(i, x):
                with tf.GradientTape() as tape:
                    tape.watch(x)
                    total = tf.reduce_sum(loss(sub(x, training=False), y))
                gradients = tape.gradient(total, x)
                return i + 1, project(x + stepsize * normalize(gradients), x0, epsilon)

            _, x = tf.while_loop(lambda i, x: i < steps, step, (tf.constant(0), start))
            return x

        return attack

    attacks = {name: compile_attack(loss) for name, loss in LOSSES.items()}  # traced on first use
    _compiled[model] = _Compiled(logits, loss_per_example, attacks, sub)
    return _compiled[model]


def predict_logits(model, images: np.ndarray) -> np.ndarray:
    """The model's logits for `images`, through its compiled function, in batches."""
    fn = _compile(model).logits
    return np.concatenate([fn(tf.constant(b)).numpy() for b in _batches(images)]) if len(images) else (
        np.zeros((0, model.output_shape[-1]), np.float32))


def predict(model, images: np.ndarray) -> np.ndarray:
    """Softmax probabilities for `images` (computed from the logits)."""
    logits = predict_logits(model, _check_images(model, images))
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def example_loss(model, images: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Cross-entropy of each example on the logits."""
    fn = _compile(model).loss_per_example
    return np.concatenate([fn(tf.constant(x), tf.constant(y)).numpy()
                           for x, y in zip(_batches(images), _batches(labels))])


def _batches(array):
    return [array[i:i + BATCH_SIZE] for i in range(0, len(array), BATCH_SIZE)]


# ---------------------------------------------------------------------- validation

def _check_images(model, images) -> np.ndarray:
    images = np.asarray(images, dtype=np.float32)
    expected = tuple(model.input_shape[1:])
    if images.ndim != 4 or images.shape[1:] != expected:
        raise ValueError(f"images must be N x {' x '.join(map(str, expected))}, got shape {images.shape}")
    if images.size and (not np.isfinite(images).all() or images.min() < 0 or images.max() > 1):
        raise ValueError(f"images must be finite and in [0, 1], got range "
                         f"[{np.nanmin(images):.3g}, {np.nanmax(images):.3g}]")
    return images


def _check_labels(model, labels, count: int) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.shape != (count,):
        raise ValueError(f"labels must be one class index per image ({count}), got shape {labels.shape}")
    if labels.size and not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be integer class indices, got dtype {labels.dtype}")
    classes = model.output_shape[-1]
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(f"labels must be in [0, {classes - 1}], got {labels.min()}..{labels.max()}")
    return labels.astype(np.int64)  # foolbox + NumPy 2 need int64 (DESIGN.md section 7)


def _check_settings(epsilon, steps, rel_stepsize, restarts, engine, loss="ce") -> None:
    if not isinstance(epsilon, (int, float, np.floating, np.integer)) or math.isnan(epsilon):
        raise ValueError(f"epsilon must be a number in [0, 1], got {epsilon!r}")
    if not 0 <= epsilon <= 1:
        raise ValueError(f"epsilon must be in [0, 1] (pixel scale), got {epsilon}")
    if int(steps) != steps or steps < 1:
        raise ValueError(f"steps must be a whole number >= 1, got {steps}")
    if not rel_stepsize > 0:
        raise ValueError(f"rel_stepsize must be positive, got {rel_stepsize}")
    if int(restarts) != restarts or restarts < 1:
        raise ValueError(f"restarts must be a whole number >= 1, got {restarts}")
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {sorted(LOSSES)}, got {loss!r}")
    if engine == "foolbox" and loss != "ce":
        raise ValueError("the foolbox reference runs the paper's cross-entropy only; use engine='native'")


# -------------------------------------------------------------------------- attacks

def pgd(model, images, labels, *, epsilon: float, steps: int = 40,
        rel_stepsize: float = PAPER_REL_STEPSIZE, random_start: bool = True, restarts: int = 1,
        seed: int | None = None, engine: str = "native", loss: str = "ce") -> np.ndarray:
    """Untargeted L-inf PGD on the logits; returns adversarial images.

    loss: "ce" (the paper's cross-entropy) or "margin" (Carlini-Wagner logit margin, for
    over-confident models whose cross-entropy gradient underflows to 0).
    Every returned image lies within `epsilon` of its input in L-inf and inside [0, 1].
    With `restarts` > 1 (each from a new random start), each example keeps its worst case:
    a misclassified restart if any, else the one with the highest cross-entropy.
    """
    _check_settings(epsilon, steps, rel_stepsize, restarts, engine, loss)
    images = _check_images(model, images)
    labels = _check_labels(model, labels, len(images))
    if epsilon == 0 or len(images) == 0:
        return images.copy()
    best, best_score = None, None
    for restart_seed in np.random.SeedSequence(seed).spawn(restarts):
        start = uniform_start(images, float(epsilon), restart_seed) if random_start else images
        adversarial = _run(model, images, labels, start, float(epsilon), int(steps),
                           float(rel_stepsize) * float(epsilon), engine, loss)
        if restarts == 1:
            return adversarial
        score = _worst_case_score(model, adversarial, labels)
        if best is None:
            best, best_score = adversarial, score
        else:
            better = score > best_score
            best[better], best_score[better] = adversarial[better], score[better]
    return best


def fgsm(model, images, labels, *, epsilon: float, engine: str = "native", loss: str = "ce") -> np.ndarray:
    """Fast gradient sign method (Goodfellow et al. 2015): one step of size epsilon from the
    clean image; foolbox's LinfFastGradientAttack."""
    return pgd(model, images, labels, epsilon=epsilon, steps=1, rel_stepsize=1.0,
               random_start=False, engine=engine, loss=loss)


def _worst_case_score(model, adversarial, labels) -> np.ndarray:
    """Higher is worse for the model: misclassified first, then by loss."""
    logits = predict_logits(model, adversarial)
    wrong = logits.argmax(axis=1) != labels
    return wrong * 1e6 + example_loss(model, adversarial, labels)


def _run(model, images, labels, start, epsilon, steps, stepsize, engine, loss="ce") -> np.ndarray:
    if engine == "foolbox":
        return _run_foolbox(model, images, labels, start, epsilon, steps, stepsize)
    attack = _compile(model).attacks[loss]
    out = [attack(tf.constant(x0), tf.constant(y), tf.constant(s), tf.constant(epsilon, tf.float32),
                  tf.constant(stepsize, tf.float32), tf.constant(steps, tf.int32)).numpy()
           for x0, y, s in zip(_batches(images), _batches(labels), _batches(start))]
    return _enforce_ball(np.concatenate(out), images, epsilon)


def _enforce_ball(adversarial, images, epsilon) -> np.ndarray:
    """Guarantee |x - x0| <= epsilon exactly: x0 + eps rounded to float32 can land one ulp
    outside the ball, so such values are stepped back towards x0 one ulp at a time."""
    x = np.clip(np.clip(adversarial, images - epsilon, images + epsilon), 0.0, 1.0).astype(np.float32)
    outside = np.abs(x.astype(np.float64) - images) > epsilon
    while outside.any():
        x[outside] = np.nextafter(x[outside], images[outside])
        outside = np.abs(x.astype(np.float64) - images) > epsilon
    return x


def _run_foolbox(model, images, labels, start, epsilon, steps, stepsize, *, compiled=False) -> np.ndarray:
    """foolbox's own LinfPGD loop on the logits; `compiled` wraps the forward pass in a
    tf.function (foolbox still differentiates it step by step in eager mode)."""
    import eagerpy as ep
    import foolbox as fb

    class LinfPGDFrom(fb.attacks.LinfPGD):
        """foolbox's LinfPGD, started where the native engine starts (same seed)."""

        start = None

        def get_random_start(self, x0, epsilon):
            return ep.astensor(tf.constant(self.start))

    attack = LinfPGDFrom(abs_stepsize=stepsize, steps=steps, random_start=True)
    forward = _compile(model).logits if compiled else logits_model(model)
    fmodel = fb.TensorFlowModel(forward, bounds=(0, 1))
    out = []
    for x0, y, s in zip(_batches(images), _batches(labels), _batches(start)):
        attack.start = s
        _, clipped, _ = attack(fmodel, tf.constant(x0), tf.constant(y, tf.int64), epsilons=[epsilon])
        out.append(clipped[0].numpy())
    return _enforce_ball(np.concatenate(out), images, epsilon)


# ------------------------------------------------------------------------- transfer

def transfer(source, target, images, labels, *, epsilon: float, **pgd_options) -> tuple[np.ndarray, np.ndarray]:
    """Craft PGD examples on `source`, evaluate them on `target` (black-box transfer).

    Returns (adversarial images, target's probabilities on them). With the vanilla twin
    as source and the attentive model as target, a target that resists white-box PGD
    but falls to transfer is masking gradients rather than robust (Carlini et al. 2019).
    """
    adversarial = pgd(source, images, labels, epsilon=epsilon, **pgd_options)
    return adversarial, predict(target, adversarial)


def accuracy(model, images, labels) -> float:
    """Unweighted accuracy (paper section 3.4)."""
    labels = np.asarray(labels)
    if len(labels) == 0:
        return float("nan")
    return float((predict(model, images).argmax(axis=1) == labels).mean())
