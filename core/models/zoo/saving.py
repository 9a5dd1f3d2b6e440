"""Building a model and saving it with its card as one atomic unit (the card inside the
archive, a copy beside it), every archive entry deflated."""

from __future__ import annotations

import json
import platform
import zipfile
from datetime import datetime, timezone
from pathlib import Path

from core.atomic import atomic_path, write_json
from core.models.spec import ModelSpec
from core.models.zoo.cards import CARD_FORMAT, EMBEDDED_CARD
from core.models.zoo.paths import card_path, checkpoint_path


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
