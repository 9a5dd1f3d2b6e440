"""Integrated Gradients (Sundararajan et al. 2017) through PAIR's `saliency` package.

    IG_i(x) = (x_i - x'_i) * integral_0^1 d y^c(x' + a (x - x')) / d x_i da

y^c is the class logit; x' a baseline: a black image, or the image blurred (a baseline that
keeps the image's coarse content, so the attribution is about its fine detail). PAIR's
framework-agnostic IntegratedGradients does the path integral; our compiled gradient of the
logits is its model callback, one batched call per image. The map is the absolute
attribution summed over the colour channels, scaled to [0, 1].
"""

from __future__ import annotations

import cv2
import numpy as np
import tensorflow as tf

from core.explain.maps import check_images, explainer, resolve_classes, scale_each
from core.attacks.compiled import logits_model

STEPS = 32  # points on the path (Riemann sum)
BLUR_SIGMA = 0.1  # of the image side, for the blurred baseline


def _input_gradients(model):
    def build(model):
        sub = logits_model(model)
        spec = tf.TensorSpec((None, *model.input_shape[1:]), tf.float32)

        @tf.function(input_signature=[spec, tf.TensorSpec((), tf.int32)])
        def gradients(images, class_index):
            with tf.GradientTape() as tape:
                tape.watch(images)
                chosen = sub(images, training=False)[:, class_index]
            return tape.gradient(chosen, images)

        return gradients

    return explainer(model, "input_gradients", build)


def baseline_for(image: np.ndarray, baseline: str) -> np.ndarray:
    if baseline == "black":
        return np.zeros_like(image)
    if baseline == "blur":
        sigma = BLUR_SIGMA * image.shape[0]
        return cv2.GaussianBlur(image, (0, 0), sigmaX=sigma, sigmaY=sigma)
    raise ValueError(f"baseline must be 'black' or 'blur', got {baseline!r}")


def integrated_gradients(model, images, class_index=None, *, baseline: str = "black",
                         steps: int = STEPS) -> np.ndarray:
    """|Integrated Gradients| summed over channels, N x S x S float32 in [0, 1]."""
    import saliency.core as saliency

    images = check_images(images)
    classes = resolve_classes(model, images, class_index)
    gradients = _input_gradients(model)

    def call_model(batch, call_model_args=None, expected_keys=None):
        values = gradients(tf.constant(np.asarray(batch, np.float32)), tf.constant(call_model_args["class"]))
        return {saliency.INPUT_OUTPUT_GRADIENTS: values.numpy()}

    method = saliency.IntegratedGradients()
    maps = [np.abs(method.GetMask(image, call_model, call_model_args={"class": int(target)},
                                  x_baseline=baseline_for(image, baseline), x_steps=steps, batch_size=steps)).sum(axis=-1)
            for image, target in zip(images, classes)]
    return scale_each(np.stack(maps).astype(np.float32)) if maps else np.zeros((0, *images.shape[1:3]), np.float32)


def integrated_gradients_blur(model, images, class_index=None) -> np.ndarray:
    """Integrated Gradients from a blurred copy of the image."""
    return integrated_gradients(model, images, class_index, baseline="blur")
