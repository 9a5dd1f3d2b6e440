"""ONNX operators as TensorFlow functions, and the Keras layer that runs one ONNX node.

Tensors keep ONNX's layout (N x C x H x W): a convolution or pooling turns its input to
channels last for TensorFlow's CPU kernels and back, so Flatten, Reshape and Concat mean
exactly what they meant in the exporting framework. Each function takes the node's inputs
(tensors or constants) and its attributes, and returns its first output.

Semantics follow the ONNX operator specification (onnx.ai/onnx/operators); onnxruntime
is the reference every import is checked against (core.models.imported.verify).
"""

from __future__ import annotations

import math

import keras
import numpy as np
import tensorflow as tf


def _pads_2d(x_hw, kernel, strides, dilations, attrs):
    """[(top, bottom), (left, right)] from ONNX pads or auto_pad."""
    auto = attrs.get("auto_pad", "NOTSET")
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        pairs = []
        for size, k, s, d in zip(x_hw, kernel, strides, dilations):
            out = math.ceil(size / s)
            total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
            small, large = total // 2, total - total // 2
            pairs.append((small, large) if auto == "SAME_UPPER" else (large, small))
        return pairs
    pads = attrs.get("pads", [0, 0, 0, 0])
    return [(pads[0], pads[2]), (pads[1], pads[3])]


def _nhwc(x):
    return tf.transpose(x, (0, 2, 3, 1))


def _nchw(x):
    return tf.transpose(x, (0, 3, 1, 2))


def conv(x, w, b=None, **attrs):
    """Conv (2-D): grouped, depthwise or dense, any stride, dilation and padding."""
    w = tf.convert_to_tensor(w)
    kernel = [int(k) for k in w.shape[2:]]
    strides = attrs.get("strides", [1, 1])
    dilations = attrs.get("dilations", [1, 1])
    group = attrs.get("group", 1)
    h = _nhwc(x)
    pads = _pads_2d(h.shape[1:3], kernel, strides, dilations, attrs)
    if any(p for pair in pads for p in pair):
        h = tf.pad(h, [(0, 0), *pads, (0, 0)])
    filters = tf.transpose(w, (2, 3, 1, 0))  # M x C/g x kh x kw -> kh x kw x C/g x M
    channels = int(h.shape[-1])
    if group == 1:
        y = tf.nn.conv2d(h, filters, strides, "VALID", dilations=dilations)
    elif group == channels and strides[0] == strides[1]:
        depthwise = tf.reshape(tf.transpose(w, (2, 3, 0, 1)), (*kernel, channels, -1))  # kh x kw x C x M/C
        y = tf.nn.depthwise_conv2d(h, depthwise, [1, *strides, 1], "VALID", dilations=dilations)
    else:
        parts = zip(tf.split(h, group, axis=-1), tf.split(filters, group, axis=-1))
        y = tf.concat([tf.nn.conv2d(a, f, strides, "VALID", dilations=dilations) for a, f in parts], axis=-1)
    if b is not None:
        y = y + tf.convert_to_tensor(b)
    return _nchw(y)


def _pool(x, attrs, kind):
    kernel = attrs["kernel_shape"]
    strides = attrs.get("strides", [1, 1])
    h = _nhwc(x)
    pads = _pads_2d(h.shape[1:3], kernel, strides, [1, 1], attrs)
    if attrs.get("ceil_mode", 0):  # extra padding at the end so the last partial window counts
        pads = [(lo, hi + (-(size + lo + hi - k) % s)) for (lo, hi), size, k, s in zip(pads, h.shape[1:3], kernel, strides)]
    padded = any(p for pair in pads for p in pair)
    if kind == "max":
        if padded:
            h = tf.pad(h, [(0, 0), *pads, (0, 0)], constant_values=-np.inf)
        return _nchw(tf.nn.max_pool2d(h, kernel, strides, "VALID"))
    if padded:
        h = tf.pad(h, [(0, 0), *pads, (0, 0)])
    total = tf.nn.avg_pool2d(h, kernel, strides, "VALID")
    if padded and not attrs.get("count_include_pad", 0):  # divide by the real pixels in each window
        ones = tf.pad(tf.ones_like(_nhwc(x)[..., :1]), [(0, 0), *pads, (0, 0)])
        total = total / tf.nn.avg_pool2d(ones, kernel, strides, "VALID")
    return _nchw(total)


def _axes(rank, axes):
    return [a % rank for a in axes]


