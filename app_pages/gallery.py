"""Heatmap gallery: sample images x every epsilon, clean and perturbed saliency maps (paper
3.4), with a method selector, two methods side by side, and each method's audit."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.data import synthetic
from core.explain import METHODS, overlay
from core.formatting import epsilon_255
from core.models.backbones import FAMILY_TITLES
from core.models.spec import DEFENCES
from core.tasks import get_task
from app_pages.common import require_models, show_error, warn_problems
from app_pages.engine_client import audit_table, method_badges, model_refs, run_on_engine
from app_pages.saliency_choice import explain_ui, layers_ui


@st.cache_data(show_spinner="Attacking the samples at every ε…", max_entries=16)
def _galleries(_refs, refs_key, images, labels, epsilons, steps, methods, explain=None, layers=()):
    """{(model id, method): core.explore.heatmap_gallery result}, run in the engine process
    (2.5 eps / steps per step, Madry et al.: a few steps still reach the edge of the ball).
    explain: the class the maps explain (core.explore.heatmap_gallery); layers: ((model id,
    marker), ...) of imported models read on another feature map."""
    from core.engine import Gallery

    chosen = dict(layers)
    found, problem = run_on_engine({
        (spec.model_id, method): Gallery(ref, images, labels, tuple(epsilons), steps, method, explain,
                                         chosen.get(spec.model_id) if METHODS[method].uses_feature_layer else None)
        for spec, ref in _refs.items() for method in methods})
    if problem:
        raise RuntimeError(problem)  # not cached: the next run asks again
    return found


def methods_ui(badges: dict) -> list[str]:
    """One method, or two side by side; returns the chosen method ids."""
    left, right = st.columns(2)
    first = left.selectbox("Saliency method", list(METHODS), format_func=lambda m: METHODS[m].title,
                           key="gallery_method")
    second = None
    if right.toggle("Put a second method beside it", key="gallery_two_methods"):
        second = right.selectbox("Second method", [m for m in METHODS if m != first],
                                 format_func=lambda m: METHODS[m].title, key="gallery_method_2")
    chosen = [first] + ([second] if second else [])
    for method in chosen:
        st.caption(f"**{METHODS[method].title}** ({METHODS[method].reference}): {METHODS[method].note} "
                   + badges.get(method, ""))
    return chosen


def gallery_ui(spec, result, images, epsilons, count, title) -> None:
    st.markdown(f"**{title}**")
    for cell, epsilon in zip(st.columns(len(epsilons)), epsilons):
        cell.caption(f"ε {epsilon:g}\n({epsilon_255(epsilon)})")
    for i in range(count):
        for cell, row in zip(st.columns(len(epsilons)), result["epsilons"]):
            image = images[i] if row["epsilon"] == 0 else row["adversarial"][i]
            cell.image(overlay(image, row["cams"][i]), width="stretch")


def grounding_ui(selection, pair, methods) -> None:
    """The saved audits' localisation (synthetic ground truth): per method and ε, how often the
    map's peak falls on the finding and its share of the map, twins compared."""
    from core.explain.audit import load_audit
    from core.explain.grounding import grounding_rows, grounding_twin_test

    audits = {spec: a for spec in pair if (a := load_audit(spec, root=selection.root)) and "localisation" in a}
    if not audits:
        st.info("No localisation audit for these models yet: run `python -m core.explain.audit --task "
                f"{selection.task} --root {selection.root}` (it needs the synthetic test images, whose lesions "
                "and shortcuts have exact masks).", icon=":material/info:")
        return
    rows = [r for r in grounding_rows({spec.title: a for spec, a in audits.items()})
            if r["method"] in {METHODS[m].title for m in methods}]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
                 column_config={"ε": st.column_config.NumberColumn(format="%g"),
                                "points at it": st.column_config.NumberColumn(format="%.2f"),
                                "share of the map inside": st.column_config.NumberColumn(format="%.2f")})
    st.caption("Pointing game (Zhang et al. 2016): the map's maximum falls on the finding's exact mask (within "
               "15/224 of the image), with a Wilson interval; share inside: the map's mass on the mask, with a "
               "bootstrap interval. ε 0 is the clean map; under attack the map explains the adversarial "
               "prediction. The shortcut rows use the chest drain or skin marking where an image has one.")
    attentive = next((s for s in audits if s.attention), None)
    vanilla = next((s for s in audits if not s.attention), None)
    if attentive and vanilla:
        for method in methods:
            tests = grounding_twin_test(audits[attentive], audits[vanilla], method=method)
            if tests:
                st.caption(f"**{METHODS[method].title}**: " + " ".join(t["sentence"] for t in (tests[0], tests[-1])))


