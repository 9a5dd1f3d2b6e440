"""Adversarial patches: a visible square whose pixels are free in [0, 1], optimised per image
where a real artefact would sit (Karmon et al. 2018, LaVAN: localised patches by masked
gradient ascent; Brown et al. 2017; Finlayson et al. 2019 patched fundus, chest x-ray and
dermoscopy models, these three tasks, and fooled them on nearly every image).

    x_adv = (1 - m) x + m p,      p_{t+1} = clip_[0,1](p_t + a sign(grad_p L(x_adv)))

m is the patch's square mask (a share `area` of the image), p starts uniform at random, L is
a loss of core.attacks.base.LOSSES on the logits. Each candidate location is attacked; per
image the worst is kept (a location that fools, with the largest loss, else the largest loss).
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from core.attacks import compiled
from core.attacks.base import batches, check_count, check_images, check_labels, check_loss, loss_function
from core.attacks.predict import predict_logits

AREAS = (0.01, 0.02, 0.04, 0.08)  # the shares of the image Finlayson et al.'s patches covered, and ours
PLACEMENTS = {
    "task": "where the task's artefacts sit: derm on the skin beside the lesion (ink, rulers), cxr at the "
            "border (markers, text), fundus on the retina away from the optic disc",
    "centre": "over the image's centre (the lesion, on the synthetic derm images)",
}
DEFAULT_STEPS = 100
DEFAULT_STEPSIZE = 0.05  # in [0, 1] pixel units per sign step: 20 steps cross the whole range


def patch_side(area: float, size: int) -> int:
    """The side in pixels of a square covering `area` of a size x size image (at least 1)."""
    if not 0 < area <= 0.5:
        raise ValueError(f"area must be a share of the image in (0, 0.5], got {area}")
    return max(1, round(math.sqrt(area) * size))


def candidate_corners(task: str | None, size: int, side: int, placement: str) -> list[tuple[int, int]]:
    """Top-left corners (row, column) of the candidate locations."""
    if placement not in PLACEMENTS:
        raise ValueError(f"placement must be one of {list(PLACEMENTS)}, got {placement!r}")
    last = size - side

    def at(row_share, column_share):  # a patch centred at (row, column) as shares of the image
        return (int(np.clip(round(row_share * size - side / 2), 0, last)),
                int(np.clip(round(column_share * size - side / 2), 0, last)))

    if placement == "centre":
        return [at(0.5, 0.5)]
    if task == "fundus":  # the synthetic optic disc sits left or right of the centre, on the horizontal
        return [at(0.25, 0.5), at(0.75, 0.5), at(0.3, 0.3), at(0.7, 0.7)]
    margin = max(1, size // 16)
    if task == "cxr":  # the border: laterality markers and text sit in the corners
        return [(margin, margin), (margin, last - margin), (last - margin, margin), (last - margin, last - margin)]
    # derm (and any other): the skin between the lesion and the corners, where ink and rulers are
    return [at(0.2, 0.2), at(0.2, 0.8), at(0.8, 0.2), at(0.8, 0.8)]


def square_mask(size: int, corner: tuple[int, int], side: int) -> np.ndarray:
    mask = np.zeros((size, size), np.float32)
    mask[corner[0]:corner[0] + side, corner[1]:corner[1] + side] = 1
    return mask


def _build_loop(logits_model, image_spec, loss_name):
    loss = loss_function(loss_name)
    scalar = tf.TensorSpec((), tf.float32)

    @tf.function(input_signature=[image_spec, tf.TensorSpec((None,), tf.int64), image_spec, image_spec, scalar,
                                  tf.TensorSpec((), tf.int32)], autograph=False)
    def attack(x0, y, mask, start, stepsize, steps):
        def step(i, p):
            with tf.GradientTape() as tape:
                tape.watch(p)
                x = x0 * (1 - mask) + p * mask
                total = tf.reduce_sum(loss(logits_model(x, training=False), y))
            return i + 1, tf.clip_by_value(p + stepsize * tf.sign(tape.gradient(total, p)) * mask, 0.0, 1.0)

        _, p = tf.while_loop(lambda i, p: i < steps, step, (tf.constant(0), start))
        return x0 * (1 - mask) + p * mask

    return attack


def patch(model, images, labels, *, area: float, placement: str = "task", task: str | None = None,
          steps: int = DEFAULT_STEPS, stepsize: float = DEFAULT_STEPSIZE, loss: str = "ce",
          seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Per-image adversarial patches covering `area` of each image (e.g. AREAS); returns
    (adversarial images, masks N x S x S with 1 inside the patch). Outside its patch an image
    is unchanged; inside, its pixels are anything in [0, 1]. `placement`: see PLACEMENTS
    (`task` names the task whose artefact locations "task" uses)."""
    images = check_images(model, images)
    labels = check_labels(model, labels, len(images))
    steps = check_count("steps", steps)
    check_loss(model, loss, ("ce", "margin", "dlr"))
    if not stepsize > 0:
        raise ValueError(f"stepsize must be positive, got {stepsize}")
    size = images.shape[1]
    side = patch_side(area, size)
    corners = candidate_corners(task, size, side, placement)
    if len(images) == 0:
        return images.copy(), np.zeros((0, size, size), np.float32)
    loop = compiled.loop(model, "patch", loss, _build_loop)
    rng = np.random.default_rng(seed)
    tried = []
    for corner in corners:
        mask = np.broadcast_to(square_mask(size, corner, side)[None, :, :, None], images.shape).astype(np.float32)
        start = rng.uniform(0, 1, images.shape).astype(np.float32)
        out = [loop(tf.constant(x), tf.constant(y), tf.constant(m), tf.constant(s), tf.constant(stepsize, tf.float32),
                    tf.constant(steps, tf.int32)).numpy()
               for x, y, m, s in zip(batches(images), batches(labels), batches(mask), batches(start))]
        adversarial = np.clip(np.concatenate(out), 0, 1)
        tried.append((adversarial, mask[..., 0]))
    return _worst(model, tried, labels, loss)


def _worst(model, tried, labels, loss) -> tuple[np.ndarray, np.ndarray]:
    """Per image, the candidate that fools with the largest loss, else the largest loss."""
    scores = []
    for adversarial, _ in tried:
        logits = predict_logits(model, adversarial)
        fooled = logits.argmax(axis=1) != labels
        value = loss_function(loss)(tf.constant(logits), tf.constant(labels.astype(np.int64))).numpy()
        scores.append(np.where(fooled, 1e9, 0) + value)
    best = np.argmax(np.stack(scores), axis=0)
    picked = np.arange(len(labels))
    adversarial = np.stack([t[0] for t in tried])[best, picked]
    masks = np.stack([t[1] for t in tried])[best, picked]
    return adversarial, masks