def batch_norm(x, scale, bias, mean, var, **attrs):
    shape = (1, -1) + (1,) * (len(x.shape) - 2)
    scale, bias, mean, var = (tf.reshape(tf.convert_to_tensor(t, tf.float32), shape) for t in (scale, bias, mean, var))
    return (x - mean) * scale / tf.sqrt(var + attrs.get("epsilon", 1e-5)) + bias


def gemm(a, b, c=None, **attrs):
    a = tf.transpose(a) if attrs.get("transA", 0) else a
    b = tf.convert_to_tensor(b)
    y = attrs.get("alpha", 1.0) * tf.matmul(a, b, transpose_b=bool(attrs.get("transB", 0)))
    return y if c is None else y + attrs.get("beta", 1.0) * tf.convert_to_tensor(c)


def reshape(x, shape, **attrs):
    shape = tf.cast(shape, tf.int64)
    if not attrs.get("allowzero", 0) and isinstance(shape, tf.Tensor) and shape.shape.rank == 1:
        source = tf.shape(x, out_type=tf.int64)[: shape.shape[0]]  # 0 copies the input's dimension
        count = int(shape.shape[0])
        source = tf.pad(source, [(0, max(count - int(source.shape[0]), 0))])
        shape = tf.where(tf.equal(shape, 0), source, shape)
    return tf.reshape(x, shape)


def _reduce(function):
    def reduce(x, axes=None, **attrs):
        axes = attrs.get("axes", axes)
        if axes is None:
            if attrs.get("noop_with_empty_axes", 0):
                return x
            axes = list(range(len(x.shape)))
        return function(x, _axes(len(x.shape), [int(a) for a in np.ravel(axes)]), keepdims=bool(attrs.get("keepdims", 1)))
    return reduce


def _squeeze(x, axes=None, **attrs):
    axes = attrs.get("axes", axes)
    return tf.squeeze(x) if axes is None else tf.squeeze(x, _axes(len(x.shape), [int(a) for a in np.ravel(axes)]))


def _unsqueeze(x, axes=None, **attrs):
    axes = sorted(int(a) for a in np.ravel(attrs.get("axes", axes)))
    rank = len(x.shape) + len(axes)
    for axis in _axes(rank, axes):
        x = tf.expand_dims(x, axis)
    return x


def _clip(x, low=None, high=None, **attrs):
    low = attrs.get("min", low)
    high = attrs.get("max", high)
    if low is not None:
        x = tf.maximum(x, tf.cast(low, x.dtype))
    if high is not None:
        x = tf.minimum(x, tf.cast(high, x.dtype))
    return x


def _pad(x, pads, value=None, axes=None, **attrs):
    pads = [int(p) for p in np.ravel(pads)]
    rank = len(x.shape)
    pairs = list(zip(pads[:rank], pads[rank:]))
    mode = attrs.get("mode", "constant")
    if mode == "constant":
        return tf.pad(x, pairs, constant_values=0.0 if value is None else float(np.ravel(value)[0]))
    return tf.pad(x, pairs, mode={"reflect": "REFLECT", "edge": "SYMMETRIC"}[mode])


def _slice(x, starts, ends, axes=None, steps=None, **attrs):
    rank = len(x.shape)
    axes = _axes(rank, list(np.ravel(axes)) if axes is not None else list(range(len(np.ravel(starts)))))
    steps = list(np.ravel(steps)) if steps is not None else [1] * len(axes)
    index = [slice(None)] * rank
    for axis, start, end, step in zip(axes, np.ravel(starts), np.ravel(ends), steps):
        big = 2 ** 62
        index[axis] = slice(int(start), None if abs(int(end)) >= big else int(end), int(step))
    return x[tuple(index)]


ELEMENTWISE = {
    "Relu": tf.nn.relu, "Sigmoid": tf.sigmoid, "Tanh": tf.tanh, "Exp": tf.exp, "Log": tf.math.log,
    "Sqrt": tf.sqrt, "Neg": tf.negative, "Abs": tf.abs, "Reciprocal": tf.math.reciprocal, "Erf": tf.math.erf,
    "Softplus": tf.nn.softplus, "Identity": tf.identity, "Floor": tf.floor, "Ceil": tf.math.ceil,
}
BINARY = {"Add": tf.add, "Sub": tf.subtract, "Mul": tf.multiply, "Div": tf.divide, "Pow": tf.pow,
          "Max": tf.maximum, "Min": tf.minimum}

