"""Attack explorer: one image, one epsilon, the four models of the task side by side."""

from __future__ import annotations

import streamlit as st

from core.data.paths import confined
from core.data.real_examples import DEMO_NOTICE, EXAMPLES, real_examples
from core.attack_settings import changed_word, is_natural, takes_epsilon
from core.formatting import epsilon_text
from core.tasks import get_task
from app_pages.common import (epsilon_ui, plain, require_models, show_error, step_rule_ui,
                              synthetic_gallery, warn_problems)
from app_pages.engine_client import incomplete_runs, method_badges, model_refs, ood_input, run_on_engine
from app_pages.explorer_models import beside_bundled_ui, models_ui
from app_pages.guard import guarded
from app_pages.saliency_choice import explain_ui, explained_class, layers_ui
from app_pages.words import HELP

UPLOAD_TYPES = ["png", "jpg", "jpeg", "tif", "tiff", "bmp", "webp", "gif", "dcm", "dicom"]
SOURCES = ["Synthetic gallery", "Real photographs", "Upload", "Dataset sample"]
THUMBNAILS_PER_ROW = 7


@st.cache_resource(show_spinner="Reading the dataset index…")
def _dataset(path: str, data_format: str, task: str):
    from core.data.datasets import open_dataset
    from core.data.paths import data_root

    return open_dataset(path, data_format, task, root=data_root())


@st.cache_data(show_spinner=False, max_entries=8)
def _real_image(key: str):
    return next(e for e in EXAMPLES if e.key == key).load()


def _true_label_ui(task: str, key: str) -> int | None:
    classes = get_task(task).classes
    choice = st.selectbox("True class", ["unknown: attack each model's prediction", *classes], key=key,
        help=HELP["true_class"])
    return None if choice not in classes else classes.index(choice)


def _loaded_ui(loaded, task: str, size: int):
    """Notes and size of a read image; returns (prepared image, metadata, raw pixels)."""
    from core.data.preprocess import prepare

    for note in loaded.notes:
        st.warning(plain(note), icon=":material/warning:")
    width, height = loaded.original_size
    st.caption(f"{plain(loaded.name)}: {width}×{height} px ({loaded.format}), resized to {size}×{size}"
               + (" and passed through the paper's chest x-ray filter" if get_task(task).cxr_filter else ""))
    return prepare(loaded.pixels, task, size), loaded.metadata, loaded.pixels


