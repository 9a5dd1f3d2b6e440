"""The curves page's whole-curve section: each image's smallest adversarial epsilon (L-inf Fast
Minimum Norm), the curve it gives at every epsilon, the median with its interval, the twins'
paired test, and the curve the product stands behind (grid protocol and eps* together)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.evaluate import combined_curve, load_minimum_norm, minimum_norm_key, stars_of
from core.encoding import text_to_labels
from core.evaluate.minimum_norm import FMN_STEPS
from core.jobs import start_job
from core.report.sections import minimum_norm_blocks
from app_pages.blocks import blocks_ui
from app_pages.common import evaluation_arguments, missing_run_ui, results_root


def _combined_table(found: dict, grid_results: dict) -> pd.DataFrame | None:
    rows = []
    for spec, result in found.items():
        grid = grid_results.get(spec)
        if grid is None or grid.get("n") != result["n"]:
            continue
        for row in combined_curve(grid, stars_of(result), text_to_labels(result["labels"]), spec.task_info):
            rows.append({"model": spec.title, "ε": row["epsilon"], "grid protocol": row["grid_accuracy"],
                         "both (stands behind)": row["accuracy"],
                         "95 % CI": f"{row['accuracy_low']:.3f} to {row['accuracy_high']:.3f}"})
    return pd.DataFrame(rows) if rows else None


def minimum_norm_ui(selection, specs, *, data: str, n: int, grid_results: dict, job_ui) -> None:
    """The section; `grid_results` are the page's saved grid curves ({spec: result}) for the
    combined curve; `job_ui(key)` follows a background job."""
    from core.runs.fmn import FmnSettings

    st.subheader("Whole curves: each image's smallest adversarial ε")
    key = minimum_norm_key(data, n, FMN_STEPS)
    found = {spec: r for spec in specs
             if (r := load_minimum_norm(spec, key, root=selection.root, results_root=results_root(selection)))}
    missing = [s for s in specs if s not in found]
    job_key = f"fmn-{selection.zoo}-{selection.profile}-{selection.task}"
    if missing:
        missing_run_ui(f"No smallest-ε run for {', '.join(s.title for s in missing)} on these {n} images. "
                       f"Fast Minimum Norm (Pintor et al. 2021, {FMN_STEPS} steps) finds it per image; one run "
                       "gives the robust accuracy at every ε.", "Find each image's smallest adversarial ε",
                       key="run_fmn", job_key=job_key, start=start_job,
                       arguments=evaluation_arguments(selection, missing, FmnSettings(data=data, n=n, steps=FMN_STEPS)))
    job_ui(job_key)
    if not found:
        return
    blocks_ui(minimum_norm_blocks(found), key="fmn")  # the report's section
    combined = _combined_table(found, grid_results)
    if combined is not None:
        st.markdown("**The curve the product stands behind**: robust at a grid ε only if the grid protocol did not "
                    "fool the image and its smallest adversarial ε is larger.")
        st.dataframe(combined, hide_index=True, width="stretch",
                     column_config={"ε": st.column_config.NumberColumn(format="%g"),
                                    "grid protocol": st.column_config.NumberColumn(format="%.3f"),
                                    "both (stands behind)": st.column_config.NumberColumn(format="%.3f")})
