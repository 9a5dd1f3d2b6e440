"""The models a page works with, loaded once per server (not a page itself): the warm model
cache, the background warm-up, and what is known about each model (incomplete runs,
feature statistics for out-of-distribution cautions, saliency audits)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

import streamlit as st

from core.models.zoo import ModelSpec, checkpoint_path, load_checkpoint
from app_pages.common import Selection

# Models stay loaded (and their compiled functions traced) for the life of the server, one per
# checkpoint file, its newest version only, at most MAX_MODELS of them (least recently used
# evicted: a user's training job rewrites its checkpoint every improving epoch); a background
# thread started by app.py warms the selected task's models while the page draws its widgets
# (pages wait on the lock of a model being warmed).
MAX_MODELS = 12  # three tasks' four models: the bundled zoo, or the user's, all warm at once
_MODELS: "OrderedDict[tuple[str, float], object]" = OrderedDict()
_LOCKS: dict[tuple[str, float], threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()
_WARMING: set = set()  # versions a warm-up thread has been started for
# TensorFlow's package cannot be imported by two threads at once (one of them gets a partly
# initialised module: "dataset_ops has no attribute DatasetV2"), so the warm-up thread and the
# pages import the engine through this one lock.
_ENGINE_IMPORT = threading.Lock()


def import_engine() -> None:
    """Import TensorFlow and the engine modules that use it, once, one thread at a time."""
    with _ENGINE_IMPORT:
        import core.evaluate  # noqa: F401 - the import is the point
        import core.explore  # noqa: F401


def _warm_model(path: str, modified: float):
    """The checkpoint at `path` (this file version), loaded and warmed once per process."""
    key = (path, modified)
    with _LOCKS_GUARD:
        lock = _LOCKS.setdefault(key, threading.Lock())
    with lock:
        model = _MODELS.get(key)
        if model is None:
            import_engine()
            from core.explore import warm_up

            model = load_checkpoint(path)
            warm_up(model)
        with _LOCKS_GUARD:
            _remember(key, model)
    return model


def _remember(key: tuple[str, float], model) -> None:
    """Keep `model` as the most recently used; drop older versions of its file and, past
    MAX_MODELS, the least recently used (their compiled functions go with them: a weak cache)."""
    for stale in [k for k in _MODELS if k[0] == key[0] and k != key]:
        del _MODELS[stale]
        _LOCKS.pop(stale, None)
    _MODELS[key] = model
    _MODELS.move_to_end(key)
    while len(_MODELS) > MAX_MODELS:
        oldest, _ = _MODELS.popitem(last=False)
        _LOCKS.pop(oldest, None)


def _version(spec: ModelSpec, root: Path) -> tuple[str, float]:
    path = checkpoint_path(spec, root=root)
    return str(path), path.stat().st_mtime


def start_warm_up(selection: "Selection") -> None:
    """Load and warm the selection's models in a background thread (no-op once started)."""
    try:
        versions = [_version(spec, selection.root) for spec in selection.specs()]
    except OSError:
        return
    with _LOCKS_GUARD:  # two sessions starting at once start one thread per model
        pending = [v for v in versions if v not in _MODELS and v not in _WARMING]
        _WARMING.update(pending)
    if not pending:
        return

    def run():
        import_engine()
        for version in pending:
            try:
                _warm_model(*version)
            except ValueError:
                pass  # the page reports a checkpoint that cannot be loaded

    threading.Thread(target=run, name="advattn-warm-up", daemon=True).start()


def load_models(selection: Selection, specs=None) -> tuple[dict, dict]:
    """({spec: keras.Model}, {spec: problem}) for the selection's models: each loaded and
    warmed once per file version; a checkpoint that cannot be loaded is reported, not fatal."""
    models, problems = {}, {}
    for spec in specs if specs is not None else selection.specs():
        try:
            with st.spinner(f"Loading {spec.title} and compiling its attack (once per server)…"):
                models[spec] = _warm_model(*_version(spec, selection.root))
        except (OSError, ValueError) as error:
            problems[spec] = str(error)
    return models, problems


@st.cache_resource(show_spinner=False, max_entries=64)
def _ood_statistics(path: str, modified: float):
    from core import ood

    return ood.load(path)


def ood_assessments(selection: Selection, models: dict, picked: dict) -> dict:
    """{model id: core.ood.Assessment dict}: how far the picked image is from each model's
    training data (DICOM header, colour, feature-space distance)."""
    from core import ood

    found = {}
    for spec, model in models.items():
        statistics = _ood_statistics(*_version(spec, selection.root))
        found[spec.model_id] = ood.assess(model, statistics, selection.task, picked["image"], picked["metadata"],
                                          picked["raw"]).to_dict()
    return found


def incomplete_note(card: dict) -> str:
    """Why a model's numbers mean little: its training did not finish."""
    epochs = card.get("epochs_trained", "?")
    return (f"Incomplete training run ({card.get('status')} after {epochs} epoch(s), best epoch "
            f"{card.get('best_epoch', '?')}): its predictions and robustness mean little; train it to the end.")


def incomplete_runs(selection: Selection, specs) -> dict:
    """{spec: note} for the models whose training did not finish (cancelled, still training)."""
    from core.models.zoo import read_card

    found = {}
    for spec in specs:
        try:
            card = read_card(checkpoint_path(spec, root=selection.root))
        except ValueError:
            continue
        if card.get("status", "done") != "done":
            found[spec] = incomplete_note(card)
    return found


def _audits(selection: "Selection", specs) -> dict:
    from core.explain.audit import load_audit

    return {spec: audit for spec in specs if (audit := load_audit(spec, root=selection.root))}


def method_badges(selection: "Selection", specs) -> dict:
    """{method id: "Sanity check passed on 4/4 models · deletion/insertion better than random on 3/4"}."""
    from core.explain.audit import audit_counts

    badges = {}
    for method, c in audit_counts(list(_audits(selection, specs).values())).items():
        icon = ":material/check_circle:" if c["sane"] == c["models"] else ":material/cancel:"
        badges[method] = (f"{icon} sanity check passed on {c['sane']}/{c['models']} models · deletion/insertion "
                          f"better than random on {c['faithful']}/{c['models']}")
    return badges


def audit_table(selection: "Selection", specs):
    """The saved audits of `specs` as one table, or None."""
    import pandas as pd

    from core.explain.audit import audit_rows

    audits = _audits(selection, specs)
    return pd.DataFrame(audit_rows({spec.title: a for spec, a in audits.items()})) if audits else None
