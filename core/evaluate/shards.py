"""Fixed shards of a test set: the unit of work, of seeding and of saving.

A test set of n images is cut into shards of SHARD_SIZE images in order; shard i is
attacked with seeds drawn from (preset seed, i, epsilon index), so whoever evaluates it
(this process, or a Ray worker on another machine) gets the same per-image result, bit for
bit. Each shard's outcome is written atomically as an .npz as soon as it is done; a re-run
skips the shards already on disk.
"""

from __future__ import annotations

import json
import zipfile
import zlib
from pathlib import Path

import numpy as np

from core.atomic import atomic_path

SHARD_SIZE = 50  # images per shard


def shard_bounds(n: int, size: int = SHARD_SIZE) -> list[tuple[int, int]]:
    """(start, stop) of each shard of n images."""
    return [(start, min(start + size, n)) for start in range(0, n, size)]


def shard_file(folder: Path, index: int) -> Path:
    return Path(folder) / f"shard-{index:05d}.npz"


def save_shard(path: Path, outcomes: list[dict]) -> Path:
    """Write one shard's per-epsilon outcomes (core.evaluate.curve.attack_sweep) atomically."""
    arrays = {
        "epsilons": np.array([o["epsilon"] for o in outcomes], np.float64),
        "robust": np.stack([o["robust"] for o in outcomes]),
        "scores": np.stack([o["scores"] for o in outcomes]).astype(np.float32),
        "fooled_by": np.array(json.dumps([o["fooled_by"] for o in outcomes])),
    }
    if outcomes and outcomes[0]["robust_this_epsilon"] is not None:
        arrays["robust_this_epsilon"] = np.stack([o["robust_this_epsilon"] for o in outcomes])
    with atomic_path(path) as temporary:
        with open(temporary, "wb") as file:
            np.savez(file, **arrays)
    return Path(path)


def load_shard(path: Path) -> list[dict] | None:
    """A saved shard's outcomes, or None if it is missing or unreadable (it is then re-run)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            fooled_by = json.loads(str(data["fooled_by"]))
            raw = data["robust_this_epsilon"] if "robust_this_epsilon" in data else None
            return [{"epsilon": float(e), "robust": data["robust"][k], "scores": data["scores"][k],
                     "fooled_by": fooled_by[k], "robust_this_epsilon": None if raw is None else raw[k]}
                    for k, e in enumerate(data["epsilons"])]
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile, zlib.error):  # truncated or damaged
        return None


def merge(shards: list[list[dict]]) -> list[dict]:
    """Per-epsilon outcomes of consecutive shards joined into those of the whole test set."""
    merged = []
    for per_epsilon in zip(*shards):
        raw = [o["robust_this_epsilon"] for o in per_epsilon]
        fooled_by: dict[str, int] = {}
        for outcome in per_epsilon:
            for title, count in outcome["fooled_by"].items():
                fooled_by[title] = fooled_by.get(title, 0) + count
        merged.append({"epsilon": per_epsilon[0]["epsilon"],
                       "robust": np.concatenate([o["robust"] for o in per_epsilon]),
                       "scores": np.concatenate([o["scores"] for o in per_epsilon]),
                       "fooled_by": fooled_by,
                       "robust_this_epsilon": None if raw[0] is None else np.concatenate(raw)})
    return merged
