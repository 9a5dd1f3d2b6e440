"""The curves page's natural-corruption section: accuracy against severity under each
corruption of the task, one panel per corruption, the twins paired on the same corrupted
images; a missing run is one button (python -m core.evaluate corruptions)."""

from __future__ import annotations

import streamlit as st

from core.evaluate import latest_corruptions
from core.jobs import start_job
from core.report.sections import corruption_blocks
from app_pages.blocks import blocks_ui
from app_pages.common import evaluation_arguments, missing_run_ui, results_root


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
    blocks_ui(corruption_blocks(found), key="corruptions")  # the report's section
