"""The curves page's natural-corruption section: accuracy against severity under each
corruption of the task, one panel per corruption, the twins paired on the same corrupted
images; a missing run is one button (python -m core.evaluate corruptions)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.corruptions import CORRUPTIONS
from core.evaluate import latest_corruptions
from core.figures import corruption_figure
from core.jobs import start_job
from app_pages.common import evaluation_arguments, missing_run_ui, results_root

def twin_table(results: dict) -> pd.DataFrame | None:
    """Attentive minus vanilla at each corruption's middle severity (3), with interval and p."""
    rows = []
    for spec, result in results.items():
        for name, tests in result.get("twin_test", {}).items():
            middle = next(t for t in tests if t["severity"] == 3)
            rows.append({"family": spec.title, "corruption": CORRUPTIONS[name].title if name in CORRUPTIONS else name,
                         "difference at severity 3 (points)": middle["difference"] * 100,
                         "95 % CI": f"{middle['low'] * 100:+.1f} to {middle['high'] * 100:+.1f}",
                         "McNemar p": middle["p_value"],
                         "Holm p (over severities)": middle.get("p_holm", float("nan"))})
    return pd.DataFrame(rows) if rows else None


def _settings(selection, data: str, n: int):
    """The run the button starts: every corruption of the task at its five severities."""
    from core.corruptions import corruptions_for
    from core.runs.corruptions import CorruptionSettings

    return CorruptionSettings(data=data, n=n, corruptions=tuple(corruptions_for(selection.task)))


def corruptions_ui(selection, specs, *, data: str, n: int, job_ui) -> None:
    st.subheader("Natural corruptions: noise, blur, exposure and the modality's own artefacts")
    roots = [r for r in (results_root(selection), selection.root) if r is not None]
    found = {spec: r for spec in specs if (r := latest_corruptions(spec, data=data, n=n, roots=roots))}
    missing = [s for s in specs if s not in found]
    job_key = f"corruptions-{selection.zoo}-{selection.profile}-{selection.task}"
    if missing:
        missing_run_ui(f"No corruption run for {', '.join(s.title for s in missing)} on these {n} images.",
                       "Evaluate under every corruption of the task", key="run_corruptions", job_key=job_key,
                       start=start_job, arguments=evaluation_arguments(selection, missing, _settings(selection, data, n)))
    job_ui(job_key)
    if not found:
        return
    st.plotly_chart(corruption_figure(found), width="stretch", key="corruption_curves")
    st.caption("Accuracy re-weighted to the real class mix at severities 0 (clean) to 5, shaded: its 95 % "
               "interval; every model sees the same corrupted images (one seed).")
    table = twin_table(found)
    if table is not None:
        st.dataframe(table, hide_index=True, width="stretch",
                     column_config={"difference at severity 3 (points)": st.column_config.NumberColumn(format="%+.1f"),
                                    "McNemar p": st.column_config.NumberColumn(format="%.3g")})
        st.caption("Attentive minus vanilla on the same corrupted images, weighted to the real class mix: MOVER "
                   "interval and stratified exact McNemar test (as for the attacks).")
