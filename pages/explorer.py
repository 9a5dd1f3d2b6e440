"""Attack explorer: one image, one epsilon, every model of the task side by side."""

from __future__ import annotations

import io
import json
import warnings

import cv2
import numpy as np
import plotly.graph_objects as go
import streamlit as st

from core.attacks import PAPER_REL_STEPSIZE
from core.data import synthetic
from core.data.datasets import open_dataset
from core.data.io import ImageLoadError, ImageLoadWarning, load_image
from core.data.preprocess import prepare, to_uint8
from core.explain import overlay
from core.explore import explore
from core.models.backbones import FAMILIES, FAMILY_TITLES
from core.tasks import get_task
from pages.common import (epsilon_label, epsilon_ui, load_models, require_models, route_through_app,
                          show_error)

UPLOAD_TYPES = ["png", "jpg", "jpeg", "tif", "tiff", "bmp", "webp", "dcm", "dicom"]


@st.cache_data(show_spinner=False)
def _gallery(task: str, size: int):
    return synthetic.gallery(task, per_class=2, size=size)


@st.cache_resource(show_spinner="Reading the dataset index…")
def _dataset(path: str, data_format: str, task: str):
    return open_dataset(path, data_format, task)


def _true_label_ui(task: str, key: str) -> int | None:
    classes = get_task(task).classes
    choice = st.selectbox("True class", ["unknown: attack each model's prediction", *classes], key=key)
    return None if choice not in classes else classes.index(choice)


def image_ui(task: str, size: int):
    """Pick an image; returns (prepared image or None, true label or None, name)."""
    source = st.radio("Image", ["Example gallery", "Upload", "Dataset sample"], horizontal=True,
                      key="image_source")
    classes = get_task(task).classes
    if source == "Example gallery":
        images, labels = _gallery(task, size)
        names = [f"{classes[label]} #{i % 2 + 1}" for i, label in enumerate(labels)]
        columns = st.columns(min(len(images), 7))
        for i, column in enumerate(columns):
            column.image(images[i], caption=names[i], width="stretch")
        index = st.selectbox("Example", range(len(images)), format_func=lambda i: names[i],
                             key=f"example_{task}")
        st.caption("Synthetic image, labelled by construction.")
        return images[index], int(labels[index]), names[index]
    if source == "Upload":
        uploaded = st.file_uploader("PNG, JPEG, TIFF, BMP, WebP or DICOM", type=UPLOAD_TYPES,
                                    key="upload")
        if uploaded is None:
            st.info("Upload an image to attack it.")
            return None, None, ""
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ImageLoadWarning)
                raw = load_image(uploaded)
            for warning in caught:
                st.warning(str(warning.message))
            image = prepare(raw, task, size)
        except ImageLoadError as error:
            st.error(f"Could not use this file: {error}")
            return None, None, ""
        st.caption(f"{uploaded.name}: {raw.shape[1]}×{raw.shape[0]} px, resized to {size}×{size}"
                   + (" and passed through the paper's chest x-ray filter" if get_task(task).cxr_filter else ""))
        return image, _true_label_ui(task, "upload_label"), uploaded.name
    path = st.text_input("Dataset folder or MedMNIST .npz", key="dataset_path")
    data_format = st.selectbox("Format", ["ham10000", "kaggle_dr", "chestxray14", "medmnist", "folder"],
                               key="dataset_format")
    if not path:
        st.info("Give the path of a dataset on this machine (see README, Data).")
        return None, None, ""
    try:
        dataset = _dataset(path, data_format, task)
        index = st.number_input(f"Image index (0-{len(dataset) - 1})", 0, len(dataset) - 1, 0,
                                key="dataset_index")
        return dataset.image(int(index), size), int(dataset.labels[index]), f"{dataset.name} #{index}"
    except ValueError as error:
        show_error(error, what="Dataset")
        return None, None, ""


@st.cache_data(show_spinner="Running PGD on every model…", max_entries=64)
def _explore(_models, models_key, image, label, epsilon, steps, rel_stepsize, loss, restarts, seed, transfer):
    return explore(_models, image, label=label, epsilon=epsilon, steps=steps, rel_stepsize=rel_stepsize,
                   loss=loss, restarts=restarts, seed=seed, transfer=transfer)


def _probabilities_chart(outcome, classes):
    figure = go.Figure([
        go.Bar(name="clean", x=list(classes), y=outcome.clean_probabilities, marker_color="#4c78a8"),
        go.Bar(name="adversarial", x=list(classes), y=outcome.adversarial_probabilities, marker_color="#e45756"),
    ])
    figure.update_layout(barmode="group", height=230, margin=dict(l=10, r=10, t=10, b=10),
                         yaxis=dict(range=[0, 1], title="probability"),
                         legend=dict(orientation="h", y=1.12, x=0))
    return figure


def _amplified(perturbation: np.ndarray, epsilon: float) -> np.ndarray:
    """[-eps, eps] -> [0, 1], mid-grey meaning unchanged."""
    return np.clip(perturbation / (2 * max(epsilon, 1e-12)) + 0.5, 0, 1)


