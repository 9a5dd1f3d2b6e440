"""Grad-CAM (Selvaraju et al. 2017) on the backbone feature map that feeds the head.

For class c and feature maps A^k (the same layer in the attentive and vanilla variant, so
their maps are comparable):

    w_k^c = mean_{i,j} d y^c / d A^k_ij        y^c: the class LOGIT, before the softmax
    L^c   = ReLU( sum_k w_k^c A^k )            upsampled to the input, scaled to [0, 1]
"""

from __future__ import annotations

import weakref

import cv2
import numpy as np
import tensorflow as tf

from core.models.build import LOGITS_LAYER, feature_layer_name

_compiled: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _cam_function(model):
    if model not in _compiled:
        import keras

        features = model.get_layer(feature_layer_name(model)).output
        logits = model.get_layer(LOGITS_LAYER).output
        sub = keras.Model(model.inputs, [features, logits])
        spec = tf.TensorSpec((None, *model.input_shape[1:]), tf.float32)

        @tf.function(input_signature=[spec, tf.TensorSpec((None,), tf.int32)])
        def cam(images, classes):
            with tf.GradientTape() as tape:
                maps, scores = sub(images, training=False)
                chosen = tf.gather(scores, classes, axis=1, batch_dims=1)
            gradients = tape.gradient(chosen, maps)
            weights = tf.reduce_mean(gradients, axis=(1, 2), keepdims=True)
            return tf.nn.relu(tf.reduce_sum(weights * maps, axis=-1)), scores

        _compiled[model] = cam
    return _compiled[model]


def grad_cam(model, images, class_index=None) -> np.ndarray:
    """Grad-CAM maps, N x S x S float32 in [0, 1] at the input resolution.

    class_index: None explains each image's predicted class; an int explains that class
    for every image; a sequence gives one class per image.
    """
    images = np.asarray(images, np.float32)
    if images.ndim != 4:
        raise ValueError(f"images must be N x S x S x 3, got shape {images.shape}")
    classes_total = model.output_shape[-1]
    if class_index is None:
        classes = np.full(len(images), -1, np.int32)
    else:
        classes = np.broadcast_to(np.asarray(class_index, np.int32), (len(images),)).copy()
        if classes.min() < 0 or classes.max() >= classes_total:
            raise ValueError(f"class_index must be in [0, {classes_total - 1}], got {class_index}")
    cam = _cam_function(model)
    if (classes < 0).any():  # predicted class: one forward pass first
        _, scores = cam(tf.constant(images), tf.zeros(len(images), tf.int32))
        classes = np.where(classes < 0, scores.numpy().argmax(axis=1), classes).astype(np.int32)
    maps, _ = cam(tf.constant(images), tf.constant(classes))
    return upsample_and_scale(maps.numpy(), images.shape[1:3])


def upsample_and_scale(maps: np.ndarray, size) -> np.ndarray:
    """N x h x w maps -> N x H x W, bilinear, each divided by its maximum (0 stays 0)."""
    height, width = size
    out = np.stack([cv2.resize(m.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)
                    for m in maps]) if len(maps) else np.zeros((0, height, width), np.float32)
    out = np.maximum(out, 0)
    peak = out.reshape(len(out), -1).max(axis=1, initial=0)[:, None, None] if len(out) else 1
    return np.divide(out, peak, out=np.zeros_like(out), where=peak > 0).astype(np.float32)