def image_ui(task: str, size: int) -> dict | None:
    """Pick an image. Returns {image, label, name, metadata, raw, synthetic} or None."""
    available = [s for s in SOURCES if s != "Real photographs" or real_examples(task)]
    source = st.radio("Image", available, horizontal=True, key="image_source", help=HELP["image_source"])
    classes = get_task(task).classes
    if source == "Synthetic gallery":
        images, labels, truth = synthetic_gallery(task, size)
        names = [f"{classes[label]} #{i % 2 + 1}" for i, label in enumerate(labels)]
        for start in range(0, len(images), THUMBNAILS_PER_ROW):
            for column, i in zip(st.columns(THUMBNAILS_PER_ROW), range(start, min(start + THUMBNAILS_PER_ROW,
                                                                                  len(images)))):
                column.image(images[i], caption=names[i], width="stretch")
        index = st.selectbox("Example", range(len(images)), format_func=lambda i: names[i], key=f"example_{task}",
            help=HELP["example"])
        st.caption("Synthetic image, labelled by construction (not medical data).")
        mimic = -1 if truth is None else int(truth["looks_like"][index])
        if mimic >= 0:
            st.caption(f"This {classes[labels[index]]} presents as {classes[mimic]}: a lesion only histopathology "
                       "tells apart, drawn at the rate the task's readers miss it; no model can be right on it "
                       "from the pixels.")
        return {"image": images[index], "label": int(labels[index]), "name": names[index], "metadata": {},
                "raw": None, "synthetic": True,
                "truth": None if truth is None else {part: truth[part][index] for part in ("lesion", "shortcut")}}
    if source == "Real photographs":
        examples = real_examples(task)
        key = st.radio("Photograph", [e.key for e in examples], key=f"real_{task}",
                       format_func=lambda k: next(e.title for e in examples if e.key == k), help=HELP["photograph"])
        example = next(e for e in examples if e.key == key)
        try:
            image, metadata, raw = _loaded_ui(_real_image(key), task, size)
        except (ValueError, OSError) as error:
            show_error(error, what="Reading the photograph")
            return None
        st.caption(f"Source: {example.source}. Licence: {example.licence}.")
        st.info(DEMO_NOTICE, icon=":material/info:")
        return {"image": image, "label": _true_label_ui(task, f"real_label_{task}"), "name": example.title,
                "metadata": metadata, "raw": raw, "synthetic": False}
    if source == "Upload":
        from core.data.io import read_image

        uploaded = st.file_uploader("PNG, JPEG, TIFF, BMP, WebP, GIF or DICOM", type=UPLOAD_TYPES, key="upload",
            help=HELP["upload"])
        if uploaded is None:
            st.info("Upload an image to attack it.")
            return None
        try:
            image, metadata, raw = _loaded_ui(read_image(uploaded), task, size)
        except ValueError as error:
            show_error(error, what="Could not use this file")
            return None
        return {"image": image, "label": _true_label_ui(task, "upload_label"), "name": uploaded.name,
                "metadata": metadata, "raw": raw, "synthetic": False}
    path = st.text_input("Dataset folder or MedMNIST .npz (inside the data folder)", key="dataset_path",
        help=HELP["dataset_path"])
    data_format = st.selectbox("Format", ["ham10000", "kaggle_dr", "chestxray14", "medmnist", "folder"],
                               key="dataset_format", help=HELP["dataset_format"])
    if not path:
        st.info("Give the path of a dataset inside the data folder (docs/data.md).")
        return None
    try:
        dataset = _dataset(str(confined(path)), data_format, task)
        if dataset.skipped:
            st.caption("Left out: " + ", ".join(f"{count} {reason}" for reason, count in dataset.skipped.items()))
        index = st.number_input(f"Image index (0-{len(dataset) - 1})", 0, len(dataset) - 1, 0, key="dataset_index",
            help=HELP["dataset_index"])
        return {"image": dataset.image(int(index), size), "label": int(dataset.labels[index]),
                "name": f"{dataset.name} #{index}", "metadata": {}, "raw": None, "synthetic": False}
    except (ValueError, OSError) as error:  # OSError: a path the file system refuses
        show_error(error, what="Dataset")
        return None


MODES = {"attack": "Attack (PGD)", "patch": "Adversarial patch", "natural": "Natural corruption"}
THREATS = {"linf": "L∞: every pixel a little", "l2": "L2: a budget of total change"}


def natural_ui(task: str):
    """The natural mode's corruption and severity; returns a core.attack_settings.Natural."""
    from core.attack_settings import Natural
    from core.corruptions import corruptions_for

    options = corruptions_for(task)
    name = st.selectbox("Corruption", list(options), format_func=lambda k: options[k].title, key="explorer_corruption",
                        help="What clinicians meet every day: noise, blur, exposure, compression and the "
                             "modality's own artefacts (the curves page measures each over the test set).")
    severity = st.slider("Severity", 1, 5, 3, key="explorer_severity",
                         help="1 mild to 5 severe, calibrated after ImageNet-C and MedMNIST-C.")
    return Natural(name, severity, task)


