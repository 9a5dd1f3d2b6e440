"""Foreign classifiers built in the tests, in their real on-disk formats (tiny, random
weights): what a user brings to core.models.imported."""

from __future__ import annotations

from pathlib import Path

import numpy as np

SIZE = 32  # input size of every foreign model here


def keras_classifier(units: int, *, channels: int = 3, activation: str | None = "softmax", size: int | None = SIZE,
                     seed: int = 0):
    """A small functional CNN: two convolutions, global pooling, a Dense head of `units`
    (named "logits", as users often do), then `activation` as a separate layer."""
    import keras

    keras.utils.set_random_seed(seed)
    image = keras.Input((size, size, channels))
    x = keras.layers.Conv2D(6, 3, activation="relu", name="conv_a")(image)
    x = keras.layers.Conv2D(8, 3, strides=2, activation="relu", name="conv_b")(x)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    x = keras.layers.Dense(units, name="logits")(x)
    if activation is not None:
        x = keras.layers.Activation(activation, name="head_activation")(x)
    return keras.Model(image, x)


def save_keras(path: Path, **kwargs) -> Path:
    keras_classifier(**kwargs).save(path)
    return path


def save_h5(path: Path, **kwargs) -> Path:
    keras_classifier(**kwargs).save(path)  # Keras picks the legacy HDF5 format from the suffix
    return path


def save_savedmodel(path: Path, **kwargs) -> Path:
    keras_classifier(**kwargs).export(str(path), verbose=False)  # a TF SavedModel, "serving_default"
    return path


def save_lambda_keras(path: Path, suffix: str = ".keras") -> Path:
    """A model with a Lambda layer (Python code), saved as .keras or legacy .h5."""
    import keras

    image = keras.Input((SIZE, SIZE, 3))
    x = keras.layers.Lambda(lambda t: t * 2.0, name="doubling")(image)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dense(7, activation="softmax")(x)
    path = path.with_suffix(suffix)
    keras.Model(image, x).save(path)
    return path


def onnx_classifier(path: Path, *, units: int = 7, seed: int = 0, op: str | None = None, domain: str = "") -> Path:
    """An ONNX CNN as PyTorch exports one: NCHW input (dynamic batch), Conv -> BatchNorm ->
    Relu -> MaxPool -> Conv (grouped) + skip -> GlobalAveragePool -> Flatten -> Gemm (logits).
    `op`: one more operator at the end (with `domain`), for the custom-operator refusal."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)

    def weight(name, *shape, scale=0.3):
        return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name)

    initializers = [
        weight("w1", 8, 3, 3, 3), weight("b1", 8),
        numpy_helper.from_array(rng.uniform(0.5, 1.5, 8).astype(np.float32), "bn_scale"), weight("bn_bias", 8),
        weight("bn_mean", 8, scale=0.1), numpy_helper.from_array(rng.uniform(0.5, 1.5, 8).astype(np.float32), "bn_var"),
        weight("w2", 8, 4, 3, 3), weight("fc_w", units, 8), weight("fc_b", units),
    ]
    nodes = [
        helper.make_node("Conv", ["input", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1], name="conv1"),
        helper.make_node("BatchNormalization", ["c1", "bn_scale", "bn_bias", "bn_mean", "bn_var"], ["bn"], epsilon=1e-5),
        helper.make_node("Relu", ["bn"], ["r1"]),
        helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
        helper.make_node("Conv", ["p1", "w2"], ["c2"], pads=[1, 1, 1, 1], group=2, name="conv2"),
        helper.make_node("Add", ["c2", "p1"], ["s"]),
        helper.make_node("Relu", ["s"], ["features"], name="features"),
        helper.make_node("GlobalAveragePool", ["features"], ["g"]),
        helper.make_node("Flatten", ["g"], ["f"], axis=1),
        helper.make_node("Gemm", ["f", "fc_w", "fc_b"], ["logits"], transB=1),
    ]
    output = "logits"
    if op is not None:
        nodes.append(helper.make_node(op, ["logits"], ["extra"], domain=domain))
        output = "extra"
    graph = helper.make_graph(nodes, "foreign", [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                                                               ["N", 3, SIZE, SIZE])],
                              [helper.make_tensor_value_info(output, TensorProto.FLOAT, ["N", units])], initializers)
    opsets = [helper.make_opsetid("", 17)] + ([helper.make_opsetid(domain, 1)] if domain else [])
    model = helper.make_model(graph, opset_imports=opsets, producer_name="tests")
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


def onnx_exporter_idioms(path: Path, *, seed: int = 0) -> Path:
    """What PyTorch exporters write besides plain convolutions: a depthwise convolution, ReLU6
    (Clip with its bounds as inputs), SiLU (x * Sigmoid(x)), a DenseNet Concat, AveragePool with
    ceil_mode and padding not counted, an explicit Pad, ReduceMean over H and W with axes as an
    input (opset 18), and x.view(x.size(0), -1) as Shape -> Gather -> Unsqueeze -> Concat ->
    Reshape; a MatMul + Add head."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)

    def const(name, value, dtype=np.float32):
        return numpy_helper.from_array(np.asarray(value, dtype=dtype), name)

    initializers = [
        const("w1", rng.standard_normal((6, 3, 3, 3)) * 0.3), const("dw", rng.standard_normal((6, 1, 3, 3)) * 0.3),
        const("lo", 0.0), const("hi", 6.0), const("w2", rng.standard_normal((4, 12, 1, 1)) * 0.3),
        const("pads", [0, 0, 1, 1, 0, 0, 1, 1], np.int64), const("axes", [2, 3], np.int64),
        const("zero", 0, np.int64), const("minus_one", [-1], np.int64), const("unsq", [0], np.int64),
        const("fc", rng.standard_normal((4, 2)) * 0.3), const("bias", rng.standard_normal(2) * 0.1),
    ]
    nodes = [
        helper.make_node("Conv", ["input", "w1"], ["c1"], strides=[2, 2], pads=[1, 1, 1, 1]),
        helper.make_node("Clip", ["c1", "lo", "hi"], ["relu6"]),
        helper.make_node("Conv", ["relu6", "dw"], ["d1"], group=6, pads=[1, 1, 1, 1]),
        helper.make_node("Sigmoid", ["d1"], ["sig"]),
        helper.make_node("Mul", ["d1", "sig"], ["silu"]),
        helper.make_node("Concat", ["relu6", "silu"], ["cat"], axis=1),
        helper.make_node("AveragePool", ["cat"], ["avg"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
                         ceil_mode=1, count_include_pad=0),
        helper.make_node("Pad", ["avg", "pads"], ["padded"], mode="constant"),
        helper.make_node("Conv", ["padded", "w2"], ["c2"]),
        helper.make_node("ReduceMean", ["c2", "axes"], ["pooled"], keepdims=1),
        helper.make_node("Shape", ["pooled"], ["shape"]),
        helper.make_node("Gather", ["shape", "zero"], ["batch"], axis=0),
        helper.make_node("Unsqueeze", ["batch", "unsq"], ["batch1"]),
        helper.make_node("Concat", ["batch1", "minus_one"], ["target"], axis=0),
        helper.make_node("Reshape", ["pooled", "target"], ["flat"]),
        helper.make_node("MatMul", ["flat", "fc"], ["mm"]),
        helper.make_node("Add", ["mm", "bias"], ["logits"]),
    ]
    graph = helper.make_graph(nodes, "idioms", [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                                                              ["N", 3, SIZE, SIZE])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 2])], initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], producer_name="tests")
    model.ir_version = 8
    onnx.save(model, str(path))
    return path
