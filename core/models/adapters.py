"""The layers that fit a foreign classifier (core.models.imported) to this tool: the image it
expects in, the task's class logits out, a SavedModel's serving function. Registered, so an imported model loads with safe_mode=True."""

from __future__ import annotations

import keras
from keras import ops

from core.models.preprocessing import IMAGENET_MEAN_BGR

IMAGENET_MEAN = (0.485, 0.456, 0.406)  # torchvision's ImageNet statistics on [0, 1]
IMAGENET_STD = (0.229, 0.224, 0.225)
LUMINANCE = (0.299, 0.587, 0.114)  # ITU-R BT.601, as Pillow's "L" conversion
SMALLEST_PROBABILITY = 1e-30  # log(p) of a probability head is clipped here (float32 keeps ~1e-38)

INPUT_LAYER = "imported_input"


@keras.saving.register_keras_serializable(package="advattn")
class InputScaling(keras.layers.Layer):
    """RGB in [0, 1], N x S x S x 3 -> what the imported model takes: 1 or 3 channels, scaled
    as `mode` says (core.models.imported.settings.PREPROCESSINGS), channels first if asked."""

    def __init__(self, mode: str = "unit", channels: int = 3, channels_first: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.mode, self.channels, self.channels_first = mode, int(channels), bool(channels_first)

    def call(self, images):
        x = images
        if self.channels == 1:
            x = ops.sum(x * ops.convert_to_tensor(LUMINANCE, dtype=x.dtype), axis=-1, keepdims=True)
        x = self._scale(x)
        return ops.transpose(x, (0, 3, 1, 2)) if self.channels_first else x

    def _scale(self, x):
        if self.mode == "symmetric":
            return x * 2.0 - 1.0
        if self.mode == "uint8":
            return x * 255.0
        if self.mode == "imagenet":
            mean, std = (IMAGENET_MEAN, IMAGENET_STD) if self.channels == 3 else \
                ((sum(IMAGENET_MEAN) / 3,), (sum(IMAGENET_STD) / 3,))  # a grey model: the channels' average
            return (x - ops.convert_to_tensor(mean, dtype=x.dtype)) / ops.convert_to_tensor(std, dtype=x.dtype)
        if self.mode == "caffe":
            return ops.flip(x, axis=-1) * 255.0 - ops.convert_to_tensor(IMAGENET_MEAN_BGR, dtype=x.dtype)
        return x

    def compute_output_shape(self, input_shape):
        n, h, w, _ = input_shape
        return (n, self.channels, h, w) if self.channels_first else (n, h, w, self.channels)

    def get_config(self):
        return {**super().get_config(), "mode": self.mode, "channels": self.channels,
                "channels_first": self.channels_first}


@keras.saving.register_keras_serializable(package="advattn")
class ClassScores(keras.layers.Layer):
    """The model's last tensor -> the task's class logits, in the task's class order.

    kind "logits": the chosen units as they are. "softmax": log p of the chosen units (the
    tool's softmax over them gives the model's probabilities renormalised over the task's
    classes: identical when the model has no other output). "sigmoid": one unit s, or its
    logit z when the model's own sigmoid was taken off, as two-class logits [0, z] with
    z = log s - log(1 - s), whose softmax is [1 - s, s].
    """

    def __init__(self, kind: str = "logits", units: tuple = (), before_activation: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.kind, self.units, self.before_activation = kind, tuple(int(u) for u in units), bool(before_activation)

    def call(self, raw):
        raw = ops.reshape(raw, (ops.shape(raw)[0], -1))
        chosen = ops.take(raw, ops.convert_to_tensor(self.units, dtype="int32"), axis=1)
        if self.kind == "logits" or (self.kind == "softmax" and self.before_activation):
            return chosen
        if self.kind == "softmax":
            return ops.log(ops.maximum(chosen, SMALLEST_PROBABILITY))
        if self.before_activation:
            z = chosen
        else:
            s = ops.clip(chosen, SMALLEST_PROBABILITY, 1.0 - 1e-7)
            z = ops.log(s) - ops.log1p(-s)
        return ops.concatenate([ops.zeros_like(z), z], axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 2 if self.kind == "sigmoid" else len(self.units))

    def get_config(self):
        return {**super().get_config(), "kind": self.kind, "units": list(self.units),
                "before_activation": self.before_activation}


@keras.saving.register_keras_serializable(package="advattn")
class SavedModelCall(keras.layers.Layer):
    """A TensorFlow SavedModel's serving function, called as it is (the importer keeps a
    vetted copy of the folder beside the model; `folder` is that copy)."""

    def __init__(self, folder: str, signature: str = "serving_default", input_name: str = "",
                 output_name: str = "", **kwargs):
        super().__init__(**kwargs)
        import tensorflow as tf

        self.folder, self.signature, self.input_name, self.output_name = folder, signature, input_name, output_name
        self._loaded = tf.saved_model.load(folder)
        self._function = self._loaded.signatures[signature]
        self._output_shape = tuple(self._function.structured_outputs[output_name].shape)

    def call(self, x):
        return self._function(**{self.input_name: x})[self.output_name]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self._output_shape[1:])

    def get_config(self):
        return {**super().get_config(), "folder": self.folder, "signature": self.signature,
                "input_name": self.input_name, "output_name": self.output_name}