OPERATORS = {
    **{name: (lambda f: lambda x, **a: f(x))(f) for name, f in ELEMENTWISE.items()},
    **{name: (lambda f: lambda a, b, **_: f(a, tf.cast(b, a.dtype)))(f) for name, f in BINARY.items()},
    "Conv": conv,
    "BatchNormalization": batch_norm,
    "Gemm": gemm,
    "MatMul": lambda a, b, **_: tf.matmul(a, tf.convert_to_tensor(b)),
    "MaxPool": lambda x, **a: _pool(x, a, "max"),
    "AveragePool": lambda x, **a: _pool(x, a, "average"),
    "GlobalAveragePool": lambda x, **_: tf.reduce_mean(x, axis=list(range(2, len(x.shape))), keepdims=True),
    "GlobalMaxPool": lambda x, **_: tf.reduce_max(x, axis=list(range(2, len(x.shape))), keepdims=True),
    "ReduceMean": _reduce(tf.reduce_mean), "ReduceSum": _reduce(tf.reduce_sum), "ReduceMax": _reduce(tf.reduce_max),
    "Flatten": lambda x, **a: tf.reshape(x, (-1, int(np.prod(x.shape[a.get("axis", 1):]))))
    if a.get("axis", 1) == 1 else tf.reshape(x, (int(np.prod(x.shape[:a["axis"]])), -1)),
    "Reshape": reshape,
    "Transpose": lambda x, **a: tf.transpose(x, a.get("perm")),
    "Concat": lambda *xs, **a: tf.concat(list(xs), axis=a["axis"]),
    "Squeeze": _squeeze, "Unsqueeze": _unsqueeze,
    "Softmax": lambda x, **a: tf.nn.softmax(x, axis=a.get("axis", -1)),
    "LogSoftmax": lambda x, **a: tf.nn.log_softmax(x, axis=a.get("axis", -1)),
    "LeakyRelu": lambda x, **a: tf.nn.leaky_relu(x, a.get("alpha", 0.01)),
    "Elu": lambda x, **a: tf.nn.elu(x) if a.get("alpha", 1.0) == 1.0 else tf.where(x > 0, x, a["alpha"] * (tf.exp(x) - 1)),
    "HardSigmoid": lambda x, **a: tf.clip_by_value(a.get("alpha", 0.2) * x + a.get("beta", 0.5), 0.0, 1.0),
    "HardSwish": lambda x, **_: x * tf.clip_by_value(x / 6.0 + 0.5, 0.0, 1.0),
    "Clip": _clip,
    "Dropout": lambda x, *_, **__: x,
    "Pad": _pad,
    "Slice": _slice,
    "Shape": lambda x, **_: tf.shape(x, out_type=tf.int64),
    "Gather": lambda x, i, **a: tf.gather(x, tf.cast(i, tf.int64), axis=a.get("axis", 0)),
    "Cast": lambda x, **a: tf.cast(x, tf.float32 if a.get("to", 1) in (1, 10, 11, 16) else tf.int64),
}


@keras.saving.register_keras_serializable(package="advattn")
class OnnxNode(keras.layers.Layer):
    """One node of an imported ONNX graph. `inputs` says, per ONNX input, where it comes from:
    "tensor" (the next tensor the layer is called with), "weight:<k>" (the layer's k-th weight,
    a float initializer) or "value:<k>" (the k-th of `values`, a small integer constant kept
    in the config), or None (an omitted optional input)."""

    def __init__(self, op: str, attributes: dict | None = None, inputs: list | None = None,
                 weight_shapes: list | None = None, values: list | None = None, **kwargs):
        super().__init__(**kwargs)
        if op not in OPERATORS:
            raise ValueError(f"ONNX operator {op!r} is not supported")
        self.op, self.attributes = op, dict(attributes or {})
        self.sources, self.values = list(inputs or []), [np.asarray(v) for v in values or []]
        self.weight_shapes = [tuple(s) for s in weight_shapes or []]
        self.constants = [self.add_weight(shape=s, initializer="zeros", trainable=False, name=f"w{k}")
                          for k, s in enumerate(self.weight_shapes)]

    def call(self, inputs):
        tensors = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        arguments = []
        for source in self.sources:
            if source is None:
                arguments.append(None)
            elif source == "tensor":
                arguments.append(tensors.pop(0))
            else:
                kind, k = source.split(":")
                arguments.append(self.constants[int(k)] if kind == "weight" else self.values[int(k)])
        while arguments and arguments[-1] is None:
            arguments.pop()
        return OPERATORS[self.op](*arguments, **self.attributes)

    def get_config(self):
        return {**super().get_config(), "op": self.op, "attributes": self.attributes, "inputs": self.sources,
                "weight_shapes": [list(s) for s in self.weight_shapes], "values": [v.tolist() for v in self.values]}
