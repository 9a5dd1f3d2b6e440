"""Grad-CAM (Selvaraju et al. 2017) on the backbone feature map that feeds the head.

For class c and feature maps A^k (the same layer in the attentive and vanilla variant, so
their maps are comparable):

    w_k^c = mean_{i,j} d y^c / d A^k_ij        y^c: the class LOGIT, before the softmax
    L^c   = ReLU( sum_k w_k^c A^k )            upsampled to the input, scaled to [0, 1]
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from core.explain.maps import check_images, explainer, features_and_logits, resolve_classes, upsample_and_scale


def feature_gradients(model, score: str = "logit", layer: str | None = None):
    """Compiled (images, classes) -> (feature maps A, dy^c/dA) with y^c the class logit, or
    its softmax probability when score == "softmax"; A is `layer`'s (maps.features_and_logits)."""
    sub = features_and_logits(model, layer)

    def build(model):
        spec = tf.TensorSpec((None, *model.input_shape[1:]), tf.float32)

        @tf.function(input_signature=[spec, tf.TensorSpec((None,), tf.int32)])
        def gradients(images, classes):
            with tf.GradientTape() as tape:
                tape.watch(images)  # records the graph even where no layer has a trainable weight (a frozen model)
                maps, logits = sub(images, training=False)
                scores = tf.nn.softmax(logits) if score == "softmax" else logits
                chosen = tf.gather(scores, classes, axis=1, batch_dims=1)
            return maps, tape.gradient(chosen, maps)

        return gradients

    return explainer(model, (f"feature_gradients_{score}", layer), build)


def grad_cam(model, images, class_index=None, *, layer: str | None = None) -> np.ndarray:
    """Grad-CAM maps, N x S x S float32 in [0, 1] at the input resolution.

    class_index: None explains each image's predicted class; an int explains that class
    for every image; a sequence gives one class per image. layer: an imported model's other
    marked feature map (core.explain.maps.saliency_layers); None: the model's own.
    """
    return _grad_cam(model, images, class_index, "logit", layer)


def _grad_cam(model, images, class_index, score: str, layer: str | None = None) -> np.ndarray:
    images = check_images(images)
    classes = resolve_classes(model, images, class_index)
    maps, gradients = feature_gradients(model, score, layer)(tf.constant(images), tf.constant(classes))
    weights = tf.reduce_mean(gradients, axis=(1, 2), keepdims=True)
    return upsample_and_scale(tf.nn.relu(tf.reduce_sum(weights * maps, axis=-1)).numpy(), images.shape[1:3])
