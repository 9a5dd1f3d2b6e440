"""Saved curves: JSON (everything, per-image flags included) and CSV (the curve) per model,
through core.store (the one key function, load and save of every kind of run).

    <folder>/results/<backbone>_<variant>-<key>.json / .csv

<folder> is the checkpoint's folder, or the same layout under `results_root` (results the
user computes for the read-only bundled zoo go there). <key> hashes everything that decides
the numbers: data, image count, epsilon grid and the evaluation protocol.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from core.atomic import write_text
from core.evaluate.presets import Preset
from core.models.spec import ModelSpec
from core.models.zoo import checkpoint_path
from core.store import load as load_keyed, results_folder, results_path, roots_of as _roots, run_key, save

CSV_FIELDS = ["epsilon", "epsilon_255", "accuracy", "accuracy_low", "accuracy_high", "robust_count", "n",
              "accuracy_this_epsilon", "auc", "auc_low", "auc_high"]


NOT_CURVES = ("fmn", "corruptions", "mechanism")  # key prefixes of saved results that are not grid curves


def results_key(data: str, n: int, epsilons, attack: Preset) -> str:
    """The key of a curve (core.store.run_key, no prefix): everything that decides it."""
    return run_key("", {"data": data, "n": n, "epsilons": [float(e) for e in epsilons], "attack": attack.to_dict()})


def shards_folder(spec: ModelSpec, key: str, *, root=None) -> Path:
    """Where the per-shard outcomes of one evaluation are kept (core.evaluate.shards)."""
    return results_folder(spec, root=root) / "shards" / f"{checkpoint_path(spec, root=root).stem}-{key}"


def load_results(spec: ModelSpec, *, data: str, n: int, epsilons, attack: Preset, root=None,
                 results_root=None) -> dict | None:
    """Saved results for exactly these settings (under `results_root`, then beside the
    checkpoint), or None."""
    return load_keyed(spec, results_key(data, n, epsilons, attack), root=root, results_root=results_root)


def saved_results(spec: ModelSpec, *, root=None, results_root=None) -> list[dict]:
    """Every saved result of `spec`, newest first."""
    found = []
    for folder_root in _roots(root, results_root):
        stem = checkpoint_path(spec, root=folder_root).stem
        for path in sorted(results_folder(spec, root=folder_root).glob(f"{stem}-*.json")):
            if path.stem.startswith(tuple(f"{stem}-{kind}-" for kind in NOT_CURVES)):
                continue  # a minimum-norm, corruption or mechanism result, not a curve of the grid
            try:
                found.append(json.loads(path.read_text()))
            except (OSError, json.JSONDecodeError):
                continue
    return sorted(found, key=lambda r: r.get("created_at", ""), reverse=True)


def newest_whole_grid(spec: ModelSpec, results: list[dict]) -> dict | None:
    """Of `results` (newest first, as saved_results gives them), the newest over the task's
    whole ε grid; else the newest of any grid (a seed study's two-point run, say); None if none."""
    grid = [round(e, 8) for e in spec.task_info.epsilons]
    whole = (r for r in results if [round(e, 8) for e in r.get("epsilons", [])] == grid)
    return next(whole, results[0] if results else None)


def curve_csv(rows: list[dict]) -> str:
    """The curve as CSV (no per-image columns)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def save_results(spec: ModelSpec, result: dict, *, root=None, results_root=None, compare=None) -> Path:
    """Write `result` (core.store.save: JSON, the twin test with `compare`) and its curve (CSV)
    atomically; returns the JSON path."""
    key = results_key(result["data"], result["n"], result["epsilons"], Preset.from_dict(result["attack"]))
    path = save(spec, key, result, compare=compare, root=root, results_root=results_root)
    write_text(path.with_suffix(".csv"), curve_csv(result["curve"]))
    twin = results_path(spec.twin(), key, root=results_root or root)
    if compare is not None and not spec.attention and twin.is_file():  # the attentive twin's test, written again
        write_text(twin.with_suffix(".csv"), curve_csv(json.loads(twin.read_text())["curve"]))
    return path
