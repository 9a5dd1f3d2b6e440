"""Loading a checkpoint (safe_mode, only this tool's models) or a training state to resume,
with errors that say what to do."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from core.models.spec import ModelSpec
from core.models.zoo.cards import CheckpointError
from core.models.zoo.paths import checkpoint_path


def load_checkpoint(path: str | Path):
    """Load a `.keras` checkpoint with safe_mode=True.

    Raises CheckpointError, saying what to do, when the file is missing, truncated or
    corrupt, or not a model of this tool (no "logits" and "probabilities" layers).
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}; train the model first "
                              "(python -m core.train) or choose one from the zoo")
    if path.suffix != ".keras" or not zipfile.is_zipfile(path):
        raise CheckpointError(f"{path} is not a Keras checkpoint (a .keras zip archive); "
                              "it may be truncated or corrupt: retrain or restore it")
    import keras

    import core.models.adapters  # noqa: F401 - registers the layers of imported models
    import core.models.onnx_ops  # noqa: F401
    from core.models.build import LOGITS_LAYER, PROBABILITIES_LAYER

    try:
        model = keras.models.load_model(path, safe_mode=True, compile=False)
    except Exception as error:  # keras raises many types for bad archives
        raise CheckpointError(f"{path.name} could not be loaded ({_first_sentence(error)}); it may be corrupt, "
                              "truncated, made by another program or by another version of this tool "
                              f"(Keras {keras.__version__} here): delete it and train it again") from error
    names = {layer.name for layer in model.layers}
    if not {LOGITS_LAYER, PROBABILITIES_LAYER} <= names:
        raise CheckpointError(f"{path} is a Keras model but not one of this tool's (it has no "
                              f"'{LOGITS_LAYER}' and '{PROBABILITIES_LAYER}' layers)")
    return model


def load_training_state(path: str | Path):
    """The full training state (model, optimizer and its step) that `--resume` continues from,
    loaded with safe_mode=True; CheckpointError, with the cause chained, if it is unusable."""
    import keras

    import core.models.build  # noqa: F401 - registers this tool's layers before Keras looks them up

    try:
        return keras.models.load_model(path, safe_mode=True)
    except Exception as error:  # keras raises many types for bad archives
        raise CheckpointError(f"the saved training state {Path(path).name} could not be loaded "
                              f"({_first_sentence(error)}); run again without --resume to start over") from error


def _first_sentence(error: Exception) -> str:
    """What went wrong, without Keras's advice to load untrusted files with safe_mode off."""
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(str(error).split()))
    kept = " ".join(s for s in sentences if not re.search(r"(?i)safe_mode|unsafe_deserialization|trust the source", s))
    return f"{type(error).__name__}: {kept[:300]}" if kept else type(error).__name__


def load_model(spec: ModelSpec, *, root=None):
    """Load the checkpoint of `spec` under `root`; CheckpointError if there is none."""
    return load_checkpoint(checkpoint_path(spec, root=root))
