"""The checkpoints of a profile as the zoo page lists them (each with what is wrong with it,
if anything), and housekeeping: stale temporaries, deleting a model with what belongs to it."""

from __future__ import annotations

import shutil
from pathlib import Path

from core.models.spec import DEFENCES, USER_PROFILE, ModelSpec, all_specs
from core.models.zoo.cards import CheckpointError, archive_problem, read_card
from core.models.zoo.paths import card_path, checkpoint_path, root_or_default, user_models_root


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


def _imported(root) -> list[ModelSpec]:
    """The specs of the imported models under `root` (read from their cards; the user profile
    has no fixed list of models)."""
    specs = []
    base = user_models_root() if root is None else root_or_default(root)
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
            problem = archive_problem(path) or (None if card.get("spec") == spec.to_dict()
                                                 else "its card belongs to another model")
        except CheckpointError as error:
            problem = str(error)
        found.append((spec, path, problem))
    return found


def available(profile: str = "demo", *, root=None) -> list[ModelSpec]:
    """Specs of `profile` that have a checkpoint and a readable, matching card under `root`."""
    return [spec for spec, _, problem in scan(profile, root=root) if problem is None]
