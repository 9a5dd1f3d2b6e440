"""The curves page's section on adversarial patches: how often a visible patch fools each
model against its area, with intervals, and the twins paired per area (core.evaluate.patches)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.evaluate.patches import SHOWN_IMAGES, SHOWN_STEPS
from core.figures import patch_figure, patch_twin_rows
from core.jobs import start_job
from app_pages.common import evaluation_arguments, missing_run_ui, results_root

PATCH_IMAGES, PATCH_STEPS = SHOWN_IMAGES, SHOWN_STEPS  # the settings the report reads too


def saved_patches(selection, specs, data: str) -> dict:
    """{spec: saved patch run} with the section's settings (core.runs.patches)."""
    from core.runs import RUN_KINDS

    kind = RUN_KINDS["patches"]
    settings = kind.settings(data=data, n=PATCH_IMAGES, steps=PATCH_STEPS)
    return {spec: r for spec in specs if (r := kind.load(spec, settings, root=selection.root,
                                                         results_root=results_root(selection)))}


def patches_ui(selection, specs, *, data: str, job_ui) -> None:
    st.subheader("Adversarial patches: a visible square where an artefact would sit")
    found = saved_patches(selection, specs, data)
    missing = [s for s in specs if s not in found]
    job_key = f"patches-{selection.zoo}-{selection.profile}-{selection.task}"
    if missing:
        missing_run_ui(f"No patch run for {', '.join(s.title for s in missing)} on {PATCH_IMAGES} images.",
                       "Evaluate adversarial patches", key="run_patches", job_key=job_key, start=start_job,
                       arguments=evaluation_arguments(selection, PATCH_IMAGES, missing, "--patches", "--patch-steps",
                                                      str(PATCH_STEPS)))
    job_ui(job_key)
    if not found:
        return
    st.plotly_chart(patch_figure(found), width="stretch", key="patch_curves")
    st.caption(f"The share of the clean-correct images a patch of 1, 2, 4 or 8 % of the image fools, with "
               f"Wilson 95 % bands; {PATCH_STEPS} steps at each of four places where the task's artefacts sit "
               "(Finlayson et al. 2019 patched these three tasks).")
    rows = patch_twin_rows(found)
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
                     column_config={"McNemar p": st.column_config.NumberColumn(format="%.3g"),
                                    "Holm p (over areas)": st.column_config.NumberColumn(format="%.3g")})
        st.caption("Attentive minus vanilla accuracy under the patch on the same images, weighted to the real "
                   "class mix; significant only where the Holm-adjusted p is below 0.05. The test counts the "
                   "images only one twin got right, class by class, so it can be sure of a difference that the "
                   "re-weighted interval still spans zero on, when those images fall in a class that weighs "
                   "little in the real mix.")
