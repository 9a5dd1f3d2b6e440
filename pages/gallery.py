"""Heatmap gallery: sample images x every epsilon, clean and perturbed Grad-CAM (paper 3.4)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.data import synthetic
from core.explain import overlay
from core.explore import heatmap_gallery
from core.models.backbones import FAMILY_TITLES
from core.tasks import get_task
from pages.common import load_models, require_models, route_through_app, warn_problems


@st.cache_data(show_spinner="Attacking the samples at every ε…", max_entries=8)
def _gallery(_model, model_key, images, labels, epsilons, steps):
    # 2.5 eps / steps per step (Madry et al.): a few steps still reach the edge of the ball
    return heatmap_gallery(_model, images, labels, epsilons=epsilons, steps=steps, rel_stepsize=2.5 / steps)


route_through_app()
st.title("Heatmap gallery")
st.caption("Grad-CAM of sample test images, clean and under PGD at every ε of the paper's grid.")
selection, specs = require_models()
families = sorted({s.backbone for s in specs})
family = st.selectbox("Backbone", families, format_func=FAMILY_TITLES.get, key="gallery_family")
pair = sorted([s for s in specs if s.backbone == family], key=lambda s: s.attention)
count = st.slider("Sample images", 2, 16, 4, key="gallery_count", help="The paper used 16.")
steps = st.slider("PGD steps", 1, 40, 10, key="gallery_steps")
epsilons = list(get_task(selection.task).epsilons)
images, labels = synthetic.split(selection.task, "test", count, size=pair[0].input_size)
models, problems = load_models(selection, pair)
warn_problems(problems)
pair = [s for s in pair if s in models]
if not pair:
    st.stop()
summaries = {}
for column, spec in zip(st.columns(len(pair)), pair):
    result = _gallery(models[spec], spec.model_id + str(selection.root), images, labels, epsilons, steps)
    summaries[spec.title] = result
    with column:
        st.subheader(spec.title)
        header = st.columns(len(epsilons))
        for cell, epsilon in zip(header, epsilons):
            cell.caption(f"ε {epsilon:g}\n({epsilon * 255:.2g}/255)")
        for i in range(count):
            cells = st.columns(len(epsilons))
            for cell, row in zip(cells, result["epsilons"]):
                image = images[i] if row["epsilon"] == 0 else row["adversarial"][i]
                cell.image(overlay(image, row["cams"][i]), width="stretch")
st.subheader("How far the maps moved, per ε (mean over the samples)")
frame = pd.DataFrame([{"model": title, "ε": row["epsilon"], "accuracy": row["accuracy"],
                       "Pearson vs clean": row["pearson"], "top-20 % IoU": row["top20_iou"],
                       "centre shift (px)": row["centre_shift_px"]}
                      for title, result in summaries.items() for row in result["epsilons"]])
st.dataframe(frame, hide_index=True, width="stretch")
