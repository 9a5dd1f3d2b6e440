"""How the curves page compares models beyond the twins (not a page itself): the clean/robust
trade-off of every model, attention against adversarial training, and their interaction."""

from __future__ import annotations

import streamlit as st

from core.evaluate import defence_comparisons
from core.models.backbones import FAMILY_TITLES
from core.figures import tradeoff_figure
from app_pages.words import HELP


def tradeoff_ui(results: dict, epsilons, *, default: float | None = None) -> float | None:
    """Clean against robust accuracy at one epsilon, every model of the task on one chart;
    returns the epsilon chosen (`default` first when it is on the grid: the defended models'
    training epsilon, where adversarial training is meant to work), None without one."""
    st.subheader("What does robustness cost in clean accuracy?")
    attacked = [e for e in epsilons if e > 0]
    if not attacked:
        return None
    value = default if default in attacked else attacked[len(attacked) // 2]
    epsilon = st.select_slider("ε for the trade-off and the comparisons below", attacked, value=value,
                               format_func=lambda e: f"{e:g}", key="tradeoff_epsilon", help=HELP["read_at"])
    st.plotly_chart(tradeoff_figure(results, epsilon), width="stretch", key="tradeoff")
    st.caption("Each model at its clean accuracy (x) and its robust accuracy at this ε (y), both with 95 % "
               "intervals. Red: soft attention; circle: standard training, square: PGD-AT, diamond: TRADES. "
               "Up is more robust, left costs clean accuracy."
               + (f" The defended models were trained at ε = {default:g}." if default else ""))
    return epsilon


def defences_ui(results: dict, epsilon: float | None = None) -> None:
    """Attention against adversarial training, and whether the two add up, per backbone, at
    `epsilon` (default: the largest evaluated)."""
    comparisons = defence_comparisons(results, epsilon)
    if not comparisons:
        return
    st.subheader("Attention against adversarial training")
    for backbone, rows in comparisons.items():
        st.markdown(f"**{FAMILY_TITLES.get(backbone, backbone)}**")
        for row in rows:
            st.caption(row["sentence"])
