"""The curves page's "why" section: the mechanism measures of each model (core.mechanism) over
the test images, twins side by side with a paired test and a sentence per measure, and the
loss surface around a test image; a missing run is one button (python -m core.evaluate
mechanism)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.figures import mechanism_figure, surface_figure
from core.formatting import epsilon_text
from core.jobs import start_job
from core.mechanism import MEASURES, latest_mechanism_key
from core.models.backbones import FAMILY_TITLES
from core.tasks import middle_epsilon
from app_pages.common import evaluation_arguments, missing_run_ui, results_root
from app_pages.words import HELP


def _twin_table(found: dict) -> pd.DataFrame | None:
    rows = []
    for spec, result in found.items():
        for name, test in result.get("twin_test", {}).items():
            rows.append({"family": spec.title, "measure": MEASURES[name][0], "attentive (median)": test["attentive"],
                         "vanilla (median)": test["vanilla"], "Wilcoxon p": test["p_value"],
                         "images": test["n"]})
    return pd.DataFrame(rows) if rows else None


def _agreement_ui(selection, found: dict, *, data: str, n: int) -> None:
    """Where the shown twins (`found`: their mechanism profiles) differ in robustness over the
    whole curve (their ε* test), which measure points the same way (core.mechanism.agreement;
    `python -m core.mechanism` over every task)."""
    from core.evaluate import load_minimum_norm, minimum_norm_key
    from core.evaluate.minimum_norm import FMN_STEPS
    from core.mechanism import separating_measures, twin_pairs

    key = minimum_norm_key(data, n, FMN_STEPS)
    stars = {spec: r for spec in found
             if (r := load_minimum_norm(spec, key, root=selection.root, results_root=results_root(selection)))}
    pairs = twin_pairs(selection.task, found, stars)
    if not pairs:
        return
    helped = {1: "harder", -1: "easier", 0: "neither harder nor easier (ε* test p ≥ 0.05)"}
    st.markdown("**Which measure follows robustness?** " + "; ".join(
        f"attention makes the {FAMILY_TITLES.get(p['family'], p['family'])} twin {helped[p['robustness']]} to fool"
        for p in pairs) + ".")
    for row in separating_measures(pairs):
        st.caption(row["sentence"])


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
    st.plotly_chart(mechanism_figure(found, MEASURES), width="stretch", key="mechanism_measures")
    st.caption(f"Per test image: the true-class logit margin clean and after 20 PGD steps at {epsilon_text(epsilon)} "
               "(larger: harder to fool), the input-gradient's L1 norm (the first-order loss gain per unit of L∞ "
               "budget), CURE's curvature along the gradient's sign (Moosavi-Dezfooli et al. 2019), CLEVER's local "
               "Lipschitz estimate and its ε bound (Weng et al. 2018, radius 2ε; ART's clever_u is the reference a "
               "test compares with), and the attention map's entropy (attentive models).")
    table = _twin_table(found)
    if table is not None:
        st.dataframe(table, hide_index=True, width="stretch",
                     column_config={"attentive (median)": st.column_config.NumberColumn(format="%.4g"),
                                    "vanilla (median)": st.column_config.NumberColumn(format="%.4g"),
                                    "Wilcoxon p": st.column_config.NumberColumn(format="%.3g")})
        for spec, result in found.items():
            for test in result.get("twin_test", {}).values():
                st.caption(f"**{spec.title}** vs its twin: {test['sentence']}")
    _agreement_ui(selection, found, data=data, n=n)
    image = st.select_slider("Loss surface around test image", list(range(len(next(iter(found.values()))["surfaces"]))),
                             key="mechanism_image", help=HELP["surface_image"])
    st.plotly_chart(surface_figure(found, image), width="stretch", key="mechanism_surface")
    st.caption("The cross-entropy along the adversarial direction (the sign of the loss gradient, solid) and a "
               "random sign direction (faint), from −ε to +ε around the image: a loss that climbs steeply along the "
               "first and stays flat along the second is the picture of a model easy to fool.")
