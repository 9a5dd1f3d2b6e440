"""The curves page's section on adversarial patches: how often a visible patch fools each
model against its area, with intervals, and the twins paired per area (core.evaluate.patches)."""

from __future__ import annotations

import streamlit as st

from core.evaluate.patches import SHOWN_IMAGES, SHOWN_STEPS
from core.jobs import start_job
from core.report.threat_sections import patch_blocks, universal_blocks
from app_pages.blocks import blocks_ui
from app_pages.common import evaluation_arguments, missing_run_ui, results_root

PATCH_IMAGES, PATCH_STEPS = SHOWN_IMAGES, SHOWN_STEPS  # the settings the report reads too


def patch_settings(data: str):
    """The section's per-image patch run (core.runs.patches), which the report reads too."""
    from core.runs.patches import PatchSettings

    return PatchSettings(data=data, n=PATCH_IMAGES, steps=PATCH_STEPS)


def universal_settings(data: str):
    """The section's universal-patch run (core.runs.universal)."""
    from core.evaluate.universal import LEARNT_ON, SHOWN_IMAGES as UNIVERSAL_IMAGES, SHOWN_STEPS as UNIVERSAL_STEPS
    from core.runs.universal import UniversalSettings

    return UniversalSettings(data=data, n=UNIVERSAL_IMAGES, n_learn=LEARNT_ON, steps=UNIVERSAL_STEPS)


def _saved(selection, specs, settings) -> dict:
    """{spec: its saved run with `settings`}."""
    from core.runs.kind import kind_of

    kind = kind_of(settings)
    return {spec: r for spec in specs if (r := kind.load(spec, settings, root=selection.root,
                                                         results_root=results_root(selection)))}


def saved_patches(selection, specs, data: str) -> dict:
    """{spec: saved patch run} with the section's settings (core.runs.patches)."""
    return _saved(selection, specs, patch_settings(data))


def saved_universal(selection, specs, data: str) -> dict:
    """{spec: saved universal-patch run} with the section's settings (core.runs.universal)."""
    return _saved(selection, specs, universal_settings(data))


def offer_run_ui(selection, missing: list, *, settings, what: str, label: str, job_ui) -> None:
    """Name the models without a saved run with `settings` (a kind of run's, core.runs), offer the
    button that evaluates them (the job `<kind>-<zoo>-<profile>-<task>`), and show that job while
    it runs."""
    from core.runs.kind import kind_of

    kind = kind_of(settings).name
    job_key = f"{kind}-{selection.zoo}-{selection.profile}-{selection.task}"
    if missing:
        missing_run_ui(f"No {what} for {', '.join(s.title for s in missing)} on {settings.n} images.", label,
                       key=f"run_{kind}", job_key=job_key, start=start_job,
                       arguments=evaluation_arguments(selection, missing, settings))
    job_ui(job_key)


def universal_ui(selection, specs, *, data: str, job_ui) -> None:
    """One patch per model and area, learnt on validation images, on held-out test images."""
    st.markdown("**One universal patch: a sticker that fools images it has never seen**")
    found = saved_universal(selection, specs, data)
    offer_run_ui(selection, [s for s in specs if s not in found], settings=universal_settings(data),
                 what="universal-patch run", label="Learn universal patches", job_ui=job_ui)
    blocks_ui(universal_blocks(found), key="universal")  # the report's section


def patches_ui(selection, specs, *, data: str, job_ui) -> None:
    st.subheader("Adversarial patches: a visible square where an artefact would sit")
    found = saved_patches(selection, specs, data)
    offer_run_ui(selection, [s for s in specs if s not in found], settings=patch_settings(data),
                 what="patch run", label="Evaluate adversarial patches", job_ui=job_ui)
    blocks_ui(patch_blocks(found), key="patches")  # the report's section
    universal_ui(selection, specs, data=data, job_ui=job_ui)
