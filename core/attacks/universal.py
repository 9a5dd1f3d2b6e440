"""A universal adversarial patch: one patch, learnt on some images, that fools a model on images
it has never seen (Brown et al. 2017): what a printed sticker or a marker left on the detector
could do to every radiograph, where the per-image patch (core.attacks.patch) needs the image.

    p* = argmax_p  mean_{(x, y) in batch}  L(f((1 - m) x + m p), y)

m is a square mask covering `area` of the image at one of the task's artefact locations
(core.attacks.patch.candidate_corners), p is learnt by sign-gradient ascent over random
minibatches; each candidate location is learnt in turn and the one that fools the most
training images is kept. engine="art" learns ART's AdversarialPatchTensorFlowV2 instead (a
circular patch of the same area, centred where ours is, no rotation), the reference a test
compares ours with on held-out images.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from core.attacks import compiled
from core.attacks.base import check_count, check_images, check_labels, check_loss, loss_function
from core.attacks.patch import candidate_corners, patch_side, square_mask
from core.attacks.predict import predict_logits

ENGINES = ("native", "art")
DEFAULT_STEPS = 200
DEFAULT_STEPSIZE = 0.01  # [0, 1] pixel units per sign step
BATCH = 32  # training images per step


@dataclass(frozen=True)
class UniversalPatch:
    """One learnt patch and where it goes: `canvas` (S x S x 3) holds its pixels inside `mask` (S x S)."""

    canvas: np.ndarray
    mask: np.ndarray
    area: float
    fooled_in_training: float  # share of the clean-correct training images it fooled

    def apply(self, images: np.ndarray) -> np.ndarray:
        """`images` with the patch pasted: unchanged outside the mask, the patch's pixels inside."""
        images = np.asarray(images, np.float32)
        if images.shape[1:3] != self.mask.shape:
            raise ValueError(f"the patch was learnt on {self.mask.shape[0]} px images, got {images.shape[1]} px")
        mask = self.mask[None, :, :, None]
        return (images * (1 - mask) + self.canvas[None] * mask).astype(np.float32)


def _build_step(logits_model, image_spec, loss_name):
    loss = loss_function(loss_name)
    canvas_spec = tf.TensorSpec((1, *image_spec.shape[1:]), tf.float32)
    mask_spec = tf.TensorSpec((1, *image_spec.shape[1:3], 1), tf.float32)

    @tf.function(input_signature=[image_spec, tf.TensorSpec((None,), tf.int64), mask_spec, canvas_spec,
                                  tf.TensorSpec((), tf.float32)], autograph=False)
    def step(x, y, mask, canvas, stepsize):
        with tf.GradientTape() as tape:
            tape.watch(canvas)
            patched = x * (1 - mask) + canvas * mask
            total = tf.reduce_mean(loss(logits_model(patched, training=False), y))
        return tf.clip_by_value(canvas + stepsize * tf.sign(tape.gradient(total, canvas)) * mask, 0.0, 1.0)

    return step


def universal_patch(model, images, labels, *, area: float, placement: str = "task", task: str | None = None,
                    steps: int = DEFAULT_STEPS, stepsize: float = DEFAULT_STEPSIZE, loss: str = "ce", seed: int = 0,
                    engine: str = "native") -> UniversalPatch:
    """One patch covering `area` of the image, learnt on `images` (their true `labels`) to fool
    as many of them as possible (untargeted), at the best of the task's artefact locations
    ("native") or, with engine="art", ART's AdversarialPatchTensorFlowV2 centred at the first
    of them. Apply it to any image with .apply()."""
    images = check_images(model, images)
    labels = check_labels(model, labels, len(images))
    steps = check_count("steps", steps)
    check_loss(model, loss, ("ce", "margin"))
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {list(ENGINES)}, got {engine!r}")
    if not stepsize > 0:
        raise ValueError(f"stepsize must be positive, got {stepsize}")
    if len(images) == 0:
        raise ValueError("a universal patch is learnt on at least one image, got none")
    size = images.shape[1]
    side = patch_side(area, size)
    corners = candidate_corners(task, size, side, placement)
    if engine == "art":
        return _art_patch(model, images, labels, area, corners[0], side, steps, stepsize, seed)
    step = compiled.loop(model, "universal-patch", loss, _build_step)
    rng = np.random.default_rng(seed)
    learnt = []
    for corner in corners:
        mask = square_mask(size, corner, side)
        canvas = tf.constant(rng.uniform(0, 1, (1, size, size, images.shape[3])).astype(np.float32))
        mask_t = tf.constant(mask[None, :, :, None])
        for _ in range(steps):
            chosen = rng.choice(len(images), size=min(BATCH, len(images)), replace=False)
            canvas = step(tf.constant(images[chosen]), tf.constant(labels[chosen]), mask_t, canvas,
                          tf.constant(stepsize, tf.float32))
        found = UniversalPatch(canvas.numpy()[0] * mask[:, :, None], mask, float(area), 0.0)
        learnt.append((fooled_share(model, found, images, labels), found))
    share, best = max(learnt, key=lambda item: item[0])
    return UniversalPatch(best.canvas, best.mask, best.area, share)


