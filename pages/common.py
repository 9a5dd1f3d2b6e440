"""Widgets and cached resources shared by the pages (not a page itself).

`*_ui()` functions draw widgets and return plain values; models are loaded once per
checkpoint file version through st.cache_resource.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from core.models.backbones import PROFILES
from core.models.zoo import CHECKPOINT_ROOT, ModelSpec, available, checkpoint_path, load_checkpoint
from core.formatting import epsilon_text
from core.tasks import TASKS, get_task



def user_root() -> Path:
    """What people train from the UI: $ADVATTN_USER_MODELS, else checkpoints/user (git-ignored)."""
    return Path(os.environ.get("ADVATTN_USER_MODELS", CHECKPOINT_ROOT / "user"))

ZOOS = {"Bundled demo zoo": "bundled", "My models": "user"}
PROFILE_HELP = ("demo: compact backbones at 96 px; paper: ResNet-50 / InceptionResNetV2 at 224 px, as the paper; "
                "paper-native: InceptionResNetV2 at its native 299 px (an 8 x 8 Grad-CAM map instead of 5 x 5)")
CHECK_ICONS = {"pass": ":material/check_circle:", "warn": ":material/warning:", "fail": ":material/cancel:",
               "skip": ":material/remove_circle_outline:", "info": ":material/info:"}
APP_PATH = Path(__file__).resolve().parents[1] / "app.py"
ASSETS = APP_PATH.parent / "assets"


@dataclass(frozen=True)
class Selection:
    """What the shared sidebar chose."""

    task: str
    zoo: str  # "bundled" or "user"
    profile: str

    @property
    def root(self) -> Path:
        return CHECKPOINT_ROOT if self.zoo == "bundled" else user_root()

    def specs(self) -> list[ModelSpec]:
        """The models of this task that have a checkpoint in the chosen zoo."""
        return [s for s in available(self.profile, root=self.root) if s.task == self.task]


def route_through_app() -> None:
    """Make a deep link (e.g. /curves as a server's first request) run through app.py.

    Streamlit treats a folder named pages/ beside the entry script as old-style pages until
    app.py's st.navigation has run once in the server; until then a deep link runs the page
    file alone, without the shared sidebar. Here the page then runs app.py itself, in the
    same script run (so a pressed button still counts), which draws the sidebar and runs
    this page through its navigation; the outer run stops.
    """
    import runpy

    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        runpy.run_path(str(APP_PATH), run_name="__main__")
        st.stop()


def sidebar_ui() -> Selection:
    """Task and zoo pickers shared by every page (drawn once, in app.py)."""
    with st.sidebar:
        task = st.selectbox("Task", list(TASKS), format_func=lambda name: TASKS[name].title, key="task")
        zoo = ZOOS[st.radio("Models", list(ZOOS), key="zoo", horizontal=True)]
        profile = "demo"
        if zoo == "user":
            profile = st.radio("Profile", list(PROFILES), key="profile", horizontal=True,
                               help=PROFILE_HELP)
        info = get_task(task)
        st.caption(f"{info.dataset} · classes: {', '.join(info.classes)} · labels: {info.labelling}")
    selection = Selection(task, zoo, profile)
    st.session_state["selection"] = selection
    return selection


def results_root(selection: Selection) -> Path | None:
    """Where new results go: the user's folder for the read-only bundled zoo (never into the
    repository), beside the checkpoints for the user's own models."""
    return user_root() if selection.zoo == "bundled" else None


def step_rule_ui(steps: int, *, key: str) -> float:
    """The PGD step-size rule; returns rel_stepsize (step = rel_stepsize x eps)."""
    from core.paper import PAPER_REL_STEPSIZE

    paper = st.toggle("Paper's step size (ε/30 per step)", key=key,
                      help="Off: 2.5 ε / steps per step (Madry et al. 2017), so even a few steps reach the edge "
                           "of the ε-ball. On: foolbox's default, which needs 30+ steps to get there; with fewer "
                           "steps the attack cannot leave a small neighbourhood and robustness is overstated.")
    return PAPER_REL_STEPSIZE if paper else 2.5 / steps


def current_selection() -> Selection:
    """The sidebar's choice (pages run after app.py drew the sidebar)."""
    return st.session_state.get("selection") or Selection("derm", "bundled", "demo")


