"""The curves page's section on the L2 threat: robust accuracy against the L2 radius under the
strong-l2 protocol, the twins paired at the middle radius, each model's checks, and whether
attention's effect keeps its sign across L∞, L2 and a patch (core.evaluate.threats)."""

from __future__ import annotations

import streamlit as st

from core.evaluate.threats import L2_IMAGES, load_l2
from core.jobs import start_job
from core.report.threat_sections import l2_blocks, l2_check_blocks, threat_blocks
from app_pages.blocks import blocks_ui
from app_pages.common import evaluation_arguments, missing_run_ui, results_root
from app_pages.evaluation_cost import cost_ui
from app_pages.patch_curves import saved_patches


def saved_l2(selection, specs, data: str) -> dict:
    """{spec: saved strong-l2 curve} on L2_IMAGES images of `data`."""
    where = dict(root=selection.root, results_root=results_root(selection))
    return {spec: r for spec in specs if (r := load_l2(spec, data=data, **where))}


def l2_ui(selection, specs, *, data: str, linf: dict, epsilons, job_ui) -> None:
    """The L2 curves of `specs`, and one sentence per twin pair across threats (`linf`: the
    page's strong L∞ results, {spec: result})."""
    st.subheader("Under the L2 threat: the same energy, anywhere in the image")
    found = saved_l2(selection, specs, data)
    missing = [s for s in specs if s not in found]
    job_key = f"l2-{selection.zoo}-{selection.profile}-{selection.task}"
    if missing:
        from core.attack_settings import l2_grid
        from core.evaluate import PRESETS

        from core.runs.grid import GridSettings

        # one job evaluates the models of one image size: its L2 radii follow the size (a model of
        # another size, an imported one, is offered again once these are done)
        size = max(s.input_size for s in missing)  # the costliest models first
        batch = [s for s in missing if s.input_size == size]
        grid = l2_grid(epsilons, size)
        cost_ui(selection, batch, PRESETS["strong-l2"], grid, L2_IMAGES)
        settings = GridSettings(data=data, n=L2_IMAGES, epsilons=tuple(grid), preset="strong-l2")
        missing_run_ui(f"No L2 curve for {', '.join(s.title for s in missing)} on {L2_IMAGES} images.",
                       "Evaluate under L2", key="run_l2", job_key=job_key, start=start_job,
                       arguments=evaluation_arguments(selection, batch, settings))
    job_ui(job_key)
    if not found:
        return
    blocks_ui(l2_blocks(found), key="l2")  # the report's section
    with st.expander("The checks under L2"):
        blocks_ui(l2_check_blocks(found), key="l2_checks")
    threats = threat_blocks(linf=linf, l2=found, patches=saved_patches(selection, specs, data), epsilons=epsilons,
                            seed_study=_seed_study(selection), n=_images_of(linf))
    if threats:
        st.markdown("**One effect across threats?**")
        blocks_ui(threats, key="threats")


def _images_of(linf: dict) -> int:
    """The L∞ curves' image count (the page's own choice), for the cross-threat note."""
    return next((result["n"] for result in linf.values()), 0)


def _seed_study(selection) -> dict | None:
    from core.evaluate.seeds import latest_seed_study

    return latest_seed_study(selection.task, profile=selection.profile, root=selection.root,
                             results_root=results_root(selection))
