"""The Start here tour's seven lessons (app_pages/start.py is the page): each a few plain
sentences, one live widget on the real engine and "what to notice" worded by core.tour from
the numbers it just computed. The bundled demo zoo, on the sidebar's task (the sixth lesson is
the chest x-ray's)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from core import tour
from core.tour import saved
from core.attack_settings import Natural
from core.explore import explorer_attack
from core.explain import overlay
from core.explore.export import amplified
from core.formatting import epsilon_text
from core.tasks import get_task
from app_pages.common import TOUR_COOKIE, Selection, synthetic_gallery
from app_pages.engine_client import explorer_default, model_refs, run_on_engine
from app_pages.words import HELP

LESSONS = {
    "sees": "1 · What the model sees",
    "noise": "2 · Noise you cannot see",
    "push": "3 · Not every model needs the same push",
    "defence": "4 · The standard defence",
    "nature": "5 · Nature is not an attacker",
    "failure": "6 · Which way it fails",
    "meaning": "7 · What this means",
}


def remember_this_browser() -> None:
    """A cookie for a year: this browser has seen the tour (dashboard.py reads it)."""
    st.iframe(f"<script>document.cookie = '{TOUR_COOKIE}=1; max-age=31536000; path=/; SameSite=Lax';</script>",
              height=1)  # our own fixed HTML, same-origin, so the cookie is the app's


def bundled(task: str) -> tuple[Selection, dict]:
    """The tour's models: the bundled demo zoo's four of `task`, as the explorer shows them."""
    selection = Selection(task, "bundled", "demo")
    refs, _ = model_refs(selection, explorer_default(selection.specs()))
    return selection, refs


def opening(task: str, size: int, index: int = 0) -> dict:
    """The explorer's opening image of `task` (its synthetic gallery's first), with its ground truth."""
    images, labels, truth = synthetic_gallery(task, size)
    return {"image": images[index], "label": int(labels[index]),
            "truth": None if truth is None else {part: truth[part][index] for part in ("lesion", "shortcut")}}


def outcomes(refs: dict, picked: dict, epsilon: float, attack=None) -> dict:
    """{spec: core.explore.ModelOutcome} from the engine (its cache first: the opening view is
    bundled); a model that cannot answer is left out with a warning."""
    from core.engine import EngineError, Failed, Progress, explorations

    found = {}
    try:
        with st.spinner("The models are answering…"):
            for item in explorations(list(refs.values()), picked["image"], epsilon=epsilon,
                                     attack=attack or explorer_attack(), label=picked["label"], truth=picked["truth"]):
                if isinstance(item, Progress):  # a lesson draws whole answers only
                    continue
                if isinstance(item, Failed):
                    st.warning(f"{item.spec.title} could not answer: {item.message}")
                else:
                    found[item.spec] = item
    except EngineError as error:
        st.warning(f"The models could not answer: {error}.", icon=":material/restart_alt:")
    return dict(sorted(found.items(), key=lambda item: (item[0].backbone, item[0].attention)))


def answers(found: dict, classes) -> list[tour.Answer]:
    return [tour.Answer(spec.title, classes[o.clean_class], classes[o.adversarial_class],
                        float(o.clean_probabilities[o.clean_class]), float(o.adversarial_probabilities[o.clean_class]))
            for spec, o in found.items()]


def notice(lines: list[str]) -> None:
    st.markdown("**What to notice**\n\n" + "\n".join(f"- {line}" for line in lines))


def open_in_explorer(task: str, epsilon: float | None, *, key: str) -> None:
    """"Open this in the explorer": the same image (and ε) there."""
    info = get_task(task)
    if epsilon is not None and epsilon > info.slider_max:  # beyond the explorer's slider for this task
        st.caption(f"The explorer's ε slider for this task stops at {epsilon_text(info.slider_max)}.")
        epsilon = info.slider_max
    if st.button("Open this in the explorer", key=key, icon=":material/open_in_new:"):
        st.session_state[f"example_{task}"] = 0
        st.session_state["image_source"] = "Synthetic gallery"
        if epsilon is not None:
            st.session_state[f"epsilon_value_{task}"] = float(epsilon)
            st.session_state[f"epsilon_preset_{task}"] = float(epsilon) if epsilon in info.epsilons else None
        st.switch_page("app_pages/explorer.py")


def lesson_sees(task) -> None:
    from core.explore.regions import dotted

    _, refs = bundled(task.name)
    picked = opening(task.name, next(iter(refs)).input_size)
    finding = (picked["truth"] or {}).get("lesion")
    finding = finding if finding is not None and np.asarray(finding).max() > 0.5 else None
    where = ("The dotted outline is where the finding really is: this demo image is synthetic, so we know."
             if finding is not None else
             f"This image is a {task.short_names[picked['label']]} image, with no finding to outline: its heatmaps "
             "show what each model looked at to answer.")
    st.markdown("A classifier looks at the image and gives a probability for each class. A **heatmap** (Grad-CAM) "
                "shows which regions its answer came from; the models with **soft attention** also show where "
                f"their attention block looked. {where}")
    framed = (lambda tile: dotted(tile, finding)) if finding is not None else (lambda tile: tile)
    grid = [e for e in task.epsilons if e > 0]
    epsilon = grid[len(grid) // 2]  # the explorer's opening ε: this view is bundled, so it shows at once
    found = outcomes(refs, picked, epsilon)
    columns = st.columns(max(len(found), 1))
    for column, (spec, outcome) in zip(columns, found.items()):
        column.markdown(f"**{spec.title}**")
        column.image(framed(overlay(picked["image"], outcome.clean_cam)), width="stretch",
                     caption=f"{task.short_names[outcome.clean_class]} · {outcome.clean_probabilities.max():.0%}")
        if outcome.clean_attention is not None:
            column.image(framed(overlay(picked["image"], outcome.clean_attention)), width="stretch",
                         caption="attention map")
    on_lesion = {spec.title: float(o.localisation["lesion"]["clean"]["energy_inside"]) for spec, o in found.items()
                 if o.localisation and "lesion" in o.localisation
                 and np.isfinite(o.localisation["lesion"]["clean"]["energy_inside"])}
    if found:
        notice(tour.what_the_model_sees(answers(found, task.short_names), task.short_names[picked["label"]], on_lesion))
    open_in_explorer(task.name, epsilon, key="open_sees")


def lesson_noise(task) -> None:
    st.markdown("An attacker adds a tiny, computed change to every pixel: at most **ε** up or down. On an 8-bit "
                "image a pixel has 256 grey levels, so ε = 1/255 is one grey level. Slide it and watch the answers.")
    levels = st.select_slider("Largest change per pixel, in grey levels", list(tour.GREY_LEVELS), value=1,
                              key="tour_levels", help=HELP["epsilon"])
    epsilon = levels / 255
    _, refs = bundled(task.name)
    picked = opening(task.name, next(iter(refs)).input_size)
    found = outcomes(refs, picked, epsilon)
    if not found:
        return
    first = next(iter(found.values()))
    left, middle, right = st.columns(3)
    left.image(picked["image"], caption="clean", width="stretch")
    middle.image(amplified(first.perturbation, epsilon), width="stretch",
                 caption=f"the change, amplified {0.5 / epsilon:.0f} x (mid-grey: none)")
    right.image(first.adversarial, caption="attacked: the same to your eye", width="stretch")
    st.caption(epsilon_text(epsilon))
    notice(tour.noise_you_cannot_see(levels, answers(found, task.short_names)))
    open_in_explorer(task.name, epsilon, key="open_noise")


def lesson_push(task) -> None:
    st.markdown("How much change does each model need before it gives in? The **smallest flipping ε** answers "
                "for one image; over many test images, its median compares the models. Attentive and vanilla "
                "**twins** differ only by the attention block.")
    selection, refs = bundled(task.name)
    picked = opening(task.name, next(iter(refs)).input_size)
    smallest = {}
    if st.button("Find the smallest push for each model", key="tour_push", type="primary"):
        from core.engine import Minimal

        with st.spinner("Bisecting ε on every model…"):
            found, problem = run_on_engine({spec: Minimal(ref, picked["image"], explorer_attack(), picked["label"])
                                            for spec, ref in refs.items()})
        if problem:
            st.warning(problem)
        smallest = {spec.title: value for spec, value in found.items()}
        if smallest:
            st.dataframe([{"model": title, "smallest flipping ε": "not within the search" if e is None
                           else epsilon_text(e)} for title, e in smallest.items()], hide_index=True)
    medians = saved.saved_medians(list(refs), root=selection.root)
    if smallest or medians:
        notice(tour.not_the_same_push(smallest, medians, saved.seed_caveat(task.name)))
    open_in_explorer(task.name, None, key="open_push")


def lesson_defence(task) -> None:
    st.markdown("The standard defence is **adversarial training**: the model is trained on attacked images "
                "(PGD-AT, Madry et al.). Here the same network, undefended and defended, on the same image and "
                "the same attack.")
    selection = Selection(task.name, "bundled", "demo")
    pair = [s for s in selection.specs() if s.backbone == "resnet50" and not s.attention]
    if not any(s.defence != "none" for s in pair):
        st.info("This task's bundled zoo has no adversarially trained model: choose skin lesions or pneumothorax "
                "in the sidebar.")
        return
    refs, _ = model_refs(selection, pair)
    picked = opening(task.name, pair[0].input_size)
    epsilon = task.defence_epsilon
    found = outcomes(refs, picked, epsilon)
    for column, (spec, outcome) in zip(st.columns(len(found) or 1), found.items()):
        verdict = "kept its answer" if not outcome.flipped else "changed its answer"
        column.image(overlay(outcome.adversarial, outcome.adversarial_cam), width="stretch",
                     caption=f"{spec.title}: {verdict} ({task.short_names[outcome.adversarial_class]})")
    clean, robust = saved.saved_accuracy(pair, epsilon, root=selection.root)
    notice(tour.the_standard_defence({s.title: not o.flipped for s, o in found.items()}, clean, robust, epsilon))
    open_in_explorer(task.name, epsilon, key="open_defence")


def lesson_nature(task) -> None:
    from core.corruptions import corruptions_for

    st.markdown("Images also change without an attacker: sensor noise, blur, exposure, the modality's own "
                "artefacts. Here a natural corruption and an attack whose change has the same total size (its L2 "
                "length), spent where it hurts the model most.")
    choices = list(corruptions_for(task.name))
    corruption = st.selectbox("Natural corruption", choices, key=f"tour_corruption_{task.name}",
                              format_func=lambda name: name.replace("_", " "))
    selection, refs = bundled(task.name)
    one = {spec: ref for spec, ref in refs.items() if not spec.attention and spec.backbone == "resnet50"} or refs
    picked = opening(task.name, next(iter(one)).input_size)
    natural = outcomes(one, picked, 0.0, Natural(corruption, 3, task.name))
    if not natural:
        return
    spec, corrupted = next(iter(natural.items()))
    # The same energy, not the same largest pixel change: noise's largest pixel change is an outlier
    # (190 grey levels at severity 3), and an L∞ attack of that size wipes the image out.
    energy = max(corrupted.l2, 1e-3)
    attacked = outcomes(one, picked, energy, explorer_attack(norm="l2"))
    if spec not in attacked:
        return
    attack = attacked[spec]
    left, right = st.columns(2)
    left.image(corrupted.adversarial, width="stretch", caption=f"{corruption.replace('_', ' ')}, severity 3 · "
               f"{task.short_names[corrupted.adversarial_class]}")
    right.image(attack.adversarial, width="stretch", caption=f"attack of the same total change · "
                f"{task.short_names[attack.adversarial_class]}")
    first = corrupted.clean_class
    drop = lambda o: float(o.clean_probabilities[first] - o.adversarial_probabilities[first])  # noqa: E731
    notice(tour.nature_is_not_an_attacker(corruption.replace("_", " ").capitalize(), drop(corrupted), drop(attack),
                                          energy, corrupted.linf * 255, attack.linf * 255))


def lesson_failure(_task) -> None:
    st.markdown("On the chest x-ray task the two mistakes are not equal: **hiding** a pneumothorax (a missed "
                "emergency) or **inventing** one (a false alarm). The same attack on a radiograph with a "
                "pneumothorax and on one without.")
    task = get_task("cxr")
    _, refs = bundled("cxr")
    one = {spec: ref for spec, ref in refs.items() if not spec.attention and spec.backbone == "resnet50"}
    if not one:
        return
    size = next(iter(one)).input_size
    _, labels, _ = synthetic_gallery("cxr", size)
    levels = st.select_slider("Largest change per pixel, in grey levels", list(tour.GREY_LEVELS), value=2,
                              key="tour_failure_levels", help=HELP["epsilon"])
    epsilon = levels / 255
    positive = outcomes(one, opening("cxr", size, int(np.flatnonzero(labels == 1)[0])), epsilon)
    negative = outcomes(one, opening("cxr", size, int(np.flatnonzero(labels == 0)[0])), epsilon)
    if not positive or not negative:
        return
    spec = next(iter(one))
    hid, invented = positive[spec], negative[spec]
    left, right = st.columns(2)
    left.image(hid.adversarial, width="stretch", caption=f"pneumothorax → {task.short_names[hid.adversarial_class]}")
    right.image(invented.adversarial, width="stretch",
                caption=f"no pneumothorax → {task.short_names[invented.adversarial_class]}")
    lines = tour.which_way_it_fails(hid.adversarial_class == 0 and hid.clean_class == 1,
                                    invented.adversarial_class == 1 and invented.clean_class == 0, spec.title, epsilon)
    notice(lines + saved.operating_point_lines(spec, epsilon))


def lesson_meaning(_task) -> None:
    st.markdown("If you are asked to trust a clinical AI product, five things to ask:")
    st.markdown("\n".join(f"{i}. {point}" for i, point in enumerate(tour.what_this_means(), 1)))
    st.caption("The other pages do each of these properly: the explorer, the robustness curves with their "
               "intervals and tests, the heatmap gallery's audits, and your own model on the Model zoo page.")


RUN = {"sees": lesson_sees, "noise": lesson_noise, "push": lesson_push, "defence": lesson_defence,
       "nature": lesson_nature, "failure": lesson_failure, "meaning": lesson_meaning}