def patch_ui(task: str):
    """The patch mode's area and placement; returns a core.attack_settings.Patch."""
    from core.attack_settings import Patch
    from core.attacks.patch import AREAS, PLACEMENTS

    area = st.select_slider("Patch area", list(AREAS), value=0.02, format_func=lambda a: f"{a:.0%}",
                            key="patch_area", help=HELP["patch_area"])
    placement = st.radio("Placed", list(PLACEMENTS), horizontal=True, key="patch_placement",
                         format_func=lambda p: "where artefacts sit" if p == "task" else "over the centre",
                         help=PLACEMENTS["task"] + "; or over the centre")
    steps = st.slider("Patch steps", 10, 200, 50, key="patch_steps",
                      help="Gradient steps per candidate location (four where artefacts sit); more is stronger.")
    return Patch(area=area, placement=placement, steps=steps, task=task)


def settings_ui(task: str, badges: dict) -> dict:
    """The perturbation (a core.attacks.PGD, a Patch or a Natural corruption) with the view's settings;
    returns explore() keyword arguments, the perturbation telling the mode (core.attack_settings.is_natural;
    ε is chosen beside the grid: view_ui)."""
    from core.attack_settings import PGD
    from core.formatting import LOSS_TITLES
    from core.explain import METHODS

    mode = st.segmented_control("Perturbation", list(MODES), format_func=MODES.get, default="attack",
                                key="explorer_mode", help=HELP["perturbation"]) or "attack"
    if mode in ("patch", "natural"):  # no ε, no transfer: the change and how to explain it
        attack = patch_ui(task) if mode == "patch" else natural_ui(task)
        method = st.selectbox("Saliency method", list(METHODS), format_func=lambda m: METHODS[m].title,
                              key="explorer_method", help=HELP["saliency"])
        explain = explain_ui(task)
        seed = int(st.number_input("Seed", 0, 2**31 - 1, 0, key="seed", help=HELP["seed"]))
        return dict(epsilon=None, attack=attack, method=method, transfer=False, seed=seed, explain=explain)
    steps = st.slider("PGD steps", 1, 100, 10, key="steps",
                      help="The paper used foolbox's 40; 10 keeps the page live on a CPU.")
    rel_stepsize = step_rule_ui(steps, key="paper_stepsize")
    loss = st.selectbox("Loss", ["ce", "margin"], format_func=LOSS_TITLES.get, key="explorer_loss",
                        help="Cross-entropy (the paper's) stalls on over-confident models whose softmax "
                             "saturates; the Carlini-Wagner logit margin does not.")
    restarts = st.slider("Random restarts (worst case kept)", 1, 5, 1, key="restarts", help=HELP["restarts"])
    norm = st.segmented_control("Threat", list(THREATS), format_func=THREATS.get, default="linf",
                                key="explorer_threat", help=HELP["threat"]) or "linf"
    method = st.selectbox("Saliency method", list(METHODS), format_func=lambda m: METHODS[m].title,
                          key="explorer_method", help="What the heatmaps show (the heatmap gallery audits each "
                                                      "method: sanity check, deletion/insertion).")
    if badges.get(method):
        st.caption(badges[method])
    explain = explain_ui(task)
    transfer = st.toggle("Transfer: attack the attentive models with their vanilla twin's perturbation",
                         key="transfer", help=HELP["transfer"])
    seed = int(st.number_input("Seed", 0, 2**31 - 1, 0, key="seed", help=HELP["seed"]))
    attack = PGD(steps=steps, rel_stepsize=rel_stepsize, loss=loss, restarts=restarts, norm=norm)
    return dict(epsilon=None, attack=attack, method=method, transfer=transfer, seed=seed, explain=explain)


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
    grid = GridView(list(refs), task.classes, image=picked["image"], epsilon=epsilon, natural=natural,
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
            settings = {**settings, "epsilon": epsilon_ui(task.name)}
    if settings["explain"] == "true" and picked["label"] is None:
        st.caption("The heatmaps explain each image's predicted class: the true class is unknown.")
    settings = {**settings, "explain": explained_class(settings["explain"], picked["label"], task)}
    method_title = METHODS[settings["method"]].title + (
        "" if settings["explain"] is None else f" of {task.classes[settings['explain']]}")
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
