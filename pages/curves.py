"""Robustness curves: accuracy vs epsilon as in the paper's Fig. 3/5/7."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.evaluate import AttackSettings, load_results
from core.jobs import JobError, cancel_job, job_status, start_job
from core.tasks import get_task
from pages.common import require_models, route_through_app, show_error

DEFAULT_N = 200  # test images of the bundled curves
LOSSES = {"cross-entropy (paper)": "ce", "logit margin (Carlini-Wagner)": "margin"}
COLOURS = {False: "#4c78a8", True: "#e45756"}


def settings_ui(task: str):
    """Epsilon grid, test images and attack steps; returns (epsilons, n, AttackSettings)."""
    grid = list(get_task(task).epsilons)
    with st.expander("Evaluation settings", expanded=False):
        text = st.text_input("ε grid ([0, 1] scale, comma-separated)", ", ".join(f"{e:g}" for e in grid),
                             key=f"grid_{task}")
        n = int(st.number_input("Test images", 10, 100_000, DEFAULT_N, step=50, key="curve_n"))
        steps = int(st.number_input("PGD steps", 1, 1000, 40, key="curve_steps"))
        restarts = int(st.number_input("Restarts", 1, 20, 1, key="curve_restarts"))
        loss = LOSSES[st.radio("Loss", list(LOSSES), horizontal=True, key="curve_loss",
                               help="The paper used cross-entropy. Over-confident models saturate its "
                                    "softmax and hide behind a zero gradient; the logit margin does not.")]
    try:
        epsilons = sorted({float(value) for value in text.split(",") if value.strip()})
    except ValueError:
        st.error(f"The ε grid must be numbers separated by commas, got {text!r}")
        st.stop()
    if not epsilons or min(epsilons) < 0 or max(epsilons) > 1:
        st.error("Every ε must be in [0, 1].")
        st.stop()
    return epsilons, n, AttackSettings(steps=steps, restarts=restarts, loss=loss)


def curves_figure(results: dict) -> go.Figure:
    figure = go.Figure()
    for spec, result in results.items():
        rows = result["curve"]
        colour = COLOURS[spec.attention]
        dash = "solid" if spec.backbone == "resnet50" else "dot"
        figure.add_trace(go.Scatter(x=[r["epsilon"] for r in rows], y=[r["accuracy"] for r in rows],
                                    mode="lines+markers", name=spec.title, line=dict(color=colour, dash=dash)))
        clean = next((r["accuracy"] for r in rows if r["epsilon"] == 0), None)
        if clean is not None:
            figure.add_hline(y=clean, line=dict(color=colour, dash="dash", width=1),
                             annotation_text=f"clean {spec.title}", annotation_font_size=9)
    figure.update_layout(xaxis_title="ε (L∞, [0, 1] scale)", yaxis_title="accuracy", yaxis_range=[0, 1.02],
                         height=420, margin=dict(l=10, r=10, t=30, b=10), legend=dict(orientation="h"))
    return figure


def table(results: dict) -> pd.DataFrame:
    rows = [{"model": spec.title, "ε": r["epsilon"], "ε × 255": r["epsilon_255"], "robust accuracy": r["accuracy"],
             "attack at this ε alone": r.get("accuracy_this_epsilon", r["accuracy"]), "images": r["n"]}
            for spec, result in results.items() for r in result["curve"]]
    return pd.DataFrame(rows)


def checks_ui(results: dict) -> None:
    st.subheader("Can these numbers be trusted?")
    st.caption("Carlini et al. (2019): an evaluation is sound only if these hold.")
    icons = {"pass": "✅", "warn": "⚠️", "fail": "❌", "skip": "➖"}
    for spec, result in results.items():
        if "checks" not in result:
            continue
        with st.expander(f"{spec.title}: {result['verdict']}", expanded=False):
            for check in result["checks"]:
                st.markdown(f"{icons[check['status']]} **{check['name']}**: {check['detail']}")
            st.caption(f"On the first {result['checks_images']} test images.")


@st.fragment(run_every=2.0)
def job_ui(key: str) -> None:
    status = job_status(key)
    if status is None:
        return
    if status.running:
        eta = status.progress.get("eta_s")
        st.progress(status.fraction, text=f"Evaluating {status.progress.get('model', '…')}: "
                    f"{status.fraction:.0%}" + (f", about {eta:.0f} s left" if eta else ""))
        if st.button("Cancel evaluation", key="cancel_eval"):
            cancel_job(key)
    elif status.status == "failed":
        st.error(f"The evaluation failed: {status.message}")
        st.code(status.log_tail or "(no output)")
    elif status.status == "cancelled":
        st.warning("Evaluation cancelled.")
    elif status.status == "done" and st.session_state.get("eval_seen") != status.started_at:
        st.session_state["eval_seen"] = status.started_at
        st.rerun()


route_through_app()
st.title("Robustness curves")
selection, specs = require_models()
chosen = st.multiselect("Models", specs, default=specs, format_func=lambda s: s.title, key="curve_models")
epsilons, n, attack = settings_ui(selection.task)
data = f"synthetic {selection.task} test split"
results = {s: r for s in chosen
           if (r := load_results(s, data=data, n=n, epsilons=epsilons, attack=attack, root=selection.root))}
missing = [s for s in chosen if s not in results]
job_key = f"evaluate-{selection.zoo}-{selection.profile}-{selection.task}"
if missing:
    st.info(f"No saved curve for {', '.join(s.title for s in missing)} with these settings "
            f"({n} images, {attack.steps} steps).")
    if st.button("Run the evaluation in the background", type="primary", key="run_eval"):
        arguments = ["--task", selection.task, "--profile", selection.profile, "--root", str(selection.root),
                     "--n", str(n), "--steps", str(attack.steps), "--restarts", str(attack.restarts),
                     "--loss", attack.loss,
                     "--epsilons", *map(str, epsilons)]
        for spec in missing:
            arguments += ["--model", spec.model_id]
        try:
            start_job("evaluate", job_key, arguments)
        except JobError as error:
            show_error(error)
job_ui(job_key)
if results:
    st.plotly_chart(curves_figure(results), width="stretch", key="curves")
    st.caption("Solid: ResNet-50 family, dotted: InceptionResNetV2 family; red: with soft attention. "
               "Dashed lines: clean accuracy. Clean-misclassified images count as failures, and an image "
               "fooled at a smaller ε counts as fooled at every larger ε (its adversarial example is "
               "inside the larger ball too); the table also gives the attack run at each ε alone.")
    frame = table(results)
    st.dataframe(frame, hide_index=True, width="stretch")
    st.download_button("Download the table (CSV)", frame.to_csv(index=False), file_name="robustness.csv",
                       mime="text/csv", key="curves_csv")
    checks_ui(results)
