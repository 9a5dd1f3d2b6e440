"""Square Attack (Andriushchenko et al. 2020), untargeted: a random search that only
queries the model's predictions, so gradient masking does not blind it (with a small query
budget it is a check on the gradient attacks, not a guarantee).

    init:  x_best = clip(x + eps * vertical stripes of random sign)
    each query: pick a random square of side s = round(sqrt(p * H * W)) per image and a
           random sign per channel; set the perturbation inside the square to +-eps;
           keep the candidate if it lowers the margin z_y - max_{j != y} z_j.
    p starts at p_init and halves at 0.1 %, 0.5 %, 2 %, 5 %, 10 %, 20 %, 40 %, 60 % and 80 %
    of the query budget (the authors' schedule). An image is done once it is misclassified.

engine="native" runs the L-inf search in compiled chunks and drops the fooled images between
chunks; engine="art" runs ART's SquareAttack, the reference, and is the L2 attack (norm="l2":
the authors' L2 update, two windows of opposite mass, which our native loop does not
implement; it only serves as the gradient-free check of the L2 protocol, on the images the
gradient attacks left). Neither computes a gradient.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from core.attacks import compiled, norms
from core.attacks.art_bridge import art_classifier, numpy_seed
from core.attacks.base import (BATCH_SIZE, batches, check_count, check_engine, check_images,
                               check_labels, enforce_ball, margin)
from core.attacks.predict import predict_logits, true_class_margin
from core.attack_settings import P_INIT

ENGINES = ("native", "art")
CHUNK = 50  # queries between two removals of the fooled images
_SCHEDULE = tf.constant([10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000], tf.int32)  # per 10,000 queries


def square_fraction(query, total, p_init=P_INIT):
    """Share p of the image that the square covers at `query` of `total` (authors' schedule)."""
    progress = tf.cast(tf.cast(query, tf.float32) / tf.cast(total, tf.float32) * 10000.0, tf.int32)
    halvings = tf.reduce_sum(tf.cast(progress > _SCHEDULE, tf.float32))
    return p_init * tf.pow(0.5, halvings)


def _build_loop(logits_model, image_spec, _loss):
    count = tf.TensorSpec((), tf.int32)

    @tf.function(input_signature=[image_spec, tf.TensorSpec((None,), tf.int64), image_spec,
                                  tf.TensorSpec((None,), tf.float32), tf.TensorSpec((), tf.float32), count, count,
                                  count, tf.TensorSpec((), tf.float32), tf.TensorSpec((2,), tf.int64)],
                 autograph=False)
    def search(x0, y, x_best, margin_best, epsilon, first, queries, total, p_init, seed):
        shape = tf.shape(x0)
        n, height, width, channels = shape[0], shape[1], shape[2], shape[3]
        rows_grid = tf.range(height)[None, :, None, None]
        cols_grid = tf.range(width)[None, None, :, None]

        def true_margin(x):  # z_y - max_{j != y} z_j: the negated attack loss `margin`
            return -margin(logits_model(x, training=False), y)

        def body(i, x_best, margin_best):
            query = first + i
            area = square_fraction(query, total, p_init) * tf.cast(height * width, tf.float32)
            side = tf.clip_by_value(tf.cast(tf.round(tf.sqrt(area)), tf.int32), 1, height - 1)
            keys = [tf.stack([seed[0] + k, seed[1] + tf.cast(query, tf.int64)]) for k in (1, 2, 3)]
            top = tf.random.stateless_uniform([n], keys[0], 0, height - side + 1, tf.int32)[:, None, None, None]
            left = tf.random.stateless_uniform([n], keys[1], 0, width - side + 1, tf.int32)[:, None, None, None]
            signs = tf.sign(tf.random.stateless_uniform([n, 1, 1, channels], keys[2], -1.0, 1.0))
            inside = ((rows_grid >= top) & (rows_grid < top + side) &
                      (cols_grid >= left) & (cols_grid < left + side))
            candidate = tf.clip_by_value(x0 + tf.where(inside, epsilon * signs, x_best - x0), 0.0, 1.0)
            value = true_margin(candidate)
            better = (margin_best > 0) & (value < margin_best)
            return (i + 1, tf.where(better[:, None, None, None], candidate, x_best),
                    tf.where(better, value, margin_best))

        _, x_best, margin_best = tf.while_loop(lambda i, *rest: i < queries, body,
                                               (tf.constant(0), x_best, margin_best))
        return x_best, margin_best

    return search


def _run_native(model, images, labels, epsilon, queries, p_init, seed) -> np.ndarray:
    rng = np.random.default_rng(seed)
    stripes = rng.choice(np.float32([-epsilon, epsilon]), size=(len(images), 1, images.shape[2], images.shape[3]))
    best = np.clip(images + stripes, 0.0, 1.0).astype(np.float32)
    margins = true_class_margin(predict_logits(model, best), labels).astype(np.float32)
    key = rng.integers(0, 2**62, size=2)
    search = compiled.loop(model, "square", "margin", _build_loop)
    done = 1  # the stripes were one query
    while done < queries:
        active = np.flatnonzero(margins > 0)
        if not active.size:
            break
        chunk = min(CHUNK, queries - done)
        for offset, part in enumerate(batches(active)):
            x_best, margin_best = search(
                tf.constant(images[part]), tf.constant(labels[part]), tf.constant(best[part]),
                tf.constant(margins[part]), tf.constant(epsilon, tf.float32), tf.constant(done, tf.int32),
                tf.constant(chunk, tf.int32), tf.constant(queries, tf.int32), tf.constant(p_init, tf.float32),
                tf.constant(key + np.array([4 * offset, 0]), tf.int64))
            best[part], margins[part] = x_best.numpy(), margin_best.numpy()
        done += chunk
    return enforce_ball(best, images, epsilon)


def _run_art(model, images, labels, epsilon, queries, p_init, seed, norm="linf") -> np.ndarray:
    from art.attacks.evasion import SquareAttack

    attack = SquareAttack(art_classifier(model), norm=np.inf if norm == "linf" else 2, max_iter=queries, eps=epsilon,
                          p_init=p_init, nb_restarts=1, batch_size=BATCH_SIZE, verbose=False)
    with numpy_seed(seed), np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        found = attack.generate(images, y=labels).astype(np.float32)
    # ART's L2 update divides by a window's norm, which is 0 where the image is flat and clipped:
    # such an image comes back not finite and keeps its input (no adversarial found there)
    finite = np.isfinite(found).all(axis=tuple(range(1, found.ndim)))
    return norms.enforce(np.where(finite[:, None, None, None], found, images), images, epsilon, norm)


def square(model, images, labels, *, epsilon: float, queries: int = 1000, p_init: float = P_INIT,
           seed: int | None = None, engine: str = "native", norm: str = "linf") -> np.ndarray:
    """Untargeted Square Attack with at most `queries` predictions per image; returns
    adversarial images within `epsilon` of `images` in `norm` ("linf", or "l2" on the "art"
    engine) and inside [0, 1]."""
    norm = norms.check_norm(norm)
    epsilon = norms.check_radius(epsilon, norm)
    queries = check_count("queries", queries)
    if not 0 < p_init <= 1:
        raise ValueError(f"p_init must be in (0, 1], got {p_init}")
    check_engine(engine, ENGINES)
    if norm == "l2" and engine != "art":
        raise ValueError(f"Square-L2 runs on ART's SquareAttack(norm=2): engine must be 'art', got {engine!r}")
    images = check_images(model, images)
    labels = check_labels(model, labels, len(images))
    if epsilon == 0 or len(images) == 0:
        return images.copy()
    if engine == "art":
        return _run_art(model, images, labels, epsilon, queries, float(p_init), seed, norm)
    return _run_native(model, images, labels, epsilon, queries, float(p_init), seed)