def moved_table(summaries) -> pd.DataFrame:
    """Per model, method and ε: how many samples stay right under the attack, with the Wilson
    interval of that accuracy, and how far the maps moved (means over the samples)."""
    from core.stats import proportion_ci

    rows = []
    for spec, method, result in summaries:
        for row in result["epsilons"]:
            low, high = proportion_ci(row["correct"], row["n"])
            rows.append({"model": spec.title, "method": METHODS[method].title, "ε": row["epsilon"],
                         "right under attack": f"{row['correct']} of {row['n']}", "95 % CI": f"{low:.2f}–{high:.2f}",
                         "Pearson vs clean": row["pearson"], "top-20 % IoU": row["top20_iou"],
                         "centre shift (px)": row["centre_shift_px"]})
    return pd.DataFrame(rows)


def training_ui(specs, family: str) -> str:
    """The defence of the twin pair shown (undefended first); a selector only when the backbone
    has defended twins too, so the gallery always compares one attentive model with its vanilla twin."""
    defences = sorted({s.defence for s in specs if s.backbone == family}, key=lambda d: (d != "none", d))
    if len(defences) == 1:
        return defences[0]
    return st.selectbox("Training", defences, key=f"gallery_defence_{family}", format_func=_training_title)


def _training_title(defence: str) -> str:
    return "undefended" if defence == "none" else f"adversarially trained ({DEFENCES[defence][1]})"


st.title("Heatmap gallery")
st.caption("Saliency maps of sample test images, clean and under PGD at every ε of the paper's grid.")
selection, specs = require_models()
families = sorted({s.backbone for s in specs})
family = st.selectbox("Backbone", families, format_func=lambda f: FAMILY_TITLES.get(f, f),  # imported: its name
                      key="gallery_family")
defence = training_ui(specs, family)
pair = sorted([s for s in specs if s.backbone == family and s.defence == defence], key=lambda s: s.attention)
chosen = methods_ui(method_badges(selection, pair))
choice = explain_ui(selection.task, page="gallery")
explain = (None if choice == "predicted" else "true" if choice == "true"
           else get_task(selection.task).classes.index(choice))  # core.explore.heatmap_gallery's explain
count = st.slider("Sample images", 2, 16, 4, key="gallery_count", help="The paper used 16.")
steps = st.slider("PGD steps", 1, 40, 10, key="gallery_steps")
epsilons = list(get_task(selection.task).epsilons)
images, labels = synthetic.split(selection.task, "test", count, size=pair[0].input_size)
refs, problems = model_refs(selection, pair)
warn_problems(problems)
pair = [s for s in pair if s in refs]
if not pair:
    st.stop()
feature_method = next((m for m in chosen if METHODS[m].uses_feature_layer), None)
layers = layers_ui(refs, feature_method, page="gallery") if feature_method else {}
try:
    galleries = _galleries(refs, tuple(f"{s.model_id}:{r.digest}" for s, r in refs.items()), images, labels,
                           epsilons, steps, tuple(chosen), explain, tuple(sorted(layers.items())))
except RuntimeError as error:
    st.warning(str(error), icon=":material/restart_alt:")
    st.stop()
except ValueError as error:
    show_error(error, what="Gallery")
    st.stop()
summaries = []
for column, spec in zip(st.columns(len(pair)), pair):
    with column:
        st.subheader(spec.title)
        for method in chosen:
            result = galleries[(spec.model_id, method)]
            summaries.append((spec, method, result))
            gallery_ui(spec, result, images, epsilons, count, METHODS[method].title)
st.subheader("How far the maps moved, per ε and method")
st.dataframe(moved_table(summaries), hide_index=True, width="stretch",
             column_config={"ε": st.column_config.NumberColumn(format="%g")})
st.caption(f"Right under attack: of these {count} sample images, with its Wilson 95 % interval (a handful of images: "
           "the curves page measures accuracy on the whole test split). The map metrics are means over the samples.")
st.subheader("Can these maps be trusted?")
audit = audit_table(selection, pair)
if audit is None:
    st.info("No audit for these models yet: run `python -m core.explain.audit --task "
            f"{selection.task} --root {selection.root}`.", icon=":material/info:")
else:
    st.dataframe(audit, hide_index=True, width="stretch")
    st.caption("Sanity (Adebayo et al. 2018): rank correlation with the trained model's maps once every layer is "
               "randomised; below 0.5 passes. Deletion/insertion (Petsiuk et al. 2018): areas under the "
               "probability curve as the most salient pixels are removed / restored, against a random order. "
               "Energy: share of the perturbation's L2 energy inside the top-20 % salient region (chance 0.2; "
               "Ma et al. 2021).")

st.subheader("Does each map look at the finding?")
grounding_ui(selection, pair, chosen)
