"""The curves page's "architecture or seed?" section: attention's effect on robust accuracy per
training seed and its mean over seeds with a t-interval (core.evaluate.seeds), since one trained
pair per configuration cannot separate the architecture from training randomness."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.evaluate.seeds import STUDY_SEEDS, latest_seed_study, replica_specs, train_command, trained_replicas
from core.formatting import in_255
from core.jobs import start_job
from core.models.spec import USER_PROFILE
from core.report.seed_sections import seed_blocks
from app_pages.blocks import blocks_ui
from app_pages.common import evaluation_arguments, missing_run_ui, results_root


def _replicas_table(study: dict) -> pd.DataFrame:
    return pd.DataFrame([{"model": r["model_id"], "seed": r["seed"], "clean": r["clean"], "robust": r["robust"],
                          "median ε* (×1/255)": (in_255(r["median_epsilon_star"]["median"])
                                                 if "median_epsilon_star" in r else None),
                          "epochs": r["trained"].get("epochs_trained")} for r in study["replicas"]])


def _job_key(selection) -> str:
    return f"seeds-{selection.zoo}-{selection.profile}-{selection.task}"


def _untrained_ui(selection, study: dict | None) -> None:
    """Say what the study lacks and how to get it: training replicas takes long, so the page
    shows the commands; where replicas are trained, one button evaluates them."""
    specs = replica_specs(selection.task, STUDY_SEEDS, profile=selection.profile)
    evaluated = {r["model_id"] for r in (study or {}).get("replicas", [])}
    done = set(trained_replicas(selection.task, STUDY_SEEDS, profile=selection.profile, root=selection.root))
    trained = [s for s in specs if s.model_id in evaluated or s in done]  # one still training is not
    commands = "\n".join(train_command(selection.task, seed, selection.profile) for seed in STUDY_SEEDS[1:])
    st.info("Each configuration here was trained once, so the twin tests above cover which test images were "
            "drawn, not which weights training happened to find. Train the other seeds' replicas (same data, "
            "recipe and split; about as long as the zoo's own training), then evaluate the study:")
    st.code(f"{commands}\npython -m core.evaluate seeds {' '.join(map(str, STUDY_SEEDS))} --task {selection.task} "
            f"--n {STUDY_IMAGES}", language="bash")
    if any(s.model_id not in evaluated for s in trained):
        missing_run_ui(f"{len(trained)} of {len(specs)} replicas are trained; the saved study lacks some of them.",
                       "Evaluate the seed study", key="run_seed_study",
                       job_key=_job_key(selection), start=start_job,
                       arguments=evaluation_arguments(selection, [], _settings(selection)))


STUDY_IMAGES = 200  # the study's test images (the curves page's default)


def _settings(selection):
    """The study the button runs: every study seed, the strong protocol, FMN's default steps."""
    from core.data.synthetic import split_description
    from core.evaluate.minimum_norm import FMN_STEPS, minimum_norm_key
    from core.runs.seeds import SeedSettings

    data = split_description(selection.task)
    return SeedSettings(data=data, n=STUDY_IMAGES, protocol="strong",
                        fmn_key=minimum_norm_key(data, STUDY_IMAGES, FMN_STEPS), seeds=tuple(STUDY_SEEDS))


def seed_study_ui(selection, *, job_ui) -> None:
    """The section: the saved study's forest plot and sentences, or how to make it."""
    st.subheader("Architecture or seed? Attention's effect across training seeds")
    if selection.profile == USER_PROFILE:
        st.caption("The seed study retrains this tool's own models from several seeds; it does not apply to "
                   "imported models, whose training this tool does not know.")
        return
    study = latest_seed_study(selection.task, profile=selection.profile, root=selection.root,
                              results_root=results_root(selection))
    if study is None or not study["families"] or study["missing"]:
        _untrained_ui(selection, study)
    job_ui(_job_key(selection))
    if study is None or not study["families"]:
        return
    blocks_ui(seed_blocks(study), key="seed_study")  # the report's section: forest plot, sentences, spread
    st.caption("Each family is compared where its seed-0 twins are half fooled (the median of their smallest "
               "adversarial ε), under the strong protocol. The replicas:")
    st.dataframe(_replicas_table(study), hide_index=True, width="stretch",
                 column_config={"clean": st.column_config.NumberColumn(format="%.3f"),
                                "robust": st.column_config.NumberColumn(format="%.3f"),
                                "median ε* (×1/255)": st.column_config.NumberColumn(format="%.2f")})
