"""Widgets and cached resources shared by the pages (not a page itself).

`*_ui()` functions draw widgets and return plain values; models are loaded once per
checkpoint file version through st.cache_resource.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import streamlit as st

from core.models.backbones import PROFILES
from core.models.spec import USER_PROFILE
from core.models.zoo import CHECKPOINT_ROOT, ModelSpec, available, user_models_root
from core.formatting import epsilon_text
from core.tasks import TASKS, get_task
from app_pages.words import HELP



def user_root() -> Path:
    """What people train or import from the UI: $ADVATTN_USER_MODELS, else checkpoints/user
    (git-ignored)."""
    return user_models_root()

ZOOS = {"Bundled demo zoo": "bundled", "My models": "user"}
HISTORY_CAPTION = ("Loss (left axis) and accuracy (right axis) per epoch: training solid, validation dotted; a "
                   "defended run's robust validation loss dashed.")
TOUR_COOKIE = "advattn_toured"  # set by the Start here page: this browser has seen the tour (dashboard.py)
PROFILE_HELP = ("demo: compact backbones at 96 px; paper: ResNet-50 / InceptionResNetV2 at 224 px, as the paper; "
                "paper-native: InceptionResNetV2 at its native 299 px (an 8 x 8 Grad-CAM map instead of 5 x 5); "
                "imported: your own models, brought in on the Model zoo page")
PROFILE_TITLES = {USER_PROFILE: "imported"}  # the others are named as they are
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


def sidebar_ui() -> Selection:
    """Task and zoo pickers shared by every page (drawn once, in app.py)."""
    with st.sidebar:
        task = st.selectbox("Task", list(TASKS), format_func=lambda name: TASKS[name].title, key="task",
            help=HELP["task"])
        zoo = ZOOS[st.radio("Models", list(ZOOS), key="zoo", horizontal=True, help=HELP["zoo"])]
        profile = "demo"
        if zoo == "user":
            profile = st.radio("Profile", [*PROFILES, USER_PROFILE], key="profile", horizontal=True,
                               format_func=lambda p: PROFILE_TITLES.get(p, p), help=PROFILE_HELP)
        info = get_task(task)
        st.caption(f"{info.dataset} · classes: {', '.join(info.short_names)} · labels: {info.labelling}")
        glossary_ui()
    selection = Selection(task, zoo, profile)
    st.session_state["selection"] = selection
    return selection


def glossary_ui() -> None:
    """The field's words, each explained once in plain language, reachable from every page."""
    from app_pages.words import GLOSSARY

    with st.expander("Glossary: the words on these pages", icon=":material/menu_book:"):
        st.markdown("\n".join(f"- **{term}**: {meaning}" for term, meaning in GLOSSARY.items()))


def results_root(selection: Selection) -> Path | None:
    """Where new results go: the user's folder for the read-only bundled zoo (never into the
    repository), beside the checkpoints for the user's own models."""
    return user_root() if selection.zoo == "bundled" else None


def evaluation_arguments(selection: Selection, specs, settings, *extra: str) -> list[str]:
    """`python -m core.evaluate` flags that run `specs` of the selection with `settings` (a kind
    of run's settings type, core.runs: the flags come from it, so the job computes the run the
    page then looks up), with `extra` flags (Ray, a protocol file, a threat model); new results go
    to the user's folder for the read-only bundled zoo (results_root)."""
    from core.runs.kind import kind_of

    arguments = ["--task", selection.task, "--profile", selection.profile, "--root", str(selection.root),
                 *kind_of(settings).arguments(settings), *extra]
    if results_root(selection) is not None:
        arguments += ["--results-root", str(results_root(selection))]
    for spec in specs:
        arguments += ["--model", spec.model_id]
    return arguments


def missing_run_ui(text: str, label: str, *, key: str, job_key: str, arguments: list[str], start) -> None:
    """Say which saved run is missing (`text`) and offer the button `label` that starts the
    evaluation job computing it; `start` is the page's core.jobs.start_job (a job that cannot
    start is a message, never a traceback)."""
    st.info(text)
    if st.button(label, key=key):
        from core.jobs import JobError

        try:
            start("evaluate", job_key, arguments)
        except JobError as error:
            show_error(error)


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


