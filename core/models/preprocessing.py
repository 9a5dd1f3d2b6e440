"""ImageNet preprocessing inside the model, so every model takes RGB float32 in [0, 1].

The paper (section 3.2) preprocesses for both backbones as Keras' ResNet-50 does
("caffe" mode of keras.applications.imagenet_utils): scale to [0, 255], RGB -> BGR, then
subtract the ImageNet channel means (B 103.939, G 116.779, R 123.68).
"""

from __future__ import annotations

import keras
from keras import ops

IMAGENET_MEAN_BGR = (103.939, 116.779, 123.68)


@keras.saving.register_keras_serializable(package="advattn")
class CaffePreprocess(keras.layers.Layer):
    """[0, 1] RGB -> mean-subtracted [0, 255] BGR, differentiable (attacks pass through it)."""

    def call(self, images):
        bgr = ops.flip(images, axis=-1) * 255.0
        return bgr - ops.convert_to_tensor(IMAGENET_MEAN_BGR, dtype=bgr.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape
