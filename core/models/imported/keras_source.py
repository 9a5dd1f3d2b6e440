"""Keras models: a Keras 3 `.keras` archive or a legacy `.h5` file, read without running code.

Both formats describe the model as JSON. A Lambda layer (Python bytecode) or a class this
tool does not know is refused by name before Keras deserialises anything: the `.keras`
loader's safe_mode would refuse the Lambda too, but the legacy `.h5` loader has no such
guard for every path, so both are read the same way here first.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from core.models.imported.settings import ModelImportError

CODE_LAYERS = {"Lambda", "TFOpLambda", "SlicingOpLambda", "TFSMLayer"}  # layers that carry or load code


def _config(path: Path) -> dict:
    if path.suffix == ".keras":
        try:
            with zipfile.ZipFile(path) as archive:
                return json.loads(archive.read("config.json"))
        except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, UnicodeDecodeError, OSError):
            raise ModelImportError(f"{path.name} is not a Keras model archive (no readable config.json)") from None
    import h5py

    try:
        with h5py.File(path, "r") as file:
            text = file.attrs.get("model_config")
    except OSError:
        raise ModelImportError(f"{path.name} is not an HDF5 file") from None
    if text is None:
        raise ModelImportError(f"{path.name} holds no model configuration (weights only?): save the whole "
                               "model with model.save('model.keras')")
    try:
        return json.loads(text.decode() if isinstance(text, bytes) else text)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ModelImportError(f"{path.name}'s model configuration is not JSON") from None


OWN_PACKAGE = "advattn>"  # this tool's registered layers (SoftAttention, ...): known code, safe to rebuild


def _layers(config) -> list[tuple[str, str]]:
    """Every (class_name, name) in a model config, nested models included; this tool's own
    registered layers are named by their registered name ("advattn>SoftAttention")."""
    found = []
    if isinstance(config, dict):
        if "class_name" in config and isinstance(config.get("config"), dict):
            registered = str(config.get("registered_name") or "")
            kind = registered if registered.startswith(OWN_PACKAGE) else str(config["class_name"])
            found.append((kind, str(config["config"].get("name", "?"))))
        for value in config.values():
            found += _layers(value)
    elif isinstance(config, list):
        for value in config:
            found += _layers(value)
    return found


def vet(path: Path) -> None:
    """Refuse code-carrying layers and classes Keras would have to import, naming them."""
    import keras

    config = _config(path)
    layers = _layers(config)
    code = [f"{name} ({kind})" for kind, name in layers if kind in CODE_LAYERS]
    if code:
        raise ModelImportError(f"{path.name} contains layers that run arbitrary Python code, which this tool does not "
                               f"load: {', '.join(code)}; rewrite them as standard layers")
    known = set(dir(keras.layers)) | set(dir(keras.models)) | {"Functional", "InputLayer", "Sequential", "Model"}
    unknown = sorted({f"{name} ({kind})" for kind, name in layers
                      if kind not in known and not _is_keras_object(kind) and kind[:1].isupper()
                      and not kind.startswith(OWN_PACKAGE)})
    if unknown:
        raise ModelImportError(f"{path.name} uses custom classes Keras cannot rebuild without their code: "
                               f"{', '.join(unknown)}")


def _is_keras_object(kind: str) -> bool:
    """Initializers, regularizers, constraints, dtype policies: configuration objects, not layers."""
    import keras

    modules = (keras.initializers, keras.regularizers, keras.constraints, keras.activations, keras.dtype_policies,
               keras.losses, keras.metrics, keras.optimizers)
    return any(hasattr(module, kind) for module in modules) or kind in {"DTypePolicy", "FloatDTypePolicy", "__tensor__",
                                                                       "__numpy__", "__keras_tensor__", "__tuple__"}


def load(path: Path):
    """The user's Keras model, loaded with safe_mode=True after vet()."""
    import keras

    import core.models.build  # noqa: F401 - registers this tool's own layers (a model trained with it elsewhere)

    vet(path)
    try:
        return keras.models.load_model(path, safe_mode=True, compile=False)
    except Exception as error:  # keras raises many types for bad files
        raise ModelImportError(f"{path.name} could not be loaded by Keras {keras.__version__} "
                               f"({type(error).__name__}: {' '.join(str(error).split())[:200]})") from None


def flatten_apply(model, x, on_output=None, skip=None):
    """Apply `model` to the Keras tensor `x` with every layer of it, nested models included,
    becoming a layer of the calling graph (so get_layer finds Grad-CAM's layer).
    `on_output(layer, tensor)` sees each layer's output in order and may replace it; the
    layer `skip` (a final softmax taken off) passes its input through."""
    import keras
    from keras.src.models.functional import Functional

    def apply(operation, *args, **kwargs):
        if isinstance(operation, keras.Sequential):
            out = args[0]
            for layer in operation.layers:
                out = apply(layer, out)
            return out
        if isinstance(operation, Functional):
            return operation._run_through_graph(args[0], operation_fn=lambda op: lambda *a, **k: apply(op, *a, **k))
        if operation is skip:
            return args[0]
        out = operation(*args, **kwargs)
        replaced = on_output(operation, out) if on_output is not None else None
        return out if replaced is None else replaced

    return apply(model, x)


def last_activation(model) -> str | None:
    """"Softmax" or "Sigmoid" when the model ends in a separate softmax / sigmoid layer (taken
    off for the logits): a Softmax layer or an Activation layer."""
    import keras

    last = _last_layer(model)
    if isinstance(last, keras.layers.Softmax):
        return "Softmax"
    if isinstance(last, keras.layers.Activation):
        name = getattr(last.activation, "__name__", "")
        return {"softmax": "Softmax", "sigmoid": "Sigmoid"}.get(name)
    return None


def _last_layer(model):
    import keras
    from keras.src.models.functional import Functional

    while isinstance(model, (keras.Sequential, Functional)):
        outputs = model.outputs
        if len(outputs) != 1:
            return None
        model = outputs[0]._keras_history.operation
    return model


def reference(model):
    """The original runtime: the user's own Keras model, images in its own layout."""
    import keras
    import numpy as np

    def run(images):
        return np.asarray(model(images, training=False))

    return run, f"Keras {keras.__version__}"
