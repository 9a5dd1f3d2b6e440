"""Saved results, one shape for every kind of run (the grid curve, FMN's ε*, corruptions,
mechanism profiles, the seed study).

    <folder>/results/<checkpoint stem>-<key>.json

<folder> is the checkpoint's folder, or the same layout under `results_root` (what the user
computes for the read-only bundled zoo goes there). <key> is run_key(prefix, settings): the
kind's prefix ("fmn", "corruptions", ...; none for the grid curve, as it always was) and a
hash of everything that decides the numbers. The five kinds hashed their settings this way
each with its own helper before; the helpers now call run_key, so every saved file keeps its
name (nothing to migrate).

    run_key(prefix, settings)           the one key function (key_prefix reads its prefix back)
    load(spec, key, roots=...)          a saved result, or None
    save(spec, key, result, compare=)   atomic write; the twin test attached the same way for every kind
    latest(spec, prefix, roots, where)  the newest saved result of a kind matching `where`
    index(task, profile, roots)         what is saved for a task's models, without TensorFlow

The twin test: whichever twin is saved second, `compare(attentive, vanilla)` is written into
the attentive model's result (attentive minus vanilla), for every kind alike.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

from core.atomic import write_json
from core.models.spec import ModelSpec
from core.models.zoo import checkpoint_path

KEY_LENGTH = 12  # hex digits of the settings' SHA-1 in a file name


def run_key(prefix: str, settings: dict) -> str:
    """`<prefix>-<hash>` (just the hash for the grid curve, prefix ""): the SHA-1 of the
    settings as sorted JSON, so the same settings always name the same file."""
    digest = hashlib.sha1(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:KEY_LENGTH]
    return f"{prefix}-{digest}" if prefix else digest


def key_prefix(key: str) -> str:
    """The kind's prefix of a saved file's key (run_key): "fmn" of "fmn-<hash>", "" for the grid curve's bare hash."""
    return key.rsplit("-", 1)[0] if "-" in key else ""


def results_folder(spec: ModelSpec, *, root=None) -> Path:
    """`<root>/<profile>/<task>/results`."""
    return checkpoint_path(spec, root=root).parent / "results"


def results_path(spec: ModelSpec, key: str, *, root=None) -> Path:
    return results_folder(spec, root=root) / f"{checkpoint_path(spec, root=root).stem}-{key}.json"


def roots_of(root, results_root) -> list:
    """Where saved results are looked for, in order: the user's results root, then the checkpoints'."""
    return [r for r in (results_root, root) if r is not None]


def load(spec: ModelSpec, key: str, *, root=None, results_root=None) -> dict | None:
    """The saved result `<stem>-<key>.json` of `spec` (under `results_root`, then beside the
    checkpoint; the repository's checkpoints when neither is given), or None."""
    for folder_root in roots_of(root, results_root) or [None]:
        try:
            return json.loads(results_path(spec, key, root=folder_root).read_text())
        except (OSError, json.JSONDecodeError):
            continue
    return None


def save(spec: ModelSpec, key: str, result: dict, *, compare=None, started: float | None = None, root=None,
         results_root=None) -> Path:
    """Write `result` as `spec`'s `<stem>-<key>.json` atomically (under `results_root`, else
    beside the checkpoint), with its run time since `started` (time.monotonic()). With
    `compare`, the twin test: an attentive model whose vanilla twin has a result under the same
    key gets `compare(result, twin)`; a vanilla model's attentive twin, saved before it, gets
    its test computed again against this result and is written beside it."""
    if started is not None:
        result["seconds"] = round(time.monotonic() - started, 1)
    target = results_root or root
    attentive = None
    if compare is not None:
        twin = load(spec.twin(), key, root=root, results_root=results_root)
        if twin is not None and spec.attention:
            result["twin_test"] = compare(result, twin)
        elif twin is not None:
            attentive = {**twin, "twin_test": compare(twin, result)}
    path = results_path(spec, key, root=target)
    write_json(path, {k: v for k, v in result.items() if k != "path"}, compact=True)
    if attentive is not None:
        write_json(results_path(spec.twin(), key, root=target), {k: v for k, v in attentive.items() if k != "path"},
                   compact=True)
    return path


def saved(spec: ModelSpec, prefix: str | None = None, *, root=None, results_root=None) -> list[tuple[str, dict]]:
    """Every saved result of `spec` as (key, result), newest first; of one kind with `prefix`
    ("" for grid curves: keys with no prefix)."""
    found = []
    for folder_root in roots_of(root, results_root) or [None]:
        stem = checkpoint_path(spec, root=folder_root).stem
        for path in sorted(results_folder(spec, root=folder_root).glob(f"{stem}-*.json")):
            key = path.stem[len(stem) + 1:]
            if prefix is not None and key_prefix(key) != prefix:
                continue
            try:
                found.append((key, json.loads(path.read_text())))
            except (OSError, json.JSONDecodeError):
                continue
    return sorted(found, key=lambda item: item[1].get("created_at", ""), reverse=True)


def latest(spec: ModelSpec, prefix: str, *, root=None, results_root=None, **where) -> dict | None:
    """The newest saved result of the kind `prefix` whose fields equal `where` (e.g. data=...,
    n=200), or None."""
    for _, result in saved(spec, prefix, root=root, results_root=results_root):
        if all(result.get(field) == value for field, value in where.items()):
            return result
    return None


def index(task: str, *, profile: str = "demo", root=None, results_root=None) -> list[dict]:
    """What is saved for `task`'s models: one row per result (model, kind, key, data, n,
    created_at), read from the JSON files alone (no TensorFlow is imported)."""
    from core.models.zoo import available

    rows = []
    for spec in available(profile, root=root):
        if spec.task != task:
            continue
        for key, result in saved(spec, root=root, results_root=results_root):
            rows.append({"model": spec.model_id, "kind": key_prefix(key) or "grid", "key": key,
                         "data": result.get("data"), "n": result.get("n"), "created_at": result.get("created_at")})
    return rows
