"""Soft attention of Datta et al. (2021), "Soft-Attention Improves Skin Cancer
Classification Performance", as used by the paper (section 3.3).

For a feature map t (H x W x C) and K heads:

    a_k   = softmax_over_HxW( relu( W_k * t + b_k ) )      k = 1..K
    alpha = sum_k a_k                                      (H x W)
    out   = alpha (.) t                                    (broadcast over channels)

Datta et al. describe W_k * t as a 3-D convolution of t with a trailing unit axis: a
3 x 3 (spatial) x C (depth) kernel, stride C along depth, K filters. Spanning the whole
depth in one stride, that is exactly a 2-D 3 x 3 convolution over all C channels with K
filters, which this layer computes (much faster). `tests/models/test_attention.py`
proves the equivalence against a literal Conv3D.
"""

from __future__ import annotations

import keras
from keras import ops

DEFAULT_HEADS = 16  # K in Datta et al. (2021)


@keras.saving.register_keras_serializable(package="advattn")
class SoftAttention(keras.layers.Layer):
    """Multi-head soft attention over a feature map.

    Called on a feature map of shape (N, H, W, C) it returns two tensors:
    the attended map `alpha (.) t` of shape (N, H, W, C), and the per-head spatial
    attention maps `a_k` of shape (N, H, W, K), each summing to 1 over H x W.
    """

    def __init__(self, heads: int = DEFAULT_HEADS, **kwargs):
        super().__init__(**kwargs)
        if heads < 1:
            raise ValueError(f"heads must be at least 1, got {heads}")
        self.heads = int(heads)

    def build(self, input_shape):
        channels = input_shape[-1]
        # (3, 3, C, K): the Conv3D kernel (3, 3, C, 1, K) with its unit in-channel dropped.
        self.kernel = self.add_weight(
            name="kernel", shape=(3, 3, channels, self.heads), initializer="he_uniform"
        )
        self.bias = self.add_weight(name="bias", shape=(self.heads,), initializer="zeros")

    def call(self, features):
        scores = ops.relu(ops.conv(features, self.kernel, strides=1, padding="same") + self.bias)
        shape = ops.shape(scores)
        flat = ops.reshape(scores, (shape[0], shape[1] * shape[2], self.heads))
        head_maps = ops.reshape(ops.softmax(flat, axis=1), shape)  # softmax over positions
        alpha = ops.sum(head_maps, axis=-1, keepdims=True)  # sum of the K maps
        return features * alpha, head_maps

    def compute_output_shape(self, input_shape):
        return tuple(input_shape), (*input_shape[:-1], self.heads)

    def get_config(self):
        return {**super().get_config(), "heads": self.heads}