# Models stay loaded (and their compiled functions traced) for the life of the server, one per
# checkpoint file version; a background thread started by app.py warms the selected task's
# models while the page draws its widgets (pages wait on the lock of a model being warmed).
_MODELS: dict[tuple[str, float], object] = {}
_LOCKS: dict[tuple[str, float], threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _warm_model(path: str, modified: float):
    """The checkpoint at `path` (this file version), loaded and warmed once per process."""
    key = (path, modified)
    with _LOCKS_GUARD:
        lock = _LOCKS.setdefault(key, threading.Lock())
    with lock:
        if key not in _MODELS:
            from core.explore import warm_up

            model = load_checkpoint(path)
            warm_up(model)
            _MODELS[key] = model
    return _MODELS[key]


def _version(spec: ModelSpec, root: Path) -> tuple[str, float]:
    path = checkpoint_path(spec, root=root)
    return str(path), path.stat().st_mtime


def start_warm_up(selection: "Selection") -> None:
    """Load and warm the selection's models in a background thread (no-op once started)."""
    try:
        versions = [_version(spec, selection.root) for spec in selection.specs()]
    except OSError:
        return
    pending = [v for v in versions if v not in _MODELS and v not in _WARMING]
    if not pending:
        return
    _WARMING.update(pending)

    def run():
        for version in pending:
            try:
                _warm_model(*version)
            except ValueError:
                pass  # the page reports a checkpoint that cannot be loaded

    threading.Thread(target=run, name="advattn-warm-up", daemon=True).start()


_WARMING: set = set()


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
    audits = _audits(selection, specs)
    if not audits:
        return {}
    badges = {}
    for method in {m for audit in audits.values() for m in audit["methods"]}:
        results = [a["methods"][method] for a in audits.values() if method in a["methods"]]
        sane = sum(r["sanity"]["status"] == "pass" for r in results)
        faithful = sum(r["faithfulness"]["status"] == "pass" for r in results)
        icon = ":material/check_circle:" if sane == len(results) else ":material/cancel:"
        badges[method] = (f"{icon} sanity check passed on {sane}/{len(results)} models · deletion/insertion "
                          f"better than random on {faithful}/{len(results)}")
    return badges


def audit_table(selection: "Selection", specs):
    """The saved audits of `specs` as one table, or None."""
    import pandas as pd

    from core.explain import METHODS

    audits = _audits(selection, specs)
    if not audits:
        return None
    return pd.DataFrame([{"model": spec.title, "method": METHODS[m].title if m in METHODS else m,
                          "sanity (ρ after randomising all)": r["sanity"]["final"], "sanity": r["sanity"]["status"],
                          "deletion (random)": f"{r['faithfulness']['deletion']:.3f} "
                                               f"({r['faithfulness']['deletion_random']:.3f})",
                          "insertion (random)": f"{r['faithfulness']['insertion']:.3f} "
                                                f"({r['faithfulness']['insertion_random']:.3f})",
                          "energy in top 20 %": r["energy_in_top20"]["mean"]}
                         for spec, audit in audits.items() for m, r in audit["methods"].items()])


def warn_problems(problems: dict) -> None:
    """One warning per model that could not be loaded (the others carry on)."""
    for spec, problem in problems.items():
        st.warning(f"{spec.title} is skipped: {problem}", icon=":material/report:")


def require_models(*, warn_broken: bool = True) -> tuple[Selection, list[ModelSpec]]:
    """The sidebar's selection and its usable models (a warning per checkpoint of the task that
    cannot be used); stops the page with a message if there are none."""
    from core.models.zoo import scan

    selection = current_selection()
    specs = selection.specs()
    if warn_broken:
        broken = {spec: problem for spec, _, problem in scan(selection.profile, root=selection.root)
                  if problem is not None and spec.task == selection.task}
        warn_problems(broken)
    if not specs:
        where = "the bundled demo zoo" if selection.zoo == "bundled" else str(user_root())
        st.warning(f"No trained {selection.task} models in {where} ({selection.profile} profile). "
                   "Train one on the Training page, or pick the bundled demo zoo in the sidebar.")
        st.stop()
    return selection, specs


def epsilon_label(epsilon: float) -> str:
    """ε on both scales, e.g. "ε = 0.01 (2.55/255)" (core.formatting, as everywhere)."""
    return epsilon_text(epsilon)


EPSILON_RANGES = {"derm": (0.02, 0.00025, "%.5f"), "fundus": (0.32, 0.0005, "%.4f"), "cxr": (0.32, 0.0005, "%.4f")}


def epsilon_ui(task: str, *, key: str = "epsilon") -> float:
    """The paper's grid as presets (pills, they wrap) and a slider over a range that fits the
    task's grid; moving the slider off a preset clears the preset. Both scales are shown."""
    grid = [e for e in get_task(task).epsilons if e > 0]
    upper, step, number_format = EPSILON_RANGES.get(task, (max(grid), 0.0005, "%.4f"))
    preset_key, slider_key = f"{key}_preset_{task}", f"{key}_value_{task}"
    if slider_key not in st.session_state:
        st.session_state[preset_key] = grid[len(grid) // 2]
        st.session_state[slider_key] = grid[len(grid) // 2]

    def preset_chosen():
        if st.session_state[preset_key] is not None:
            st.session_state[slider_key] = st.session_state[preset_key]

    def slider_moved():
        if st.session_state[slider_key] != st.session_state.get(preset_key):
            st.session_state[preset_key] = None

    st.pills("The paper's ε grid", grid, format_func=lambda e: f"{e:g}", key=preset_key, on_change=preset_chosen)
    value = st.slider("ε (L∞ radius, [0, 1] pixel scale)", 0.0, upper, step=step, format=number_format,
                      key=slider_key, on_change=slider_moved)
    st.caption(epsilon_label(value))
    return float(value)


def show_error(error: Exception, *, what: str = "") -> None:
    """A person-readable message instead of a traceback."""
    prefix = f"{what}: " if what else ""
    if isinstance(error, ValueError):
        st.error(f"{prefix}{error}")
    else:
        st.error(f"{prefix}unexpected {type(error).__name__}: {error}. Please report this with "
                 "the steps that led to it.")
