"""Training: a sidebar form launches a background job; the page follows every job."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from core.data.paths import DataRootError, confined
from core.jobs import cancel_job, list_jobs, start_job
from core.models.backbones import FAMILIES, FAMILY_TITLES, PROFILES
from core.models.spec import ModelSpec
from core.tasks import TASKS
from core.train import DEMO_ZOO_CONFIG, TrainConfig
from core.figures import history_figure
from app_pages.common import HISTORY_CAPTION, PROFILE_HELP, current_selection, show_error, user_root
from app_pages.guard import guarded

DATA_SOURCES = {"Synthetic demo data": "synthetic", "Dataset folder": "folder", "MedMNIST .npz file": "medmnist"}
FOLDER_FORMATS = ["ham10000", "kaggle_dr", "chestxray14", "folder"]


DEFENCE_HELP = {
    "none": "Standard training, as the paper.",
    "pgd-at": "Madry et al. 2018: every batch is replaced by its PGD examples at ε. Costs about steps + 1 times "
              "an undefended epoch; buys robustness at ε, usually at some cost in clean accuracy.",
    "trades": "Zhang et al. 2019: clean cross-entropy plus β · KL(clean ‖ adversarial). Costs about steps + 2 "
              "times an undefended epoch; β trades clean accuracy for robustness.",
}


def defence_ui(paper: TrainConfig, task: str) -> tuple[str, dict]:
    """The adversarial-training choice and its settings (inside the form); the training ε
    starts at `task`'s (core.tasks.Task.defence_epsilon). A form reruns only when submitted, so
    the settings are always drawn (in an expander) and sent only with a defence."""
    defence = st.selectbox("Adversarial training", list(DEFENCE_HELP), key="form_defence",
                           format_func=lambda d: {"none": "none (the paper)", "pgd-at": "PGD-AT",
                                                  "trades": "TRADES"}[d],
                           help=" ".join(f"**{d}**: {h}" for d, h in DEFENCE_HELP.items()))
    with st.expander("Adversarial-training settings (used with PGD-AT or TRADES)"):
        settings = {"defence_epsilon": st.number_input(
            "Training ε (L∞, [0, 1] pixel scale)", 0.0001, 1.0, TASKS[task].defence_epsilon, format="%.4f",
            key="form_defence_eps",
            help="Where a model of the task can still learn under the attack: "
                 + ", ".join(f"{t.name} {t.defence_epsilon:g}" for t in TASKS.values())
                 + ". Above it the fundus models collapse to one answer (balanced accuracy 0.50).")}
        settings["defence_steps"] = int(st.number_input("Training attack steps", 1, 50, paper.defence_steps,
                                                        key="form_defence_steps"))
        beta = st.number_input("TRADES β (TRADES only)", 0.01, 100.0, paper.trades_beta, key="form_beta")
        settings["accept_defence_cost"] = st.checkbox(
            "Paper profile without a GPU: train anyway", False, key="form_defence_cost",
            help="A defended paper-profile model costs about steps + 1 times a standard one, which already takes "
                 "hours per epoch on a CPU; without this, such a run is refused with what it would cost.")
        if st.checkbox("Start from the trained undefended model (adversarial fine-tuning)", False,
                       key="form_defence_init",
                       help="Jeddi et al. 2020: load the weights of the same model trained without a defence "
                            "(yours under My models, else the bundled one) and train on from there under the "
                            "defence. Far fewer epochs than from scratch; the model card says it was fine-tuned."):
            settings["init_from"] = "undefended"
    if defence == "none":
        return defence, {}
    if defence == "trades":
        settings["trades_beta"] = beta
    return defence, settings


def undefended_checkpoint(spec: ModelSpec) -> str | None:
    """Where the undefended model of `spec`'s architecture is trained: under My models, else in
    the bundled zoo; None where neither has it."""
    from core.models.zoo import CHECKPOINT_ROOT, checkpoint_path

    for root in (user_root(), CHECKPOINT_ROOT):
        path = checkpoint_path(replace(spec, defence="none"), root=root)
        if path.is_file():
            return str(path)
    return None


def training_form_ui(default_task: str):
    """The sidebar form; returns (spec, TrainConfig) when submitted, else None."""
    paper = TrainConfig()
    with st.sidebar.form("train_form"):
        st.subheader("Train a model")
        task = st.selectbox("Task", list(TASKS), index=list(TASKS).index(default_task), key="form_task",
                            format_func=lambda name: TASKS[name].title)
        backbone = st.selectbox("Backbone", FAMILIES, format_func=FAMILY_TITLES.get, key="form_backbone")
        attention = st.toggle("Soft attention", True, key="form_attention")
        profile = st.radio("Profile", list(PROFILES), horizontal=True, key="form_profile", help=PROFILE_HELP)
        source = DATA_SOURCES[st.selectbox("Data", list(DATA_SOURCES), key="form_source")]
        path, data_format, synthetic_train = "synthetic", "synthetic", paper.synthetic_train
        if source == "synthetic":
            synthetic_train = st.number_input("Synthetic training images", 8, 100_000, paper.synthetic_train,
                                              key="form_synthetic_train")
        elif source == "folder":
            path = st.text_input("Dataset folder (inside the data folder)", key="form_path")
            data_format = st.selectbox("Format", FOLDER_FORMATS, key="form_format")
        elif source == "medmnist":
            path, data_format = st.text_input("MedMNIST .npz path (inside the data folder)", key="form_npz"), "medmnist"
        st.caption("Hyper-parameters: the paper's (section 3.3) by default")
        learning_rate = st.number_input("Adam learning rate", 1e-6, 1.0, paper.learning_rate, format="%.4f")
        adam_epsilon = st.number_input("Adam epsilon", 1e-8, 1.0, paper.adam_epsilon, format="%.3f")
        demo = DEMO_ZOO_CONFIG
        max_epochs = st.number_input("Max epochs", 1, 1000, demo.max_epochs if profile == "demo" else paper.max_epochs)
        patience = st.number_input("Early-stopping patience (epochs without improvement)", 0, 1000,
                                   demo.patience if profile == "demo" else paper.patience,
                                   help=f"The paper's 40 with at most 300 epochs; the demo zoo used {demo.patience} of {demo.max_epochs}.")
        batch_size = st.number_input("Batch size", 1, 1024, paper.batch_size)
        class_weighting = st.checkbox("Inverse-frequency class weights", paper.class_weighting)
        augment = st.checkbox("Random flips of training images", demo.augment if profile == "demo" else paper.augment,
                              help="Not in the paper. Mirror images at random (on dermoscopy also turn them) so "
                                   "that a small training set shows each case in more orientations; the demo zoo "
                                   "was trained with them.")
        defence, defence_settings = defence_ui(paper, default_task)
        weights = None
        if profile != "demo":
            choice = st.text_input("Backbone weights: 'imagenet', a no-top weights file, or empty for random",
                                   "imagenet", key="form_weights")
            weights = choice.strip() or None
        submitted = st.form_submit_button("Start training", type="primary")
    if not submitted:
        return None
    if source != "synthetic" and not path:
        st.sidebar.error("Give the dataset's path.")
        return None
    try:  # every path typed in the app stays inside the data folder, as in the explorer
        path = path if source == "synthetic" else str(confined(path))
        weights = weights if weights in (None, "imagenet") else str(confined(weights))
    except DataRootError as error:
        st.sidebar.error(str(error))
        return None
    config = TrainConfig(learning_rate=learning_rate, adam_epsilon=adam_epsilon, max_epochs=int(max_epochs),
                         patience=int(patience), batch_size=int(batch_size), class_weighting=class_weighting,
                         augment=augment, lr_decay_patience=demo.lr_decay_patience if profile == "demo" else 0,
                         data=path, data_format=data_format, weights=weights,
                         synthetic_train=int(synthetic_train), defence=defence, **defence_settings)
    spec = ModelSpec(task, backbone, attention, profile, defence)
    if config.init_from == "undefended":  # resolved here: the job trains under My models
        start = undefended_checkpoint(spec)
        if start is None:
            st.sidebar.error(f"No trained {replace(spec, defence='none').model_id} to start from: train it first, "
                             "or untick adversarial fine-tuning.")
            return None
        config = replace(config, init_from=start)
    return spec, config


def launch(spec: ModelSpec, config: TrainConfig) -> None:
    """Start the training job: the spec as flags, the TrainConfig whole, as --config run.json."""
    arguments = ["--task", spec.task, "--backbone", spec.backbone,
                 "--attention" if spec.attention else "--no-attention", "--profile", spec.profile,
                 "--root", str(user_root())]  # the defence travels in the config; the CLI names the model by it
    start_job("train", f"train-{spec.model_id}", arguments, files={"--config": config.to_dict()})
    st.toast(f"Training {spec.model_id} started")


@st.fragment(run_every=2.0)
@guarded
def jobs_ui() -> None:
    jobs = [j for j in list_jobs() if j.kind == "train"]
    if not jobs:
        st.info("No training job yet. Use the form in the sidebar.")
        return
    for job in jobs:
        with st.container(border=True):
            p = job.progress
            st.markdown(f"**{job.key.removeprefix('train-')}** · {job.status} · started {job.started_at}")
            if job.running and job.cancelling:
                st.progress(job.fraction, text="Cancelling: the run stops after its current batch…")
            elif job.running and "epoch" not in p:
                st.progress(0.0, text="Starting: loading the data and building the model…")
            elif job.running:
                eta = p.get("eta_s")
                st.progress(job.fraction, text=f"epoch {p['epoch']}/{p.get('epochs', '?')}, step "
                            f"{p.get('step', 0)}/{p.get('steps', '?')}" + (f", at most {eta:.0f} s left" if eta else ""))
            if job.running and not job.cancelling and st.button("Cancel", key=f"cancel_{job.key}"):
                cancel_job(job.key)
                st.rerun(scope="app")  # the whole page: no stale "already running" message stays
            elif job.status == "failed":
                st.error(f"Failed: {job.message}")
                st.caption(f"The full log stays on the server (runs/{job.key}/log.txt); it is not shown here.")
            elif job.status == "done":
                st.success(f"Finished: {job.message}. The model is in 'My models'.")
            else:
                st.warning(job.message or job.status)
            if p.get("history"):
                st.plotly_chart(history_figure(p["history"]), width="stretch", key=f"history_{job.key}")
                st.caption(HISTORY_CAPTION)


st.title("Training")
st.caption("Jobs run in the background: leave the page, reload, or open another session; they carry on.")
request = training_form_ui(current_selection().task)
if request is not None:
    try:
        launch(*request)
    except ValueError as error:  # JobError and bad settings alike
        show_error(error)
jobs_ui()
