"""How the curves page compares models beyond the twins (not a page itself): the clean/robust
trade-off of every model, attention against adversarial training, and their interaction."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from core.evaluate import interaction_test, paired_test
from core.models.backbones import FAMILY_TITLES
from core.models.spec import DEFENCES
from core.figures import tradeoff_figure


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
                               format_func=lambda e: f"{e:g}", key="tradeoff_epsilon")
    st.plotly_chart(tradeoff_figure(results, epsilon), width="stretch", key="tradeoff")
    st.caption("Each model at its clean accuracy (x) and its robust accuracy at this ε (y), both with 95 % "
               "intervals. Red: soft attention; circle: standard training, square: PGD-AT, diamond: TRADES. "
               "Up is more robust, left costs clean accuracy."
               + (f" The defended models were trained at ε = {default:g}." if default else ""))
    return epsilon


def defences_ui(results: dict, epsilon: float | None = None) -> None:
    """Attention against adversarial training, and whether the two add up, per backbone, at
    `epsilon` (default: the largest evaluated)."""
    pairs = [(spec, defended) for spec in results for defended in results
             if defended.defence != "none" and spec.defence == "none" and spec.attention and not defended.attention
             and defended.backbone == spec.backbone]
    if not pairs:
        return
    st.subheader("Attention against adversarial training")

    def at_epsilon(rows: list[dict]) -> str:
        return next((row for row in rows if row["epsilon"] == epsilon), rows[-1])["sentence"]

    for attentive, defended in pairs:
        name = DEFENCES[defended.defence][1]
        lines = [at_epsilon(paired_test(results[attentive], results[defended], (attentive.title, defended.title)))]
        both = replace(defended, attention=True)
        if both in results:
            lines.append(at_epsilon(paired_test(results[both], results[defended], (both.title, defended.title))))
            vanilla = attentive.twin()
            if vanilla in results:
                lines.append(at_epsilon(interaction_test(results[vanilla], results[attentive], results[defended],
                                                         results[both], defence=name)))
        st.markdown(f"**{FAMILY_TITLES[attentive.backbone]}**")
        for line in lines:
            st.caption(line)
