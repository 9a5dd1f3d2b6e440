"""The model zoo: specs, building, and checkpoints on disk.

A checkpoint is two files side by side:

    <root>/<profile>/<task>/<backbone>_<variant>.keras   the Keras model (safe_mode loadable),
                                                         with its card inside (advattn_card.json)
    <root>/<profile>/<task>/<backbone>_<variant>.json    a copy of the card for people and tools:
                                                         spec, training config, metrics, history,
                                                         versions, date

The model and its card are replaced as ONE file (temporary file + rename), so a process
killed at any moment leaves the previous checkpoint, with its own card, loadable; the copy
beside it is refreshed afterwards and the card inside the model wins if they differ.
Temporary files an interrupted write leaves behind are swept at the next training start
and by Delete.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import threading
import zipfile
from datetime import datetime, timezone
from pathlib import Path

from core.atomic import atomic_path, write_json
from core.models.spec import DEFENCES, USER_PROFILE, ModelSpec, all_specs

# Keras is imported where a model is built, saved or loaded: listing checkpoints stays light.

__all__ = [
    "CARD_FORMAT", "CHECKPOINT_ROOT", "CheckpointError", "ModelSpec", "all_specs", "available",
    "build_model", "card_path", "checkpoint_path", "delete_checkpoint", "load_checkpoint", "load_model",
    "load_training_state", "read_card",
    "save_checkpoint", "scan", "stale_temporaries", "sweep_temporaries",
]

CHECKPOINT_ROOT = Path(__file__).resolve().parents[2] / "checkpoints"  # the repo's checkpoints/
CARD_FORMAT = "advattn-checkpoint/1"
EMBEDDED_CARD = "advattn_card.json"  # the card inside the .keras archive


class CheckpointError(ValueError):
    """A checkpoint is missing, corrupt or not one of this tool's models."""


def _root(root) -> Path:
    """`root` as a Path; None (the default everywhere) means the repository's checkpoints/."""
    return CHECKPOINT_ROOT if root is None else Path(root)


def user_models_root() -> Path:
    """What people train or import: $ADVATTN_USER_MODELS, else checkpoints/user (git-ignored)."""
    return Path(os.environ.get("ADVATTN_USER_MODELS", CHECKPOINT_ROOT / "user"))


def checkpoint_path(spec: ModelSpec, *, root=None) -> Path:
    """Where the `.keras` file of `spec` lives under `root` (for an imported model, None means
    the user's models folder: imported models never go among the bundled ones)."""
    base = user_models_root() if root is None and spec.is_imported else _root(root)
    return base / spec.profile / spec.task / f"{spec.file_stem}.keras"


def card_path(checkpoint: str | Path) -> Path:
    """The JSON card beside a `.keras` checkpoint."""
    return Path(checkpoint).with_suffix(".json")


def build_model(spec: ModelSpec, *, weights=None):
    """core.models.build.build_model (re-exported here with the rest of the zoo)."""
    from core.models.build import build_model as build

    return build(spec, weights=weights)


def _versions() -> dict:
    import keras
    import numpy as np
    import tensorflow as tf

    return {"python": platform.python_version(), "tensorflow": tf.__version__,
            "keras": keras.__version__, "numpy": np.__version__}


