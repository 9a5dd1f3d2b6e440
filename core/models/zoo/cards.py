"""A checkpoint's card (spec, training config, metrics, versions), read from inside the model
archive or beside it, and a cheap look at the archive that every page rerun's zoo scan makes."""

from __future__ import annotations

import json
import threading
import zipfile
from pathlib import Path

from core.models.spec import ModelSpec
from core.models.zoo.paths import card_path, checkpoint_path


CARD_FORMAT = "advattn-checkpoint/1"
EMBEDDED_CARD = "advattn_card.json"  # the card inside the .keras archive


class CheckpointError(ValueError):
    """A checkpoint is missing, corrupt or not one of this tool's models."""


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


def archive_problem(path: Path) -> str | None:
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
