"""Grad-CAM++ (Chattopadhyay et al. 2018), on the same feature map as Grad-CAM.

With the class score taken through an exponential (the authors' closed form), the pixel
weights need only the first gradients g = dy^c/dA:

    alpha_kij = g^2 / (2 g^2 + sum_ab A_kab g^3)        (0 where the denominator is 0)
    w_k       = sum_ij alpha_kij ReLU(g_kij)
    L^c       = ReLU( sum_k w_k A^k )
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from core.explain.gradcam import feature_gradients
from core.explain.maps import check_images, resolve_classes, upsample_and_scale


def grad_cam_pp(model, images, class_index=None, *, layer: str | None = None) -> np.ndarray:
    """Grad-CAM++ maps, N x S x S float32 in [0, 1] (`layer` as in grad_cam)."""
    images = check_images(images)
    classes = resolve_classes(model, images, class_index)
    maps, gradients = feature_gradients(model, layer=layer)(tf.constant(images), tf.constant(classes))
    squared, cubed = gradients ** 2, gradients ** 3
    denominator = 2 * squared + tf.reduce_sum(maps, axis=(1, 2), keepdims=True) * cubed
    alpha = tf.math.divide_no_nan(squared, denominator)
    weights = tf.reduce_sum(alpha * tf.nn.relu(gradients), axis=(1, 2), keepdims=True)
    return upsample_and_scale(tf.nn.relu(tf.reduce_sum(weights * maps, axis=-1)).numpy(), images.shape[1:3])
