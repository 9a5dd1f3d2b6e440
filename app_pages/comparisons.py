"""How the curves page compares models beyond the twins (not a page itself): the clean/robust
trade-off of every model, attention against adversarial training, and their interaction."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from core.evaluate import interaction_test, paired_test
from core.models.backbones import FAMILY_TITLES
from core.models.spec import DEFENCES
from core.figures import tradeoff_figure


def tradeoff_ui(results: dict, epsilons) -> None:
    """Clean against robust accuracy at one epsilon, every model of the task on one chart."""
    st.subheader("What does robustness cost in clean accuracy?")
    attacked = [e for e in epsilons if e > 0]
    if not attacked:
        return
    epsilon = st.select_slider("ε for the trade-off", attacked, value=attacked[len(attacked) // 2],
                               format_func=lambda e: f"{e:g}", key="tradeoff_epsilon")
    st.plotly_chart(tradeoff_figure(results, epsilon), width="stretch", key="tradeoff")
    st.caption("Each model at its clean accuracy (x) and its robust accuracy at this ε (y), both with 95 % "
               "intervals. Red: soft attention; circle: standard training, square: PGD-AT, diamond: TRADES. "
               "Up is more robust, left costs clean accuracy.")


def defences_ui(results: dict) -> None:
    """Attention against adversarial training, and whether the two add up, per backbone."""
    pairs = [(spec, defended) for spec in results for defended in results
             if defended.defence != "none" and spec.defence == "none" and spec.attention and not defended.attention
             and defended.backbone == spec.backbone]
    if not pairs:
        return
    st.subheader("Attention against adversarial training")
    for attentive, defended in pairs:
        name = DEFENCES[defended.defence][1]
        lines = [paired_test(results[attentive], results[defended], (attentive.title, defended.title))[-1]["sentence"]]
        both = replace(defended, attention=True)
        if both in results:
            lines.append(paired_test(results[both], results[defended], (both.title, defended.title))[-1]["sentence"])
            vanilla = attentive.twin()
            if vanilla in results:
                lines.append(interaction_test(results[vanilla], results[attentive], results[defended],
                                              results[both], defence=name)[-1]["sentence"])
        st.markdown(f"**{FAMILY_TITLES[attentive.backbone]}**, at the largest ε evaluated")
        for line in lines:
            st.caption(line)
