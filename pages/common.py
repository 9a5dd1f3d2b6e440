"""Widgets and cached resources shared by the pages (not a page itself).

`*_ui()` functions draw widgets and return plain values; models are loaded once per
checkpoint file version through st.cache_resource.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import plotly.graph_objects as go
import streamlit as st

from core.models.zoo import CHECKPOINT_ROOT, ModelSpec, available, checkpoint_path, load_checkpoint
from core.tasks import TASKS, get_task



def user_root() -> Path:
    """What people train from the UI: $ADVATTN_USER_MODELS, else checkpoints/user (git-ignored)."""
    return Path(os.environ.get("ADVATTN_USER_MODELS", CHECKPOINT_ROOT / "user"))

ZOOS = {"Bundled demo zoo": "bundled", "My models": "user"}
APP_PATH = Path(__file__).resolve().parents[1] / "app.py"


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
            profile = st.radio("Profile", ["demo", "paper"], key="profile", horizontal=True,
                               help="demo: compact backbones at 96 px; paper: ResNet-50 / "
                                    "InceptionResNetV2 at 224 px")
        info = get_task(task)
        st.caption(f"{info.dataset} · classes: {', '.join(info.classes)} · labels: {info.labelling}")
    selection = Selection(task, zoo, profile)
    st.session_state["selection"] = selection
    return selection


def current_selection() -> Selection:
    """The sidebar's choice (pages run after app.py drew the sidebar)."""
    return st.session_state.get("selection") or Selection("derm", "bundled", "demo")


@st.cache_resource(show_spinner="Loading model…", max_entries=32)
def _cached_model(path: str, modified: float):
    return load_checkpoint(path)


def load_models(selection: Selection, specs=None) -> dict:
    """{spec: keras.Model} for the selection's models, each loaded once per file version."""
    models = {}
    for spec in specs if specs is not None else selection.specs():
        path = checkpoint_path(spec, root=selection.root)
        models[spec] = _cached_model(str(path), path.stat().st_mtime)
    return models


def require_models() -> tuple[Selection, list[ModelSpec]]:
    """The sidebar's selection and its models; stops the page with a message if there are none."""
    selection = current_selection()
    specs = selection.specs()
    if not specs:
        where = "the bundled demo zoo" if selection.zoo == "bundled" else str(user_root())
        st.warning(f"No trained {selection.task} models in {where} ({selection.profile} profile). "
                   "Train one on the Training page, or pick the bundled demo zoo in the sidebar.")
        st.stop()
    return selection, specs


def epsilon_label(epsilon: float) -> str:
    """ε on both scales, e.g. "ε = 0.0100 (2.55/255)"."""
    return f"ε = {epsilon:.4f} ({epsilon * 255:.3g}/255)"


def epsilon_ui(task: str, *, key: str = "epsilon") -> float:
    """A preset row (the paper's grid) and a fine slider, both scales shown."""
    grid = [e for e in get_task(task).epsilons if e > 0]
    preset = st.segmented_control("Paper's ε grid", grid, format_func=lambda e: f"{e:g}",
                                  key=f"{key}_preset_{task}", default=grid[len(grid) // 2])
    upper = max(0.1, max(grid))
    value = st.slider("ε (L∞ radius, [0, 1] pixel scale)", 0.0, upper, float(preset or grid[0]),
                      step=0.0005, format="%.4f", key=f"{key}_slider_{task}_{preset}")
    st.caption(epsilon_label(value))
    return value


def show_error(error: Exception, *, what: str = "") -> None:
    """A person-readable message instead of a traceback."""
    prefix = f"{what}: " if what else ""
    if isinstance(error, ValueError):
        st.error(f"{prefix}{error}")
    else:
        st.error(f"{prefix}unexpected {type(error).__name__}: {error}. Please report this with "
                 "the steps that led to it.")


def history_figure(history: dict) -> go.Figure:
    """Loss (left axis) and accuracy (right axis) per epoch, validation dotted."""
    figure = go.Figure()
    for key, dash in (("loss", "solid"), ("val_loss", "dot"), ("accuracy", "solid"), ("val_accuracy", "dot")):
        if key in history:
            figure.add_trace(go.Scatter(y=history[key], x=list(range(1, len(history[key]) + 1)), name=key,
                                        line=dict(dash=dash), yaxis="y2" if "accuracy" in key else "y"))
    figure.update_layout(height=260, margin=dict(l=10, r=10, t=10, b=10), xaxis_title="epoch",
                         yaxis=dict(title="loss"), legend=dict(orientation="h"),
                         yaxis2=dict(title="accuracy", overlaying="y", side="right", range=[0, 1]))
    return figure
