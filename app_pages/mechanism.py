"""The curves page's "why" section: the mechanism measures of each model (core.mechanism) over
the test images, twins side by side with a paired test and a sentence per measure, and the
loss surface around a test image; a missing run is one button (python -m core.evaluate
mechanism)."""

from __future__ import annotations

import streamlit as st

from core.figures import surface_figure
from core.formatting import epsilon_text
from core.jobs import start_job
from core.mechanism import latest_mechanism_key
from core.report.mechanism_sections import mechanism_blocks
from core.tasks import middle_epsilon
from app_pages.blocks import blocks_ui
from app_pages.common import evaluation_arguments, missing_run_ui, results_root
from app_pages.words import HELP


def _stars(selection, found: dict, *, data: str, n: int) -> dict:
    """The shown models' saved smallest-ε runs, which say which twin is harder to fool over the
    whole curve (core.mechanism.agreement)."""
    from core.evaluate import load_minimum_norm, minimum_norm_key
    from core.evaluate.minimum_norm import FMN_STEPS

    key = minimum_norm_key(data, n, FMN_STEPS)
    return {spec: r for spec in found
            if (r := load_minimum_norm(spec, key, root=selection.root, results_root=results_root(selection)))}


def mechanism_ui(selection, specs, *, data: str, n: int, epsilons, job_ui) -> None:
    """The section: saved profiles at the grid's middle ε, or the button that computes them."""
    from core.runs.mechanism import MechanismSettings
    from core.store import load as load_keyed

    st.subheader("Why is one twin harder to fool? Margins, gradients, curvature, Lipschitz")
    if not any(e > 0 for e in epsilons):
        return
    epsilon = middle_epsilon(epsilons)
    roots = [r for r in (results_root(selection), selection.root) if r is not None]
    key = latest_mechanism_key(specs, data=data, n=n, epsilon=epsilon, roots=roots)
    found = {spec: r for spec in specs
             if (r := load_keyed(spec, key, root=selection.root, results_root=results_root(selection)))}
    missing = [s for s in specs if s not in found]
    job_key = f"mechanism-{selection.zoo}-{selection.profile}-{selection.task}"
    if missing:
        missing_run_ui(f"No mechanism run for {', '.join(s.title for s in missing)} on these {n} images at "
                       f"{epsilon_text(epsilon)}.", "Measure why the models differ", key="run_mechanism",
                       job_key=job_key, start=start_job,
                       arguments=evaluation_arguments(selection, missing,
                                                      MechanismSettings(data=data, n=n, epsilon=epsilon)))
    job_ui(job_key)
    if not found:
        return
    blocks_ui(mechanism_blocks(found, task=selection.task, stars=_stars(selection, found, data=data, n=n)),
              key="mechanism")  # the report's section
    image = st.select_slider("Loss surface around test image", list(range(len(next(iter(found.values()))["surfaces"]))),
                             key="mechanism_image", help=HELP["surface_image"])
    st.plotly_chart(surface_figure(found, image), width="stretch", key="mechanism_surface")
    st.caption("The cross-entropy along the adversarial direction (the sign of the loss gradient, solid) and a "
               "random sign direction (faint), from −ε to +ε around the image: a loss that climbs steeply along the "
               "first and stays flat along the second is the picture of a model easy to fool.")