def outcome_ui(outcome, image, epsilon, classes):
    """One model's column: verdict, probabilities, heatmaps, perturbation, metrics."""
    st.markdown(f"**{outcome.spec.title}**")
    clean, adversarial = classes[outcome.clean_class], classes[outcome.adversarial_class]
    if outcome.flipped:
        st.error(f"Prediction flipped: {clean} → {adversarial}", icon=":material/bolt:")
    else:
        st.success(f"Prediction held: {clean}", icon=":material/shield:")
    if outcome.transferred_from:
        st.caption(f"Perturbation transferred from {outcome.transferred_from}")
    st.plotly_chart(_probabilities_chart(outcome, classes), width="stretch",
                    key=f"bars_{outcome.spec.model_id}")
    panels = [(overlay(image, outcome.clean_cam), "Grad-CAM, clean"),
              (overlay(outcome.adversarial, outcome.adversarial_cam), "Grad-CAM, adversarial")]
    if outcome.clean_attention is not None:
        panels += [(overlay(image, outcome.clean_attention), "Attention map, clean"),
                   (overlay(outcome.adversarial, outcome.adversarial_attention), "Attention map, adversarial")]
    panels.append((_amplified(outcome.perturbation, epsilon), "Perturbation (amplified)"))
    for column, (picture, caption) in zip(st.columns(len(panels)), panels):
        column.image(picture, caption=caption, width="stretch")
    shift = outcome.cam_shift
    st.caption(f"L∞ {outcome.linf:.4f} ({outcome.linf * 255:.2f}/255) · L2 {outcome.l2:.3f} · "
               f"Grad-CAM clean vs adversarial: Pearson {shift['pearson']:.2f}, top-20 % IoU "
               f"{shift['top20_iou']:.2f}, centre shift {shift['centre_shift_px']:.1f} px")


def _png(image: np.ndarray) -> bytes:
    return cv2.imencode(".png", cv2.cvtColor(to_uint8(image), cv2.COLOR_RGB2BGR))[1].tobytes()


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array.astype(np.float32), allow_pickle=False)
    return buffer.getvalue()


def downloads_ui(result, name: str):
    with st.expander("Downloads"):
        st.download_button("Run report (JSON)", json.dumps({"image": name, **result.report()}, indent=2),
                           file_name="attack_report.json", mime="application/json", key="dl_report")
        for model_id, outcome in result.outcomes.items():
            left, right = st.columns(2)
            left.download_button(f"{model_id}: adversarial PNG (8-bit, rounded)", _png(outcome.adversarial),
                                 file_name=f"{model_id}_adversarial.png", mime="image/png", key=f"png_{model_id}")
            right.download_button(f"{model_id}: adversarial .npy (exact float32)", _npy(outcome.adversarial),
                                  file_name=f"{model_id}_adversarial.npy", key=f"npy_{model_id}")


route_through_app()
st.title("Attack explorer")
st.caption("Slide ε and watch L∞ PGD push each model's prediction; attentive and vanilla twins side by side.")
selection, specs = require_models()
try:
    models = load_models(selection, specs)
except ValueError as error:
    show_error(error, what="Loading models")
    st.stop()
task = get_task(selection.task)
size = specs[0].input_size
left, right = st.columns([3, 2])
with left:
    image, label, name = image_ui(selection.task, size)
with right:
    epsilon = epsilon_ui(selection.task)
    steps = st.slider("PGD steps", 1, 100, 10, key="steps",
                      help="The paper used foolbox's 40; 10 keeps the page live on a CPU.")
    paper_steps = st.toggle("Paper's step size (ε/30 per step)", key="paper_stepsize",
                            help="Off: 2.5 ε / steps per step (Madry et al. 2017), so even a few steps "
                                 "can reach the edge of the ε-ball. On: foolbox's default, which needs "
                                 "30+ steps to get there.")
    rel_stepsize = PAPER_REL_STEPSIZE if paper_steps else 2.5 / steps
    loss = "margin" if st.toggle("Logit-margin loss instead of cross-entropy", key="margin_loss",
                                 help="Cross-entropy (the paper's) stalls on over-confident models whose "
                                      "softmax saturates; the Carlini-Wagner margin does not.") else "ce"
    restarts = st.slider("Random restarts (worst case kept)", 1, 5, 1, key="restarts")
    transfer = st.toggle("Transfer: attack the attentive models with their vanilla twin's perturbation",
                         key="transfer")
    seed = int(st.number_input("Seed", 0, 2**31 - 1, 0, key="seed"))
if image is None:
    st.stop()
models_key = tuple(sorted(s.model_id for s in models)) + (str(selection.root),)
try:
    result = _explore(models, models_key, image, label, epsilon, steps, rel_stepsize, loss, restarts, seed,
                      transfer)
except ValueError as error:
    show_error(error, what="Attack")
    st.stop()
st.subheader(f"{name} · {epsilon_label(epsilon)} · {steps} steps of {rel_stepsize:.3g} ε")
for family in FAMILIES:
    pair = [s for s in sorted(models, key=lambda s: s.attention) if s.backbone == family]
    if not pair:
        continue
    st.markdown(f"#### {FAMILY_TITLES[family]}: vanilla vs soft attention")
    for column, spec in zip(st.columns(2), pair):
        with column:
            outcome_ui(result.outcomes[spec.model_id], image, epsilon, task.classes)
downloads_ui(result, name)
