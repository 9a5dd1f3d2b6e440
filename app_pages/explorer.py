"""Attack explorer: one image, one epsilon, the four models of the task side by side."""

from __future__ import annotations

import streamlit as st

from core.attack_settings import changed_word, is_natural, takes_epsilon
from core.formatting import epsilon_text
from core.tasks import get_task
from app_pages.common import epsilon_ui, plain, require_models, show_error, warn_problems
from app_pages.engine_client import incomplete_runs, method_badges, model_refs, ood_input, run_on_engine
from app_pages.explorer_image import image_ui
from app_pages.explorer_models import beside_bundled_ui, models_ui
from app_pages.explorer_settings import settings_ui
from app_pages.guard import guarded
from app_pages.saliency_choice import explained_class, layers_ui


@st.cache_data(show_spinner="Searching the smallest flipping ε on every model…", max_entries=64)
def _minimal(_refs, refs_key, image, label, attack, seed):
    from core.engine import Minimal

    from core.explore.sizes import fit_image

    found, problem = run_on_engine({spec.model_id: Minimal(ref, fit_image(image, spec.input_size), attack, label, seed)
                                    for spec, ref in _refs.items()})
    if problem:
        raise RuntimeError(problem)  # not cached: the next run asks again
    return found


def minimal_ui(refs, refs_key, picked, settings, result) -> None:
    from app_pages.explorer_view import minimal_epsilon_ui

    st.subheader("How much noise does it take?")
    asked = refs_key + (picked["name"], settings["attack"], settings["seed"])
    if st.button("Find the smallest ε that flips each model", key="find_minimal", icon=":material/search:"):
        st.session_state["minimal_for"] = asked
    if st.session_state.get("minimal_for") != asked:
        return
    try:
        found = _minimal(refs, refs_key, picked["image"], picked["label"], settings["attack"], settings["seed"])
    except RuntimeError as error:
        st.warning(str(error), icon=":material/restart_alt:")
        return
    for model_id, value in found.items():
        result.outcomes[model_id].minimal_epsilon, result.outcomes[model_id].minimal_epsilon_searched = value, True
    outcomes = result.outcomes.values()
    minimal_epsilon_ui(found, {o.spec.model_id: o.spec.title for o in outcomes},
                       {o.spec.model_id: o.spec.attention for o in outcomes}, max(get_task(picked["task"]).epsilons))


def _in_l2(attack) -> bool:
    return getattr(attack, "norm", "linf") == "l2"


def grid_run_ui(task, refs: dict, picked: dict, settings: dict, method_title: str):
    """Draw the grid at once and fill each model's column as the engine delivers it; returns
    the core.explore.Exploration of the models that answered (None after an error)."""
    from core.engine import EngineError, Failed, Progress, explorations, prefetch
    from core.explore import Exploration
    from app_pages.explorer_view import GridView

    natural = not takes_epsilon(settings["attack"])  # a corruption or a patch
    epsilon = 0.0 if natural else float(settings["epsilon"])  # a corruption has none: the request's key holds 0
    natural = natural or _in_l2(settings["attack"])  # an L2 change is shown on its own scale, as a corruption's
    grid = GridView(list(refs), task.short_names, image=picked["image"], epsilon=epsilon, natural=natural,
                    changed=changed_word(settings["attack"]),
                    method_title=method_title, with_truth=bool(picked.get("truth")), label=picked["label"])
    result = Exploration(picked["image"], picked["label"], epsilon, settings["attack"],
                         settings["seed"], settings["transfer"], settings["method"])
    inputs = dict(label=picked["label"], truth=picked.get("truth"), ood=ood_input(picked["task"], picked))
    try:
        for item in explorations(list(refs.values()), picked["image"], on_phase=grid.note,
                                 **inputs, **{**settings, "epsilon": epsilon}):
            if isinstance(item, Progress):
                grid.progress(item)
            elif isinstance(item, Failed):
                grid.failed(item.spec, item.message)
            else:
                grid.fill(item)
                result.outcomes[item.spec.model_id] = item
        if not natural and len(result.outcomes) == len(refs):  # the grid's other ε, for later (L∞)
            others = [e for e in task.epsilons if e > 0 and e != epsilon]
            prefetch(list(refs.values()), picked["image"], epsilons=others, **inputs,
                     **{k: v for k, v in settings.items() if k != "epsilon"})
    except ValueError as error:
        show_error(error, what="Attack")
        return None
    except EngineError as error:
        st.warning(f"The models could not answer: {error}.", icon=":material/restart_alt:")
        return None
    result.outcomes = {o.spec.model_id: o for o in sorted(result.outcomes.values(), key=lambda o: o.spec.attention)}
    return result