def save_checkpoint(model, spec: ModelSpec, *, root=None,
                    card: dict | None = None) -> Path:
    """Save `model` and its card for `spec` as one atomic unit; returns the `.keras` path.

    `card` holds what the caller knows (training config, metrics, history); the spec,
    parameter count, library versions and creation time are added here.
    """
    from core.models.build import feature_layer_name

    path = checkpoint_path(spec, root=root)
    try:
        feature_layer = feature_layer_name(model)
    except ValueError:  # an imported SavedModel has no layers to explain
        feature_layer = None
    full_card = {
        **(card or {}),
        "format": CARD_FORMAT,
        "spec": spec.to_dict(),
        "model_id": spec.model_id,
        "parameters": int(model.count_params()),
        "feature_layer": feature_layer,
        "versions": _versions(),
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    with atomic_path(path) as temporary:
        model.save(temporary)
        _deflate(temporary, card=full_card)  # the card travels inside the model file
    write_json(card_path(path), full_card)
    return path


def _deflate(archive: Path, *, card: dict | None = None) -> None:
    """Rewrite a .keras archive with every entry deflated (Keras stores them uncompressed; the
    weights shrink by about 13 %, which keeps the bundled zoo within its size budget), with
    `card` written inside when given. Entries keep their names and times; Keras reads either."""
    with atomic_path(archive) as packed:
        with zipfile.ZipFile(archive) as source, \
                zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
            for entry in source.infolist():
                if card is None or entry.filename != EMBEDDED_CARD:
                    target.writestr(zipfile.ZipInfo(entry.filename, entry.date_time), source.read(entry),
                                    compress_type=zipfile.ZIP_DEFLATED)
            if card is not None:
                target.writestr(EMBEDDED_CARD, json.dumps(card, indent=2, sort_keys=True, default=str),
                                compress_type=zipfile.ZIP_DEFLATED)


def read_card(checkpoint: str | Path) -> dict:
    """The card of a checkpoint: the one inside the .keras file when there is one (it always
    matches the model), else the JSON beside it; CheckpointError if neither can be read."""
    embedded = _embedded_card(Path(checkpoint))
    if embedded is not None:
        return embedded
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


def defence_epsilon(spec: ModelSpec, *, root=None) -> float | None:
    """The epsilon a defended model was trained at (its card's config), None for an undefended
    model or one whose checkpoint or card cannot be read."""
    if spec.defence == "none":
        return None
    try:
        epsilon = read_card(checkpoint_path(spec, root=root)).get("config", {}).get("defence_epsilon")
    except CheckpointError:
        return None
    return float(epsilon) if isinstance(epsilon, (int, float)) else None


_ARCHIVE_LOOKS: dict = {}  # (path, inode, mtime, size) -> (embedded card's JSON or None, archive problem or None)
_ARCHIVE_LOOKS_KEPT = 256  # every page rerun scans the zoo: its zip directories are read once per file version
_ARCHIVE_LOOKS_LOCK = threading.Lock()  # browser sessions are threads of one server


def _archive_look(checkpoint: Path) -> tuple[dict | None, str | None]:
    """What scan() needs from a .keras archive, read once per version of the file (a rewrite
    changes its inode or time); the card is returned as a fresh copy."""
    try:
        stat = checkpoint.stat()
    except OSError:
        return None, f"{checkpoint.name} cannot be read"
    key = (str(checkpoint), stat.st_ino, stat.st_mtime_ns, stat.st_size)
    with _ARCHIVE_LOOKS_LOCK:
        looked = _ARCHIVE_LOOKS.get(key)
    if looked is None:
        card = _read_embedded_card(checkpoint)
        looked = (None if card is None else json.dumps(card), _read_archive_problem(checkpoint))
        with _ARCHIVE_LOOKS_LOCK:
            while len(_ARCHIVE_LOOKS) >= _ARCHIVE_LOOKS_KEPT:
                _ARCHIVE_LOOKS.pop(next(iter(_ARCHIVE_LOOKS)))
            _ARCHIVE_LOOKS[key] = looked
    text, problem = looked
    return (None if text is None else json.loads(text)), problem


def _embedded_card(checkpoint: Path) -> dict | None:
    return _archive_look(checkpoint)[0]


def _read_embedded_card(checkpoint: Path) -> dict | None:
    try:
        with zipfile.ZipFile(checkpoint) as archive:
            card = json.loads(archive.read(EMBEDDED_CARD))
    except (OSError, KeyError, zipfile.BadZipFile, json.JSONDecodeError, UnicodeDecodeError):
        return None
    return card if isinstance(card, dict) and card.get("format") == CARD_FORMAT else None


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


def stale_temporaries(spec: ModelSpec, *, root=None) -> list[Path]:
    """Temporary files (".<stem>.*.tmp.*") an interrupted write of `spec` left behind."""
    path = checkpoint_path(spec, root=root)
    if not path.parent.is_dir():
        return []
    stems = (path.stem, path.stem + ".resume")
    return sorted({p for stem in stems for p in path.parent.glob(f".{stem}.*.tmp.*") if p.is_file()})


def sweep_temporaries(spec: ModelSpec, *, root=None) -> list[Path]:
    """Delete the stale temporaries of `spec` (call only when no write of it is running)."""
    swept = stale_temporaries(spec, root=root)
    for path in swept:
        path.unlink(missing_ok=True)
    return swept


def delete_checkpoint(spec: ModelSpec, *, root=None) -> list[Path]:
    """Delete the checkpoint of `spec`, its card, resume state, saved results and stale
    temporaries; returns the deleted paths. Only files that resolve inside the checkpoint's
    own folder are touched: a symbolic link leading elsewhere (e.g. a linked results/) is
    left alone."""
    path = checkpoint_path(spec, root=root)
    folder = path.parent.resolve()
    results = path.parent / "results"
    candidates = [path, card_path(path), path.with_name(path.stem + ".resume.keras"),
                  path.with_name(path.stem + ".resume.json"), path.with_suffix(".ood.npz"),
                  *stale_temporaries(spec, root=root)]
    if results.is_dir() and not results.is_symlink():
        candidates += sorted(results.glob(f"{path.stem}-*"))
    deleted = []
    for candidate in candidates:
        if candidate.is_symlink() or not candidate.is_file() or folder not in candidate.resolve().parents:
            continue
        candidate.unlink()
        deleted.append(candidate)
    kept = path.with_suffix(".savedmodel")  # an imported SavedModel's copy (core.models.imported)
    if spec.is_imported and kept.is_dir() and not kept.is_symlink():
        shutil.rmtree(kept)
        deleted.append(kept)
    return deleted


def _archive_problem(path: Path) -> str | None:
    """A cheap look at a .keras archive (its directory sits at the end, so a truncated file fails)."""
    return _archive_look(path)[1]


def _read_archive_problem(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (OSError, zipfile.BadZipFile):
        return f"{path.name} is not a complete Keras archive (truncated or corrupt): delete it and train it again"
    if not {"config.json", "model.weights.h5"} <= names:
        return f"{path.name} lacks the model's configuration or weights: delete it and train it again"
    return None


def _imported(root) -> list[ModelSpec]:
    """The specs of the imported models under `root` (read from their cards; the user profile
    has no fixed list of models)."""
    specs = []
    base = user_models_root() if root is None else _root(root)
    for path in sorted((base / USER_PROFILE).glob("*/*.keras")):
        try:
            spec = ModelSpec.from_dict(read_card(path).get("spec", {}))
        except (CheckpointError, ValueError):
            continue
        if checkpoint_path(spec, root=root) == path:
            specs.append(spec)
    return specs


def scan(profile: str = "demo", *, root=None) -> list[tuple[ModelSpec, Path, str | None]]:
    """Every checkpoint file of `profile` under `root` with the reason it cannot be used, or
    None when its card is readable and matches (the zoo page lists the broken ones too)."""
    found = []
    specs = _imported(root) if profile == USER_PROFILE else all_specs(profile, defences=tuple(DEFENCES))
    for spec in specs:  # defended models too, where trained
        path = checkpoint_path(spec, root=root)
        if not path.is_file():
            continue
        try:
            card = read_card(path)
            problem = _archive_problem(path) or (None if card.get("spec") == spec.to_dict()
                                                 else "its card belongs to another model")
        except CheckpointError as error:
            problem = str(error)
        found.append((spec, path, problem))
    return found


def available(profile: str = "demo", *, root=None) -> list[ModelSpec]:
    """Specs of `profile` that have a checkpoint and a readable, matching card under `root`."""
    return [spec for spec, _, problem in scan(profile, root=root) if problem is None]
