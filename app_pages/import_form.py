"""The Model zoo's *Import a model* form: a user's own classifier, imported by a background
job (TensorFlow stays out of the app's process), its outcome shown when it ends."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import streamlit as st

from core.data.paths import confined
from core.jobs import JobError, job_status, runs_root, start_job
from core.models.imported.settings import OUTPUTS, PREPROCESSINGS
from app_pages.common import plain, show_error, user_root
from app_pages.guard import guarded

UPLOAD_TYPES = ["keras", "h5", "hdf5", "onnx"]
JOB_KEY = "import-model"
IMPORT_HELP = {
    "source": "Upload a file (up to the server's 50 MiB), or give the path of a larger file, or of a SavedModel "
              "folder, inside the server's data folder.",
    "output": "What the model's last layer gives: probabilities that sum to 1 (softmax), raw scores (logits), or "
              "one probability per finding (sigmoid: a yes/no unit, or a multi-finding head like CheXNet's).",
    "preprocessing": "How the model expects its pixels. This tool gives it the image as RGB between 0 and 1 and "
                     "converts it the way you say, inside the model, so attacks see the same pixels you do.",
    "class_names": "The model's outputs in its own order, comma-separated, using the task's class names. Leave "
                   "empty if it follows the task's order. Extra outputs are allowed when named.",
    "finding": "For a multi-finding sigmoid head: which output is this task's finding (its name or position).",
    "name": "The name it is listed by: lower-case letters, digits and hyphens. Empty: from the file name.",
    "input_size": "Only for a model that accepts any size: the size it was trained at, in pixels.",
    "saliency_layer": "The layer whose feature map Grad-CAM explains. Empty: the last layer with a map larger "
                      "than 1 x 1, found automatically.",
    "twin_of": "Declare this model the twin of one you imported before (e.g. the same network with attention): "
               "the paired tests then compare the two.",
}


def import_form_ui(task: str, imported: list) -> None:
    """The form; on submit, the import job starts (its status is shown by import_status_ui)."""
    firsts = sorted(s.backbone for s in imported if not s.attention and s.twin() not in imported)
    with st.form("import_model"):
        st.markdown("**Import a model** of your own: Keras (.keras, .h5), TensorFlow SavedModel or ONNX "
                    "(PyTorch: `torch.onnx.export`). It is checked against its own runtime before it is kept.")
        source = st.radio("From", ["Upload", "Path in the data folder"], horizontal=True, help=IMPORT_HELP["source"])
        upload = st.file_uploader("Model file", type=UPLOAD_TYPES)
        path = st.text_input("Path in the data folder", help=IMPORT_HELP["source"])
        left, right = st.columns(2)
        output = left.radio("Its output", list(OUTPUTS), horizontal=True, help=IMPORT_HELP["output"])
        preprocessing = right.selectbox("Its preprocessing", list(PREPROCESSINGS),
                                        format_func=lambda k: f"{k}: {PREPROCESSINGS[k]}", help=IMPORT_HELP["preprocessing"])
        class_names = st.text_input("Its class order (optional)", help=IMPORT_HELP["class_names"])
        left, right = st.columns(2)
        name = left.text_input("Name (optional)", help=IMPORT_HELP["name"])
        finding = right.text_input("Finding unit (multi-label heads only)", help=IMPORT_HELP["finding"])
        left, right = st.columns(2)
        input_size = left.number_input("Input size (dynamic inputs only)", 0, 1024, 0, help=IMPORT_HELP["input_size"])
        saliency_layer = right.text_input("Grad-CAM layer (optional)", help=IMPORT_HELP["saliency_layer"])
        twin_of = st.selectbox("Twin of (optional)", ["—", *firsts], help=IMPORT_HELP["twin_of"])
        submitted = st.form_submit_button("Import", type="primary")
    if not submitted:
        return
    try:
        model_path = _staged(upload) if source == "Upload" else _in_data_folder(path)
    except (ValueError, OSError) as error:
        show_error(error)
        return
    arguments = [str(model_path), "--task", task, "--output", output, "--preprocessing", preprocessing,
                 "--root", str(user_root())]
    for flag, value in (("--class-names", class_names.strip()), ("--finding", finding.strip()),
                        ("--name", name.strip()), ("--saliency-layer", saliency_layer.strip())):
        if value:
            arguments += [flag, value]
    if input_size:
        arguments += ["--input-size", str(int(input_size))]
    if twin_of != "—":
        arguments += ["--twin-of", twin_of]
    try:
        start_job("import", JOB_KEY, arguments)
    except JobError as error:
        show_error(error)


def _staged(upload) -> Path:
    """An uploaded model written where the import job can read it (the job's uploads folder)."""
    if upload is None:
        raise ValueError("choose a model file to upload, or give a path in the data folder")
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(upload.name).name).strip(".-") or "model"
    folder = runs_root() / "uploads" / uuid.uuid4().hex
    folder.mkdir(parents=True)
    target = folder / stem
    target.write_bytes(upload.getvalue())
    return target


def _in_data_folder(text: str) -> Path:
    path = confined(text)  # DataRootError, a ValueError, for a path outside the data folder
    if not path.exists():
        raise ValueError(f"nothing at {text} in the data folder")
    return path


@st.fragment(run_every=2.0)
@guarded
def import_status_ui() -> None:
    """The running import, or how the last one ended."""
    status = job_status(JOB_KEY)
    if status is None:
        return
    if status.running:
        st.progress(0.5, text="Importing and checking the model against its own runtime…")
    elif status.status == "failed":
        st.error(f"The model was not imported: {plain(status.message)}")
    elif status.status == "done":
        st.success(plain(status.message), icon=":material/check_circle:")
        if st.session_state.get("import_seen") != status.started_at:
            st.session_state["import_seen"] = status.started_at
            st.rerun(scope="app")


def imported_card_ui(card: dict, task) -> None:
    """What an imported model's card says: where it came from, how it was checked, what it
    answers on the task's synthetic images (which are not its data)."""
    found = card["imported"]
    st.badge("imported", icon=":material/upload:", color="violet")
    st.caption(f"From {plain(found['source'])} ({found['format']}, SHA-256 {found['sha256'][:16]}…) via "
               f"{plain(found['converter'])}. Checked against {plain(found['reference_runtime'])}: the largest "
               f"probability difference was {found['max_probability_difference']:.1e} on {found['verified_on']}. "
               f"Input {found['input']['size']} px, {found['preprocessing']} preprocessing; scores: {found['scores']}.")
    if found.get("pass_seconds"):
        st.caption(f"One forward and backward pass costs {found['pass_seconds'] * 1000:.1f} ms per image on this "
                   "machine (measured at import): what an evaluation of it is priced at before it starts.")
    if found.get("restricted"):
        st.caption("This classifier has outputs beyond the task's classes; here it is restricted to the task's "
                   "classes (its probabilities renormalised over them).")
    if found.get("saliency_layer") is None:
        st.caption("No feature map can be reached in this model, so Grad-CAM is not available: the pages show "
                   "Integrated Gradients instead.")
    if found.get("preview"):
        right = sum(p["true"] == p["predicted"] for p in found["preview"])
        st.caption(f"On {len(found['preview'])} of this tool's **synthetic** images (not the model's data, so "
                   f"its accuracy here says nothing about its real accuracy) it answered {right} correctly:")
        st.dataframe([{**p, "true": task.short_name(p["true"]), "predicted": task.short_name(p["predicted"])}
                      for p in found["preview"]], hide_index=True, width="stretch")