def fooled_share(model, found: UniversalPatch, images, labels) -> float:
    """The share of the clean-correct `images` that the patch fools."""
    labels = np.asarray(labels)
    clean = predict_logits(model, images).argmax(axis=1) == labels
    if not clean.any():
        return 0.0
    patched = predict_logits(model, found.apply(images[clean])).argmax(axis=1)
    return float((patched != labels[clean]).mean())


def art_scale(area: float) -> float:
    """ART's patch is a disc of diameter scale x the image side: the scale whose disc covers `area`."""
    return math.sqrt(4 * area / math.pi)


def _art_patch(model, images, labels, area, corner, side, steps, stepsize, seed) -> UniversalPatch:
    """ART's AdversarialPatchTensorFlowV2 (sign steps of `stepsize`, no rotation, fixed scale),
    centred at the centre of our square at `corner`; returned as the patch it pastes."""
    from art.attacks.evasion import AdversarialPatchTensorFlowV2

    from core.attacks.art_bridge import art_classifier, numpy_seed

    class CentredPatch(AdversarialPatchTensorFlowV2):
        """ART's patch, mended twice. With a location mask its training loop hands _random_overlay
        each batch's mask as a tensor, which it then assigns into (ART 1.20: TypeError); as an
        array it works. And its overlay warps the patch and its disc with fill_mode="REFLECT", so a
        disc scaled below the image's size is mirrored over the whole image (at 2 % of the area it
        covered 77 % here): the overlay is kept inside the one disc it means, `disc`."""

        disc = None  # S x S, 1 inside the disc of the patch's scale at its centre

        def _random_overlay(self, images, patch, scale=None, mask=None):
            out = super()._random_overlay(images, patch, scale=scale,
                                          mask=None if mask is None else np.array(mask, dtype=bool))
            disc = tf.constant(self.disc[None, :, :, None], out.dtype)
            return tf.convert_to_tensor(images, out.dtype) * (1 - disc) + out * disc

    size = images.shape[1]
    scale = art_scale(area)
    row, column = corner[0] + side // 2, corner[1] + side // 2
    centre = np.zeros((len(images), size, size), bool)  # ART zips one mask per training image
    centre[:, row, column] = True
    grid_rows, grid_columns = np.mgrid[0:size, 0:size]
    disc = (((grid_rows - row) ** 2 + (grid_columns - column) ** 2) <= (scale * size / 2) ** 2).astype(np.float32)
    epochs = max(1, round(steps * BATCH / len(images)))  # ART's iterations are epochs: as many gradient steps as ours
    attack = CentredPatch(art_classifier(model), rotation_max=0.0, scale_min=scale, scale_max=scale,
                          learning_rate=stepsize, max_iter=epochs, batch_size=BATCH, patch_shape=images.shape[1:],
                          optimizer="pgd", targeted=False, verbose=False)
    attack.disc = disc
    with numpy_seed(seed):
        tf.random.set_seed(seed)
        attack.generate(images, y=np.eye(int(model.output_shape[-1]), dtype=np.float32)[labels], mask=centre,
                        shuffle=False)
        blank = np.zeros((1, *images.shape[1:]), np.float32)
        pasted = attack.apply_patch(blank, scale=scale, mask=centre[:1])[0]
    found = UniversalPatch(np.clip(pasted, 0, 1) * disc[:, :, None], disc, float(area), 0.0)
    return UniversalPatch(found.canvas, found.mask, found.area, fooled_share(model, found, images, labels))
