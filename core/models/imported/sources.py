"""What each model format gives the importer: how to apply it inside a Keras graph, its
input layout, its final activation, and its own runtime (the reference)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from core.models.imported.settings import ModelImportError

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
ZIP_SIGNATURE = b"PK\x03\x04"


@dataclass
class Source:
    """One foreign model, ready to be placed in a Keras graph."""

    format: str  # "keras", "h5", "savedmodel" or "onnx"
    dims: list  # the input's dimensions without the batch (None where dynamic), in the model's layout
    apply: Callable  # (keras tensor, on_output, strip) -> the model's last tensor
    last_activation: str | None  # "Softmax" / "Sigmoid" when the model ends in a separate one
    reference: Callable  # images in the model's layout (numpy) -> its output, by its own runtime
    runtime: str  # that runtime and its version
    converter: str  # how it became a Keras graph
    spatial: Callable  # (tensor) -> its (height, width) when it is a feature map, else None
    to_saliency: Callable  # (tensor, name) -> the channels-last saliency tensor, and the tensor to go on with
    copy_from: Path | None = None  # a SavedModel folder the imported model keeps a copy of
    signature: tuple | None = None  # a SavedModel's (signature, input name, output name)


def detect(path: Path) -> str:
    """The format of `path` from its content (and a folder's saved_model.pb)."""
    if path.is_dir():
        return "savedmodel"
    with open(path, "rb") as file:
        head = file.read(8)
    if head.startswith(ZIP_SIGNATURE):
        return "keras"
    if head == HDF5_SIGNATURE:
        return "h5"
    if path.suffix.lower() == ".onnx":
        return "onnx"
    raise ModelImportError(f"{path.name} is not a model file this tool reads: a Keras .keras archive, a legacy "
                           ".h5 file, a TensorFlow SavedModel folder or an .onnx file")


def _keras_spatial(tensor):
    if isinstance(tensor, (tuple, list)):  # a layer of several outputs (SoftAttention): not a feature map
        return None
    shape = tensor.shape
    return (shape[1], shape[2]) if len(shape) == 4 and (shape[1] or 0) > 1 and (shape[2] or 0) > 1 else None


def _keras_saliency(tensor, name):
    import keras

    marked = keras.layers.Identity(name=name)(tensor)
    return marked, marked


def _onnx_spatial(tensor):
    if isinstance(tensor, (tuple, list)):
        return None
    shape = tensor.shape
    return (shape[2], shape[3]) if len(shape) == 4 and (shape[2] or 0) > 1 and (shape[3] or 0) > 1 \
        and tensor.dtype == "float32" else None


def _onnx_saliency(tensor, name):
    """Grad-CAM reads feature maps channels last: N x C x H x W -> N x H x W x C, and back for the
    rest of the ONNX graph (Keras's own Permute, which leaves the batch axis alone)."""
    import keras

    marked = keras.layers.Permute((2, 3, 1), name=name)(tensor)
    return marked, keras.layers.Permute((3, 1, 2), name=f"{name}_back")(marked)


def keras_source(path: Path, fmt: str) -> Source:
    from core.models.imported import keras_source as ks

    model = ks.load(path)
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise ModelImportError(f"{path.name} has {len(model.inputs)} inputs and {len(model.outputs)} outputs; "
                               "a classifier takes one image and gives one output")
    _rename_clashes(model)
    last = ks._last_layer(model)

    def apply(x, on_output, strip):
        return ks.flatten_apply(model, x, on_output=lambda layer, out: on_output(layer.name, out),
                                skip=last if strip else None)

    run, runtime = ks.reference(model)
    import keras

    return Source(fmt, list(model.input_shape[1:]), apply, ks.last_activation(model), run, runtime,
                  f"Keras {keras.__version__} (the model's own layers)", _keras_spatial, _keras_saliency)


RESERVED = {"logits", "probabilities", "image", "saliency_features", "saliency_features_back", "imported_input"}


def _rename_clashes(model) -> None:
    """A user layer named like one of ours ("logits" is common) becomes "user_<name>"."""
    for layer in model._flatten_layers(include_self=False, recursive=True):
        if layer.name in RESERVED or layer.name.startswith("saliency_features"):
            layer.name = f"user_{layer.name}"


def onnx_source(path: Path) -> Source:
    from core.models.imported import onnx_source as os_

    proto = os_.read(path)
    _, dims = os_.image_input(proto)
    activation = os_.last_activation(proto)

    def apply(x, on_output, strip):
        graph = os_.strip_last_activation(proto) if strip else proto
        return os_.build(graph, x, on_output=on_output)

    run, runtime = os_.reference(path)
    return Source("onnx", dims[1:], apply, activation, run, runtime, "this tool's ONNX converter (onnx_ops)",
                  _onnx_spatial, _onnx_saliency)


def savedmodel_source(path: Path) -> Source:
    from core.models.imported import savedmodel_source as ss

    _, function, input_name, shape, output_name = ss.signature(path)
    run, runtime = ss.reference(function, input_name, output_name)

    def apply(x, on_output, strip):
        raise AssertionError("built by the importer from the copy it keeps")

    return Source("savedmodel", shape[1:], apply, None, run, runtime,
                  f"{runtime} (the SavedModel's serving function, called as it is)", lambda t: None, None,
                  copy_from=path, signature=(ss.SIGNATURE, input_name, output_name))


def open_source(path: Path) -> Source:
    """The Source of the model at `path` (ModelImportError if it is not one we can read)."""
    fmt = detect(path)
    if fmt in ("keras", "h5"):
        return keras_source(path, fmt)
    if fmt == "onnx":
        return onnx_source(path)
    return savedmodel_source(path)