st.title("Attack explorer")
st.caption("Slide ε and watch L∞ PGD push each model's prediction, or switch to a visible adversarial patch (a "
           "sticker, a marker) or a natural corruption (noise, blur, exposure, the modality's own artefacts); "
           "attentive and vanilla twins side by side.")
selection, specs = require_models()
task = get_task(selection.task)
bundled = beside_bundled_ui(selection)
specs = models_ui(selection.task, specs, bundled=bundled)
left, right = st.columns([3, 2])
with left:  # at the largest model's size: each smaller one is sent it resized (core.explore.sizes)
    picked = image_ui(selection.task, max(s.input_size for s in specs))
with right:
    settings = settings_ui(selection.task, method_badges(selection, specs))
if picked is None:
    st.stop()
picked["task"] = selection.task
refs, problems = model_refs(selection, specs, bundled=bundled)
warn_problems(problems)
if not refs:
    st.stop()
with right:
    settings["layers"] = layers_ui(refs, settings["method"])
for spec, note in incomplete_runs(refs).items():
    st.warning(f"{spec.title}: {plain(note)}", icon=":material/hourglass_empty:")
missing_twins = [s for s in refs if s.twin() not in refs]
if missing_twins:
    st.info("Shown without its twin (train it to compare): " + ", ".join(s.title for s in missing_twins),
            icon=":material/info:")
refs_key = tuple(sorted(f"{s.model_id}:{ref.digest}" for s, ref in refs.items()))


def cache_problem_ui() -> None:
    """Say so when the results just shown could not be kept (a full disk)."""
    from core.engine import default_cache

    problem = default_cache().problem
    if problem:
        st.caption(f":material/sd_card_alert: {problem[0].upper()}{problem[1:]}.")


@st.fragment
@guarded
def view_ui(task, refs: dict, refs_key: tuple, picked: dict, settings: dict) -> None:
    """ε, the grid and what follows it. A fragment: moving ε reruns only this part of the page
    (not the image gallery, the settings or the sidebar), so an ε change costs the engine's
    work and the grid's redraw, not the whole page's."""
    from core.explain import METHODS
    from app_pages.explorer_view import compare_slider_ui, downloads_ui, ood_ui

    natural = not takes_epsilon(settings["attack"])  # a corruption or a patch: no ε
    if not natural:
        with st.columns([3, 2])[0]:
            norm = "l2" if _in_l2(settings["attack"]) else "linf"
            settings = {**settings, "epsilon": epsilon_ui(task.name, norm=norm)}
    if settings["explain"] == "true" and picked["label"] is None:
        st.caption("The heatmaps explain each image's predicted class: the true class is unknown.")
    settings = {**settings, "explain": explained_class(settings["explain"], picked["label"], task)}
    method_title = METHODS[settings["method"]].title + (
        "" if settings["explain"] is None else f" of {task.short_names[settings['explain']]}")
    attack = settings["attack"]
    if is_natural(attack):
        from core.corruptions import CORRUPTIONS

        st.subheader(f"{plain(picked['name'])} · {CORRUPTIONS[attack.corruption].title} · severity {attack.severity}")
    elif natural:
        st.subheader(f"{plain(picked['name'])} · adversarial patch of {attack.area:.0%} of the image · "
                     f"{attack.steps} steps per location")
    elif _in_l2(attack):
        from core.attack_settings import l2_radius

        radius = l2_radius(settings["epsilon"], picked["image"].shape[0])
        st.subheader(f"{plain(picked['name'])} · L2 radius {radius:.3g} · {attack.steps} steps")
        st.caption(f"The L2 length of a change of {epsilon_text(settings['epsilon'])} over a lesion-sized square (a "
                   "quarter of the image's side), spent anywhere in the image.")
        settings = {**settings, "epsilon": radius}
    else:
        step = f"{attack.rel_stepsize * settings['epsilon']:.2g}" if settings["epsilon"] else "0"
        st.subheader(f"{plain(picked['name'])} · {epsilon_text(settings['epsilon'])} · {attack.steps} steps of {step}")
    if picked["label"] is None:
        st.caption("The true class is unknown: each verdict says whether the model's own clean prediction held "
                   "or flipped. Choose the true class to read them as held, fooled, already wrong or corrected.")
    cautions = st.empty()
    result = grid_run_ui(task, refs, picked, settings, method_title)
    if result is None or not result.outcomes:
        return
    with cautions.container():
        ood_ui(result)
        cache_problem_ui()
    if not natural and not _in_l2(attack):  # the smallest flipping L∞ ε is the attack's question
        minimal_ui(refs, refs_key, picked, settings, result)
    with st.expander(f"Compare clean and {changed_word(attack)}: drag the divider",
                     expanded=True):
        compare_slider_ui(result, method_title)
    with st.expander("Downloads"):
        downloads_ui(result, picked["name"])


view_ui(task, refs, refs_key, picked, settings)
