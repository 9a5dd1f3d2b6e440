"""Robustness curves: accuracy vs epsilon as in the paper's Fig. 3/5/7, with intervals,
the paper's protocol beside a strong one, the twin test and the checks."""

from __future__ import annotations

import os

import streamlit as st

from core.data.synthetic import split_description
from core.evaluate import PRESETS, custom_pgd, load_results, shared_training_epsilon, twin_test
from core.models.zoo import defence_epsilon
from core.jobs import JobError, cancel_job, job_status, start_job
from core.report.sections import check_blocks
from core.report.twin_sections import paper_twin_tests, twin_blocks, twin_summary
from core.tasks import get_task
from app_pages.blocks import blocks_ui
from app_pages.common import (evaluation_arguments, plain, require_models, results_root, show_error,
                          step_rule_ui)
from core.figures import curves_figure, curves_table
from app_pages.table_formats import SCALE_NOTE, curve_columns
from app_pages.comparisons import tradeoff_ui
from app_pages.corruption_curves import corruptions_ui
from app_pages.patch_curves import patches_ui
from app_pages.l2_curves import l2_ui
from app_pages.evaluation_cost import cost_ui
from app_pages.mechanism import mechanism_ui
from app_pages.minimum_norm import minimum_norm_ui
from app_pages.report_section import report_ui
from app_pages.seeds import seed_study_ui
from app_pages.which_way import which_way_ui
from app_pages.guard import guarded
from app_pages.words import HELP

DEFAULT_N = 200  # test images of the bundled curves
PRESET_TITLES = {"strong": "Strong (AutoAttack protocol)", "paper": "The paper's PGD",
                 "paper-softmax": "The paper's PGD on the softmax", "custom": "Custom PGD"}
LOSS_CHOICES = {"cross-entropy (paper)": "ce", "logit margin (Carlini-Wagner)": "margin"}  # label -> loss


def protocol_ui(task: str):
    """Protocol, grid and image count; returns (epsilons, n, preset, compare with the paper's)."""
    grid = list(get_task(task).epsilons)
    name = st.segmented_control("Evaluation protocol", list(PRESET_TITLES), format_func=PRESET_TITLES.get,
                                default="strong", key="curve_preset", help=HELP["protocol"]) or "strong"
    if name == "custom":
        with st.container(border=True):
            steps = int(st.number_input("PGD steps", 1, 1000, 40, key="curve_steps", help=HELP["pgd_steps"]))
            rel_stepsize = step_rule_ui(steps, key="curve_step_rule")
            restarts = int(st.number_input("Restarts", 1, 20, 1, key="curve_restarts", help=HELP["restarts"]))
            loss = LOSS_CHOICES[st.radio("Loss", list(LOSS_CHOICES), horizontal=True, key="curve_loss",
                help=HELP["loss"])]
        preset = custom_pgd(steps=steps, rel_stepsize=rel_stepsize, restarts=restarts, loss=loss)
    else:
        preset = PRESETS[name]
        st.caption(preset.description + " Attacks: " + preset.title_for(get_task(task).num_classes) + ".")
    compare = name != "paper" and st.toggle("Show the paper's protocol on the same chart", False,
                                            key="curve_compare",
                                            help="The paper's 40-step PGD on the same images, faint and dotted: how "
                                                 "much a weaker attack overstates robustness.")
    with st.expander("Images and ε grid", expanded=False):
        text = st.text_input("ε grid ([0, 1] scale, comma-separated)", ", ".join(f"{e:g}" for e in grid),
                             key=f"grid_{task}", help=HELP["grid"])
        n = int(st.number_input("Test images", 10, 100_000, DEFAULT_N, step=50, key="curve_n",
            help=HELP["test_images"]))
    try:
        epsilons = sorted({float(value) for value in text.split(",") if value.strip()})
    except ValueError:
        st.error(f"The ε grid must be numbers separated by commas, got {text!r}")
        st.stop()
    if not epsilons or min(epsilons) < 0 or max(epsilons) > 1:
        st.error("Every ε must be in [0, 1].")
        st.stop()
    return epsilons, n, preset, compare


