"""The model zoo: specs, building, and checkpoints on disk (DESIGN.md section 5).

A checkpoint is two files side by side:

    <root>/<profile>/<task>/<backbone>_<variant>.keras   the Keras model (safe_mode loadable)
    <root>/<profile>/<task>/<backbone>_<variant>.json    its card: spec, training config,
                                                         metrics, history, versions, date

Both are written atomically (temporary file + rename), so a process killed at any moment
leaves the previous checkpoint loadable.
"""

from __future__ import annotations

import json
import platform
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import keras
import numpy as np

from core.atomic import atomic_path, write_json
from core.models.build import LOGITS_LAYER, PROBABILITIES_LAYER, build_model, feature_layer_name
from core.models.spec import ModelSpec, all_specs

__all__ = [
    "CARD_FORMAT", "CHECKPOINT_ROOT", "CheckpointError", "ModelSpec", "all_specs", "available",
    "build_model", "card_path", "checkpoint_path", "delete_checkpoint", "load_checkpoint", "load_model", "read_card",
    "save_checkpoint",
]

CHECKPOINT_ROOT = Path(__file__).resolve().parents[2] / "checkpoints"  # the repo's checkpoints/
CARD_FORMAT = "advattn-checkpoint/1"


class CheckpointError(ValueError):
    """A checkpoint is missing, corrupt or not one of this tool's models."""


def _root(root) -> Path:
    """`root` as a Path; the default "checkpoints" means the repository's folder."""
    return CHECKPOINT_ROOT if str(root) == "checkpoints" else Path(root)


def checkpoint_path(spec: ModelSpec, *, root="checkpoints") -> Path:
    """Where the `.keras` file of `spec` lives under `root`."""
    return _root(root) / spec.profile / spec.task / f"{spec.backbone}_{spec.variant}.keras"


def card_path(checkpoint: str | Path) -> Path:
    """The JSON card beside a `.keras` checkpoint."""
    return Path(checkpoint).with_suffix(".json")


def _versions() -> dict:
    import tensorflow as tf

    return {"python": platform.python_version(), "tensorflow": tf.__version__,
            "keras": keras.__version__, "numpy": np.__version__}


def save_checkpoint(model: keras.Model, spec: ModelSpec, *, root="checkpoints",
                    card: dict | None = None) -> Path:
    """Save `model` and its card for `spec` atomically; returns the `.keras` path.

    `card` holds what the caller knows (training config, metrics, history); the spec,
    parameter count, library versions and creation time are added here.
    """
    path = checkpoint_path(spec, root=root)
    with atomic_path(path) as temporary:
        model.save(temporary)
    full_card = {
        **(card or {}),
        "format": CARD_FORMAT,
        "spec": spec.to_dict(),
        "model_id": spec.model_id,
        "parameters": int(model.count_params()),
        "feature_layer": feature_layer_name(model),
        "versions": _versions(),
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    write_json(card_path(path), full_card)
    return path


def read_card(checkpoint: str | Path) -> dict:
    """The card of a checkpoint; CheckpointError if it is missing or unreadable."""
    path = card_path(checkpoint)
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CheckpointError(f"no card {path.name} beside {Path(checkpoint).name}; "
                              "save checkpoints with core.models.zoo.save_checkpoint") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(f"card {path} is unreadable ({error}); retrain or restore it") from None
    if not isinstance(card, dict) or card.get("format") != CARD_FORMAT:
        raise CheckpointError(f"{path} is not a card of this tool (expected format {CARD_FORMAT})")
    return card


def load_checkpoint(path: str | Path) -> keras.Model:
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
    try:
        model = keras.models.load_model(path, safe_mode=True, compile=False)
    except Exception as error:  # keras raises many types for bad archives
        raise CheckpointError(f"{path} could not be loaded ({type(error).__name__}: {error}); "
                              "it may be corrupt or from another program: retrain it") from None
    names = {layer.name for layer in model.layers}
    if not {LOGITS_LAYER, PROBABILITIES_LAYER} <= names:
        raise CheckpointError(f"{path} is a Keras model but not one of this tool's (it has no "
                              f"'{LOGITS_LAYER}' and '{PROBABILITIES_LAYER}' layers)")
    return model


def load_model(spec: ModelSpec, *, root="checkpoints") -> keras.Model:
    """Load the checkpoint of `spec` under `root`; CheckpointError if there is none."""
    return load_checkpoint(checkpoint_path(spec, root=root))


def delete_checkpoint(spec: ModelSpec, *, root="checkpoints") -> list[Path]:
    """Delete the checkpoint of `spec`, its card, resume state and saved results; returns
    the deleted paths."""
    path = checkpoint_path(spec, root=root)
    candidates = [path, card_path(path), path.with_name(path.stem + ".resume.keras"),
                  path.with_name(path.stem + ".resume.json"),
                  *sorted((path.parent / "results").glob(f"{path.stem}-*"))]
    deleted = [p for p in candidates if p.is_file()]
    for p in deleted:
        p.unlink()
    return deleted


def available(profile: str = "demo", *, root="checkpoints") -> list[ModelSpec]:
    """Specs of `profile` that have a checkpoint and a readable card under `root`."""
    found = []
    for spec in all_specs(profile):
        path = checkpoint_path(spec, root=root)
        if not path.is_file():
            continue
        try:
            card = read_card(path)
        except CheckpointError:
            continue
        if card.get("spec") == spec.to_dict():
            found.append(spec)
    return found
