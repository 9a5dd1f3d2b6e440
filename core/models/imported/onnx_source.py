"""An ONNX classifier as a Keras graph of OnnxNode layers (core.models.onnx_ops).

Why our own converter: onnx2tf (the maintained ONNX -> TensorFlow converter) pins
tensorflow 2.19, numpy 1.26, onnx 1.19 and protobuf 4 exactly, so it cannot be installed
beside this tool's TensorFlow 2.21 / Keras 3.15 / numpy 2; onnx-tf is archived. A CNN
classifier uses a few dozen operators (onnx_ops.OPERATORS); each is a TensorFlow function,
so gradients flow through the imported model, and every import is checked against
onnxruntime, the ONNX reference runtime, before it is kept.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.models.onnx_ops import OPERATORS, OnnxNode
from core.models.imported.settings import ModelImportError

STANDARD_DOMAINS = ("", "ai.onnx")
MAX_VALUE_ELEMENTS = 4096  # an integer constant kept in a layer's config (shapes, axes, pads)


def read(path: Path):
    """The checked ONNX model proto; ModelImportError if it is not one or uses what we cannot run."""
    import onnx

    try:
        model = onnx.load(str(path), load_external_data=False)
        onnx.checker.check_model(model)
    except Exception as error:  # onnx raises DecodeError, ValidationError, ...
        raise ModelImportError(f"{path.name} is not a valid ONNX model ({type(error).__name__}: "
                               f"{' '.join(str(error).split())[:200]})") from None
    graph = model.graph
    if any(t.data_location == onnx.TensorProto.EXTERNAL for t in graph.initializer):
        raise ModelImportError(f"{path.name} keeps its weights in external files: export it as one file "
                               "(torch.onnx.export(..., external_data=False) for models under 2 GB)")
    custom = sorted({f"{n.domain}::{n.op_type}" for n in graph.node if n.domain not in STANDARD_DOMAINS})
    if custom:
        raise ModelImportError(f"{path.name} uses custom ONNX operators, which only their own runtime can run: "
                               f"{', '.join(custom)}")
    if any(a.type == onnx.AttributeProto.GRAPH for n in graph.node for a in n.attribute):
        raise ModelImportError(f"{path.name} has control flow (If / Loop / Scan subgraphs): only a feed-forward "
                               "classifier can be imported")
    unsupported = sorted({n.op_type for n in graph.node} - set(OPERATORS) - {"Constant"})
    if unsupported:
        raise ModelImportError(f"{path.name} uses ONNX operators this tool cannot convert: {', '.join(unsupported)} "
                               f"(supported: {', '.join(sorted(OPERATORS))}); simplifying the graph "
                               "(onnxsim) or exporting with torch.flatten often removes them")
    return model


def image_input(model) -> tuple[str, list]:
    """The graph's one image input and its dimensions (None where dynamic)."""
    initializers = {t.name for t in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in initializers]
    if len(inputs) != 1:
        raise ModelImportError(f"the ONNX model has {len(inputs)} inputs ({', '.join(i.name for i in inputs)}); "
                               "a classifier takes one image")
    dims = [d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else None
            for d in inputs[0].type.tensor_type.shape.dim]
    return inputs[0].name, dims


def _attributes(node) -> dict:
    import onnx

    found = {}
    for attribute in node.attribute:
        value = onnx.helper.get_attribute_value(attribute)
        if isinstance(value, bytes):
            value = value.decode()
        elif isinstance(value, onnx.TensorProto):
            value = onnx.numpy_helper.to_array(value).tolist()
        elif isinstance(value, (list, tuple)):
            value = [v.decode() if isinstance(v, bytes) else v for v in value]
        found[attribute.name] = value
    return found


def _constants(model) -> dict[str, np.ndarray]:
    import onnx

    constants = {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == "Constant":
            value = next(onnx.helper.get_attribute_value(a) for a in node.attribute)
            constants[node.output[0]] = onnx.numpy_helper.to_array(value) if isinstance(value, onnx.TensorProto) \
                else np.asarray(value)
    return constants


def build(model, x, *, feature_output: str | None = None, on_output=None):
    """Apply the ONNX graph to the Keras tensor `x` (the model's input, in its own layout);
    returns its first output. `on_output(name, tensor)` sees every node's output in order and
    may return a replacement (the saliency identity is inserted that way)."""
    import tensorflow as tf

    constants = _constants(model)
    name, _ = image_input(model)
    tensors = {name: x}
    consumed = {i for n in model.graph.node for i in n.input}
    for index, node in enumerate(n for n in model.graph.node if n.op_type != "Constant"):
        if any(o in consumed for o in node.output[1:] if o):
            raise ModelImportError(f"ONNX node {node.name or node.op_type} uses a second output, which is not supported")
        attributes = _attributes(node)
        if all(not i or i in constants for i in node.input):  # all constant: folded here
            arguments = [tf.constant(constants[i]) if i else None for i in node.input]
            constants[node.output[0]] = np.asarray(OPERATORS[node.op_type](*arguments, **attributes))
            continue
        sources, weights, values, fed = [], [], [], []
        for i in node.input:
            if not i:
                sources.append(None)
            elif i in tensors:
                sources.append("tensor")
                fed.append(tensors[i])
            elif i in constants:
                value = constants[i]
                if np.issubdtype(value.dtype, np.floating):
                    sources.append(f"weight:{len(weights)}")
                    weights.append(value.astype(np.float32))
                elif value.size <= MAX_VALUE_ELEMENTS:
                    sources.append(f"value:{len(values)}")
                    values.append(value.astype(np.int64))
                else:
                    raise ModelImportError(f"ONNX node {node.name or node.op_type} has an integer constant of "
                                           f"{value.size} elements")
            else:
                raise ModelImportError(f"ONNX node {node.name or node.op_type} reads {i!r}, which nothing computes")
        layer = OnnxNode(node.op_type, attributes, sources, [w.shape for w in weights], values,
                         name=f"onnx_{index}_{node.op_type.lower()}")
        if weights:
            layer.set_weights(weights)
        out = layer(fed if len(fed) > 1 else fed[0])
        replaced = on_output(node.output[0], out) if on_output is not None else None
        out = out if replaced is None else replaced
        tensors[node.output[0]] = out
    output = model.graph.output[0].name
    if output not in tensors:
        raise ModelImportError("the ONNX model's output is a constant: it does not depend on the image")
    return tensors[output]


def last_activation(model) -> str | None:
    """"Softmax" or "Sigmoid" when the graph's output is that node's (taken off for the logits)."""
    output = model.graph.output[0].name
    for node in model.graph.node:
        if output in node.output and node.op_type in ("Softmax", "Sigmoid"):
            return node.op_type
    return None


def strip_last_activation(model):
    """A copy of the graph whose output is the input of its final Softmax or Sigmoid."""
    import onnx

    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    output = copy.graph.output[0].name
    node = next(n for n in copy.graph.node if output in n.output)
    before = node.input[0]
    copy.graph.node.remove(node)
    del copy.graph.output[:]
    copy.graph.output.append(onnx.helper.make_tensor_value_info(before, onnx.TensorProto.FLOAT, None))
    return copy


def reference(path: Path):
    """The original runtime: images in the model's own layout -> its output (onnxruntime)."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 2
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name

    def run(images: np.ndarray) -> np.ndarray:
        return session.run(None, {name: images.astype(np.float32)})[0]

    return run, f"onnxruntime {onnxruntime.__version__}"