def warn_problems(problems: dict) -> None:
    """One warning per model that could not be loaded (the others carry on)."""
    for spec, problem in problems.items():
        st.warning(f"{spec.title} is skipped: {plain(problem)}", icon=":material/report:")


def require_models(*, warn_broken: bool = True) -> tuple[Selection, list[ModelSpec]]:
    """The sidebar's selection and its usable models (a warning per checkpoint of the task that
    cannot be used); stops the page with a message if there are none."""
    from core.models.zoo import scan

    selection = current_selection()
    scanned = [(spec, problem) for spec, _, problem in scan(selection.profile, root=selection.root)
               if spec.task == selection.task]  # one scan of the zoo per run: every card is read once
    specs = [spec for spec, problem in scanned if problem is None]
    if warn_broken:
        warn_problems({spec: problem for spec, problem in scanned if problem is not None})
    if not specs:
        where = "the bundled demo zoo" if selection.zoo == "bundled" else str(user_root())
        st.warning(f"No trained {selection.task} models in {where} ({selection.profile} profile). "
                   "Train one on the Training page, or pick the bundled demo zoo in the sidebar.")
        st.stop()
    return selection, specs


@st.cache_data(show_spinner=False)
def synthetic_gallery(task: str, size: int):
    """The explorer's synthetic examples (two per class, with their ground truth); computed
    once per server, the first task's as the server starts (app_pages.engine_client.warm_first_page)."""
    from core.data import synthetic

    return synthetic.gallery(task, per_class=2, size=size, with_truth=True)




def epsilon_ui(task: str, *, key: str = "epsilon", norm: str = "linf") -> float:
    """The paper's grid as presets (pills, they wrap) and a slider over a range that fits the
    task's grid; moving the slider off a preset clears the preset. Both scales are shown. In
    the L2 threat (`norm="l2"`) the same ε sets the radius (core.attack_settings.l2_radius),
    and the slider's label says so; its state is kept across the switch (Streamlit keys a
    slider by its key and range, not its label)."""
    info = get_task(task)
    grid = [e for e in info.epsilons if e > 0]
    upper, step = info.slider_max, info.slider_step
    number_format = f"%.{max(4, -Decimal(str(step)).as_tuple().exponent)}f"  # as many decimals as the step
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

    st.pills("The paper's ε grid", grid, format_func=lambda e: f"{e:g}", key=preset_key, on_change=preset_chosen,
        help=HELP["presets"])
    label, help_text = ("ε (sets the L2 radius, [0, 1] pixel scale)", HELP["epsilon_l2"]) if norm == "l2" else (
        "ε (L∞ radius, [0, 1] pixel scale)", HELP["epsilon"])
    value = st.slider(label, 0.0, upper, step=step, format=number_format,
                      key=slider_key, on_change=slider_moved, help=help_text)
    st.caption(epsilon_text(value))
    return float(value)


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:&=\"'])")


def plain(text) -> str:
    """`text` that came from a file (a DICOM tag, a file name, a model card, an error naming
    them) made safe to show through st.markdown, st.warning and their kin: every Markdown
    character is escaped, so it is shown as the text it is. `![x](http://…)` would otherwise be
    an image the browser fetches, and `:red[…]` a directive."""
    return _MARKDOWN.sub(r"\\\1", str(text)).replace("\n", " ")


def show_error(error: Exception, *, what: str = "") -> None:
    """A person-readable message instead of a traceback (the message is shown as text: it may
    name a file the user chose)."""
    prefix = f"{what}: " if what else ""
    if isinstance(error, ValueError):
        st.error(prefix + plain(error))
    else:
        st.error(f"{prefix}unexpected {type(error).__name__}: {plain(error)}. Please report this with "
                 "the steps that led to it.")