def models_ui(specs: list) -> list:
    """The chart's models: by default the task's four undefended models (the paper's question:
    each attentive model against its vanilla twin); the adversarially trained twins one toggle
    away, any model by hand."""
    undefended = [s for s in specs if s.defence == "none" and s.seed == 0]
    defended = [s for s in specs if s not in undefended]
    more = bool(defended) and st.toggle("Add the adversarially trained twins", False, key="curve_defended",
                                        help="The same backbones trained on attacked images (PGD-AT): the "
                                             "standard defence, for comparison.")
    default = undefended + (defended if more else []) or specs
    return st.multiselect("Models", specs, default=default, format_func=lambda s: s.title,
                          key=f"curve_models_{more}",
                          help="Each attentive model is compared with its vanilla twin; choose any of the task's models.")


def twin_tests(results: dict) -> dict:
    """{attentive spec: its twin test rows (core.evaluate.twin_test), or the ValueError saying
    why the twins cannot be paired} for every shown pair: computed once for the page (the exact
    stratified test can take seconds on derm), read by the sentences and the table."""
    tests = {}
    for spec, attentive in results.items():
        vanilla = results.get(spec.twin()) if spec.attention else None
        if vanilla is not None:
            try:
                tests[spec] = twin_test(attentive, vanilla)
            except ValueError as error:
                tests[spec] = error
    return tests


def twin_sentences_ui(tests: dict) -> None:
    """Under the chart: each shown twin pair's paired test in words, as the report writes it
    (core.report.twin_sections.twin_summary)."""
    for spec, rows in tests.items():
        summary = [] if isinstance(rows, ValueError) else twin_summary(rows)
        if summary:
            st.markdown(f"**{plain(spec.title)}** vs its twin: " + " ".join(summary))


def _job_arguments(selection, preset, epsilons, n, specs, data: str) -> tuple[list[str], dict]:
    """The evaluation job's flags (core.runs.grid's settings), and the preset itself, whole, as
    --preset-file (a custom or scaled protocol has no name the command line knows)."""
    from core.runs.grid import GridSettings

    ray = []
    if os.environ.get("ADVATTN_RAY_ADDRESS"):  # spread the shards over a Ray cluster
        ray = ["--ray", os.environ["ADVATTN_RAY_ADDRESS"], "--workers", os.environ.get("ADVATTN_RAY_WORKERS", "2")]
    settings = GridSettings(data=data, n=n, epsilons=tuple(epsilons),
                            preset=preset.name if preset.name in PRESETS else "custom")
    return evaluation_arguments(selection, specs, settings, *ray), {"--preset-file": preset.to_dict()}


@st.fragment(run_every=2.0)
@guarded
def job_ui(key: str) -> None:
    status = job_status(key)
    if status is None:
        return
    if status.running:
        progress = status.progress
        eta, rate = progress.get("eta_s"), progress.get("images_per_s")
        shards = (f", shard {progress['shards_done']}/{progress['shards_total']}"
                  if progress.get("shards_total") else "")
        st.progress(status.fraction, text=f"Evaluating {progress.get('model', '…')}: {status.fraction:.0%}{shards}"
                    + (f", {rate:.1f} images/s" if rate else "") + (f", about {eta:.0f} s left" if eta else ""))
        if st.button("Cancel evaluation", key="cancel_eval"):
            cancel_job(key)
            st.rerun()
    elif status.status == "failed":
        st.error(f"The evaluation failed: {status.message}")
        st.caption(f"The full log stays on the server (runs/{status.key}/log.txt); it is not shown here.")
    elif status.status == "cancelled":
        st.warning("Evaluation cancelled.")
    elif status.status == "done" and st.session_state.get("eval_seen") != status.started_at:
        st.session_state["eval_seen"] = status.started_at
        st.rerun(scope="app")


def twins_ui(tests: dict, paper: dict | None = None) -> None:
    """Attentive minus vanilla on the same images, per epsilon, for each family (`tests`:
    twin_tests), the report's own section; where the paper's protocol (`paper`, the same
    images) reaches another conclusion, one sentence says so."""
    st.subheader("Does soft attention make the model harder to fool?")
    for rows in tests.values():
        if isinstance(rows, ValueError):
            raise rows
    blocks_ui(twin_blocks(tests, paper_twin_tests(tests, paper)), key="twins")
    if not tests:
        st.caption("Evaluate both twins of a family with the same settings to compare them.")


