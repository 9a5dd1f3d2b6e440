"""Where checkpoints live: the bundled zoo under the repository's checkpoints/, what people
train or import under the user's models folder, and the card beside each model."""

from __future__ import annotations

import os
from pathlib import Path

from core.models.spec import ModelSpec


CHECKPOINT_ROOT = Path(__file__).resolve().parents[3] / "checkpoints"  # the repo's checkpoints/


def root_or_default(root) -> Path:
    """`root` as a Path; None (the default everywhere) means the repository's checkpoints/."""
    return CHECKPOINT_ROOT if root is None else Path(root)


def user_models_root() -> Path:
    """What people train or import: $ADVATTN_USER_MODELS, else checkpoints/user (git-ignored)."""
    return Path(os.environ.get("ADVATTN_USER_MODELS", CHECKPOINT_ROOT / "user"))


def checkpoint_path(spec: ModelSpec, *, root=None) -> Path:
    """Where the `.keras` file of `spec` lives under `root` (for an imported model, None means
    the user's models folder: imported models never go among the bundled ones)."""
    base = user_models_root() if root is None and spec.is_imported else root_or_default(root)
    return base / spec.profile / spec.task / f"{spec.file_stem}.keras"


def card_path(checkpoint: str | Path) -> Path:
    """The JSON card beside a `.keras` checkpoint."""
    return Path(checkpoint).with_suffix(".json")
