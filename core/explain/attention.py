"""The soft-attention block's own map (Datta et al. 2021): alpha = sum_k softmax(a_k),
the weight the block puts on each position of the feature map, upsampled to the input."""

from __future__ import annotations

import weakref

import numpy as np
import tensorflow as tf

from core.explain.gradcam import upsample_and_scale
from core.models.build import ATTENTION_LAYER, has_attention

_compiled: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def attention_map(model, images) -> np.ndarray:
    """N x S x S float32 in [0, 1]: the summed head maps, each scaled by its maximum.

    ValueError for a model without the soft-attention block.
    """
    if not has_attention(model):
        raise ValueError(f"model {model.name!r} has no soft-attention block; "
                         "attention maps exist only for attentive models")
    if model not in _compiled:
        import keras

        _, head_maps = model.get_layer(ATTENTION_LAYER).output
        sub = keras.Model(model.inputs, head_maps)
        spec = tf.TensorSpec((None, *model.input_shape[1:]), tf.float32)

        @tf.function(input_signature=[spec])
        def summed_maps(x):
            return tf.reduce_sum(sub(x, training=False), axis=-1)  # alpha = sum_k a_k

        _compiled[model] = summed_maps
    images = np.asarray(images, np.float32)
    return upsample_and_scale(_compiled[model](tf.constant(images)).numpy(), images.shape[1:3])