def checks_ui(results: dict) -> None:
    st.subheader("Can these numbers be trusted?")
    st.caption("Carlini et al. (2019) and Croce & Hein (2020): an evaluation is sound only if these hold.")
    for spec, result in results.items():
        if "checks" in result:
            with st.expander(f"{spec.title}: {result['verdict']}", expanded=False):
                blocks_ui(check_blocks(result), key=f"checks_{spec.model_id}")  # the report's section


st.title("Robustness curves")
selection, specs = require_models()
chosen = models_ui(specs)
epsilons, n, preset, compare = protocol_ui(selection.task)
data = split_description(selection.task)  # as core.evaluate.evaluation_data names it


def _load(attack):
    found = {}
    for spec in chosen:
        result = load_results(spec, data=data, n=n, epsilons=epsilons, attack=attack, root=selection.root,
                              results_root=results_root(selection))
        if result:
            found[spec] = result
    return found


def _mix(task: str) -> str:
    info = get_task(task)
    return ", ".join(f"{name} {share:.1%}" for name, share in zip(info.short_names, info.priors))


results = _load(preset)
paper = _load(PRESETS["paper"]) if compare else {}
missing = [s for s in chosen if s not in results]
job_key = f"evaluate-{selection.zoo}-{selection.profile}-{selection.task}"
if missing:
    st.info(f"No saved curve for {', '.join(s.title for s in missing)} with these settings "
            f"({n} images, {preset.name} protocol).")
    cost_ui(selection, missing, preset, epsilons, n)
    if st.button("Run the evaluation in the background", type="primary", key="run_eval"):
        try:
            arguments, files = _job_arguments(selection, preset, epsilons, n, missing, data)
            start_job("evaluate", job_key, arguments, files=files)
        except JobError as error:
            show_error(error)
job_ui(job_key)
st.info(SCALE_NOTE, icon=":material/straighten:")
if results:
    st.plotly_chart(curves_figure(results, paper, value="accuracy"), width="stretch", key="curves")
    weighted = all("balanced_accuracy" in r["curve"][0] for r in results.values())
    weighting = (f"Accuracy re-weighted to the real class mix ({_mix(selection.task)}), the paper's unweighted "
                 "accuracy estimated from a class-stratified test sample; shaded: its 95 % interval (MOVER over "
                 "the per-class Wilson intervals). The table adds the balanced accuracy and each class's recall."
                 if weighted else "Shaded: 95 % Wilson interval.")
    st.caption(f"{weighting} One colour per twin pair; solid: vanilla, dashed: with soft attention; faint "
               "dotted: the paper's protocol. An image fooled at a smaller ε "
               "counts as fooled at every larger ε (its adversarial example lies inside the larger ball too); "
               "clean-misclassified images count as failures.")
    tests = twin_tests(results)
    twin_sentences_ui(tests)
    if get_task(selection.task).is_binary:
        st.plotly_chart(curves_figure(results, paper, value="auc"), width="stretch", key="auc_curves")
        st.caption("AUC of the positive-class probability under attack, with a seeded bootstrap interval.")
    frame = curves_table(results)
    st.dataframe(frame, hide_index=True, width="stretch", column_config=curve_columns(frame))
    st.download_button("Download the table (CSV)", frame.to_csv(index=False), file_name="robustness.csv",
                       mime="text/csv", key="curves_csv")
    twins_ui(tests, paper)
    trained_at = shared_training_epsilon(defence_epsilon(spec, root=selection.root) for spec in results
                                         if spec.defence != "none")
    # With no defended model shown, the task's defence ε (as the report reads it): the grid's middle
    # is past where fundus' undefended models are all fooled, an empty chart.
    tradeoff_ui(results, epsilons, default=trained_at or get_task(selection.task).defence_epsilon)
    checks_ui(results)
minimum_norm_ui(selection, chosen, data=data, n=n, grid_results=results, job_ui=job_ui)
corruptions_ui(selection, chosen, data=data, n=n, job_ui=job_ui)
patches_ui(selection, chosen, data=data, job_ui=job_ui)
l2_ui(selection, chosen, data=data, linf=results if preset.name == "strong" else _load(PRESETS["strong"]),
      epsilons=epsilons, job_ui=job_ui)
which_way_ui(selection, chosen, results, data=data, n=n, epsilons=epsilons)
mechanism_ui(selection, chosen, data=data, n=n, epsilons=epsilons, job_ui=job_ui)
seed_study_ui(selection, job_ui=job_ui)
report_ui(selection, n=n)
