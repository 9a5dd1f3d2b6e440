"""Score-CAM (Wang et al. 2020): each feature channel weighted by how much the input it
highlights, on its own, raises the class's confidence. Gradient-free.

    H_k = minmax(upsample(A^k))                        a soft mask per channel
    w_k = p^c(x * H_k) - p^c(0)                        increase of the softmax probability
    L^c = ReLU( sum_k w_k A^k )                        (Eq. 5-8; baseline: a black image)

The masked inputs of all channels are scored in batches.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from core.explain.maps import (check_images, explainer, features_and_logits, resolve_classes,
                               upsample_and_scale)

CHANNEL_BATCH = 64  # masked images scored at once


def _functions(model, layer: str | None = None):
    sub = features_and_logits(model, layer)

    def build(model):
        spec = tf.TensorSpec((None, *model.input_shape[1:]), tf.float32)

        @tf.function(input_signature=[spec])
        def feature_maps(images):
            return sub(images, training=False)[0]

        @tf.function(input_signature=[spec, tf.TensorSpec((), tf.int32)])
        def probability(images, class_index):
            return tf.nn.softmax(sub(images, training=False)[1])[:, class_index]

        return feature_maps, probability

    return explainer(model, ("score_cam", layer), build)


def score_cam(model, images, class_index=None, *, layer: str | None = None) -> np.ndarray:
    """Score-CAM maps, N x S x S float32 in [0, 1] (`layer` as in core.explain.gradcam.grad_cam)."""
    images = check_images(images)
    classes = resolve_classes(model, images, class_index)
    feature_maps, probability = _functions(model, layer)
    maps = feature_maps(tf.constant(images)).numpy()  # N x h x w x K
    height, width = images.shape[1:3]
    out = []
    for image, activation, target in zip(images, maps, classes):
        masks = tf.image.resize(activation[None], (height, width))[0].numpy()  # H x W x K
        low, high = masks.min(axis=(0, 1)), masks.max(axis=(0, 1))
        masks = np.divide(masks - low, high - low, out=np.zeros_like(masks), where=high > low)
        baseline = float(probability(tf.zeros((1, height, width, 3)), tf.constant(int(target)))[0])
        weights = np.empty(masks.shape[-1], np.float32)
        for start in range(0, masks.shape[-1], CHANNEL_BATCH):
            chunk = np.moveaxis(masks[..., start:start + CHANNEL_BATCH], -1, 0)[..., None] * image[None]
            weights[start:start + CHANNEL_BATCH] = probability(tf.constant(chunk), tf.constant(int(target))).numpy()
        out.append(np.maximum((activation * (weights - baseline)).sum(axis=-1), 0))
    return upsample_and_scale(np.stack(out), (height, width))
