"""The soft-attention block's own map (Datta et al. 2021): alpha = sum_k softmax(a_k),
the weight the block puts on each position of the feature map, upsampled to the input."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from core.explain.maps import check_images, explainer, upsample_and_scale
from core.models.build import ATTENTION_LAYER, has_attention


def _summed_maps(model):
    import keras

    _, head_maps = model.get_layer(ATTENTION_LAYER).output
    sub = keras.Model(model.inputs, head_maps)

    @tf.function(input_signature=[tf.TensorSpec((None, *model.input_shape[1:]), tf.float32)])
    def summed(x):
        return tf.reduce_sum(sub(x, training=False), axis=-1)  # alpha = sum_k a_k

    return summed


def attention_map(model, images) -> np.ndarray:
    """N x S x S float32 in [0, 1]: the summed head maps, each scaled by its maximum.

    ValueError for a model without the soft-attention block.
    """
    if not has_attention(model):
        raise ValueError(f"model {model.name!r} has no soft-attention block; "
                         "attention maps exist only for attentive models")
    images = check_images(images)
    return upsample_and_scale(explainer(model, "attention", _summed_maps)(tf.constant(images)).numpy(),
                              images.shape[1:3])
