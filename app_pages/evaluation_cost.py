"""What an evaluation of imported models will cost, said before it starts (the curves page's
L-inf and L2 sections)."""

from __future__ import annotations

import streamlit as st

SLOW_EVALUATION_S = 120  # an evaluation priced above this is announced before it starts


def cost_ui(selection, missing, preset, epsilons, n) -> None:
    """What an evaluation of imported models will cost, before it starts, at the pass time
    measured on this machine when each was imported; the quick answer offered beside it."""
    from core.evaluate.presets import evaluation_cost
    from core.formatting import duration_text
    from core.models.zoo import checkpoint_path, read_card

    for spec in (s for s in missing if s.is_imported):
        seconds_per_pass = read_card(checkpoint_path(spec, root=selection.root))["imported"].get("pass_seconds")
        if not seconds_per_pass:
            continue
        passes, seconds = evaluation_cost(preset, spec.task_info.num_classes, n=n, epsilons=epsilons,
                                          pass_seconds=seconds_per_pass)
        if seconds > SLOW_EVALUATION_S:
            st.warning(f"{spec.title}: up to {passes:,.0f} forward+backward passes ({n} images × "
                       f"{sum(e > 0 for e in epsilons)} ε × {preset.passes(spec.task_info.num_classes):.0f}), about "
                       f"{duration_text(seconds)} at the {seconds_per_pass * 1000:.0f} ms per image measured here "
                       "when it was imported. The quick answer: the smallest-ε (FMN) curve further down, on fewer "
                       "images.", icon=":material/schedule:")
