"""The models a page works with (not a page itself): references to the checkpoints, which the
engine process (core.engine) loads, warms and runs, so this process never imports TensorFlow;
the background warm-up; and what is known about each model (incomplete runs, saliency audits)."""

from __future__ import annotations

import streamlit as st

from core.engine import EngineError, ModelRef, OodInput, engine
from app_pages.common import CHECKPOINT_ROOT, Selection

def model_refs(selection: Selection, specs=None, *, bundled=()) -> tuple[dict, dict]:
    """({spec: core.engine.ModelRef}, {spec: problem}) for the selection's models: each
    checkpoint named by its content hash (a file that cannot be read is reported, not fatal).
    `bundled`: specs among them that come from the bundled zoo (compared with the user's own)."""
    refs, problems = {}, {}
    for spec in specs if specs is not None else selection.specs():
        try:
            refs[spec] = ModelRef.of(spec, CHECKPOINT_ROOT if spec in bundled else selection.root)
        except OSError as error:
            problems[spec] = f"its checkpoint cannot be read ({error.strerror or error})"
    return refs, problems


def start_warm_up() -> None:
    """Start the engine process on the first page view and import TensorFlow there while the
    page draws its widgets (the largest part of a cold start). Each page then has the models it
    shows loaded in the order it shows them, so the first column never waits for the others'."""
    engine().prime()


def explorer_default(specs: list) -> list:
    """The models the explorer shows until the user picks others: the paper's four (the
    undefended ones) when a task has more than four, else all of them. Only these are warmed
    as the server starts: warming a defended twin nobody looks at would make the first ε
    changes wait behind it."""
    if len(specs) <= 4:
        return list(specs)
    return [s for s in specs if s.defence == "none"][:4] or list(specs[:4])


def warm_first_page() -> None:
    """As the server starts: the engine process, then the models of the page a new visitor sees
    first (the explorer on the sidebar's first task, bundled zoo), in the order its columns
    fill (core.engine.stream), so they are ready when the browser asks; and, in a thread, what
    that page would otherwise pay on its first view (_prepare_first_page)."""
    import threading

    from core.tasks import TASKS
    from app_pages.common import synthetic_gallery

    selection = Selection(next(iter(TASKS)), "bundled", "demo")
    specs = explorer_default(selection.specs())
    refs, _ = model_refs(selection, specs)
    engine().prewarm(sorted(refs.values(), key=lambda ref: ref.spec.attention))
    if specs:
        threading.Thread(target=_prepare_first_page, args=(synthetic_gallery, selection.task, specs[0].input_size),
                         daemon=True, name="advattn-first-page").start()


# What the explorer's first view would otherwise import itself, measured inside a fresh server's
# first view or profiled in its first script run on a busy machine: pyarrow and its
# component_arrow, which Streamlit imports the first time a custom component is drawn (the
# comparison slider, 0.6-1.1 s), pandas, for its check of every argument for a data frame
# (streamlit.dataframe_util, 1.1 s), and what the explorer's drawing code and real examples
# import. Not app_pages.explorer_view itself: its declare_component registers the comparison
# slider with the server only inside a script run (imported here, the slider's frame would be
# served nothing).
FIRST_PAGE_IMPORTS = ("pandas", "pyarrow", "streamlit.components.v1.component_arrow", "core.explore.export",
                      "core.explain", "core.data.real_examples")


def _prepare_first_page(gallery, task: str, size: int) -> None:
    """The first page's synthetic examples (0.5-0.9 s), then its imports (FIRST_PAGE_IMPORTS),
    then inspect's table of every module's file, which declare_component's lookup of its
    caller's module would otherwise build in the first view (0.16 s, 0.05 s once built)."""
    import importlib
    import inspect

    gallery(task, size)
    for module in FIRST_PAGE_IMPORTS:
        importlib.import_module(module)
    inspect.getmodule(inspect.currentframe())
    freeze_what_the_server_holds()


def freeze_what_the_server_holds() -> None:
    """Leave what the server has imported so far (modules, classes, functions: kept for its
    life) out of Python's garbage collections. Streamlit runs a full collection after every
    script run (runner.postScriptGC), and each one walked all of it again: profiled with five
    sessions exploring at once, 31 % of the server's CPU. Objects made later (each session's)
    are collected as before."""
    import gc

    gc.freeze()


def ood_input(task: str, picked: dict) -> OodInput | None:
    """What the engine needs to say how far a real image is from each model's training data
    (None for the synthetic demo images, which are the training distribution)."""
    return None if picked["synthetic"] else OodInput(task, dict(picked["metadata"]), picked["raw"])


def run_on_engine(requests: dict) -> tuple[dict, str | None]:
    """({key: reply}, problem): `requests` ({key: request}) run in the engine process; a dead
    engine is a sentence for the page (it restarts with the next request), never a traceback."""
    futures = {key: engine().submit(request) for key, request in requests.items()}
    replies = {}
    try:
        for key, future in futures.items():
            replies[key] = future.result()
    except EngineError as error:
        return replies, f"The models could not answer: {error}."
    return replies, None


@st.cache_data(max_entries=64, show_spinner=False)
def saliency_layer_choices(path: str, digest: str) -> list[dict]:
    """An imported model's marked feature maps ([{"layer", "marker"}], its chosen one first)
    from its card; [] for a model of the zoo or one imported before layers were marked."""
    from core.models.zoo import CheckpointError, read_card

    try:
        return list(read_card(path).get("imported", {}).get("saliency_layers") or [])
    except CheckpointError:
        return []


def incomplete_note(card: dict) -> str:
    """Why a model's numbers mean little: its training did not finish."""
    epochs = card.get("epochs_trained", "?")
    return (f"Incomplete training run ({card.get('status')} after {epochs} epoch(s), best epoch "
            f"{card.get('best_epoch', '?')}): its predictions and robustness mean little; train it to the end.")


def incomplete_runs(refs: dict) -> dict:
    """{spec: note} for the models of `refs` ({spec: ModelRef}) whose training did not finish
    (cancelled, still training)."""
    from core.models.zoo import read_card

    found = {}
    for spec, ref in refs.items():
        try:
            card = read_card(ref.path)
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
