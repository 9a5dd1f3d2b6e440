"""How the curves page compares models beyond the twins (not a page itself): the clean/robust
trade-off of every model, attention against adversarial training, and their interaction, at an
ε the slider picks; the blocks are the report's (core.report.sections.tradeoff_blocks)."""

from __future__ import annotations

import streamlit as st

from core.report.sections import tradeoff_blocks
from app_pages.blocks import blocks_ui
from app_pages.words import HELP


def tradeoff_ui(results: dict, epsilons, *, default: float | None = None) -> None:
    """Clean against robust accuracy at one epsilon, every model of the task on one chart, and
    attention against adversarial training per backbone at that epsilon (`default` first when it
    is on the grid: the defended models' training epsilon, where adversarial training is meant
    to work)."""
    st.subheader("What does robustness cost in clean accuracy?")
    attacked = [e for e in epsilons if e > 0]
    if not attacked:
        return
    value = default if default in attacked else attacked[len(attacked) // 2]
    epsilon = st.select_slider("ε for the trade-off and the comparisons below", attacked, value=value,
                               format_func=lambda e: f"{e:g}", key="tradeoff_epsilon", help=HELP["read_at"])
    blocks_ui(tradeoff_blocks(results, epsilon, trained_at=default), key="tradeoff")
