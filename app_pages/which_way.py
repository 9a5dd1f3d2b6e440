"""The curves page's "which way" section: on the binary tasks, sensitivity and specificity at
each model's fixed operating point under attack and under each corruption (a finding hidden is
not the same harm as one invented); on derm, the confusion matrix under attack (which class
does melanoma become?)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.corruptions import CORRUPTIONS
from core.evaluate import latest_corruptions
from core.figures import operating_point_figure
from core.operating_point import card_threshold, under_corruption
from core.report.which_way_sections import confusion_blocks, operating_point_blocks
from core.tasks import get_task
from app_pages.blocks import blocks_ui
from app_pages.common import results_root
from app_pages.words import HELP

MIDDLE_SEVERITY = 3


def _thresholds(selection, specs) -> dict:
    from core.models.zoo import CheckpointError, checkpoint_path, read_card

    found = {}
    for spec in specs:
        try:
            found[spec] = card_threshold(read_card(checkpoint_path(spec, root=selection.root)))
        except CheckpointError as error:
            found[spec] = (0.5, f"0.5: the card cannot be read ({error})")
    return found


def _attack_ui(results: dict, thresholds: dict, epsilons) -> None:
    attacked = [e for e in epsilons if e > 0]
    epsilon = st.select_slider("ε for the sentences", attacked, value=attacked[len(attacked) // 2],
                               format_func=lambda e: f"{e:g}", key="which_way_epsilon",
                               help=HELP["read_at"]) if attacked else None
    blocks_ui(operating_point_blocks(results, thresholds, epsilon), key="which_way_attack")  # the report's section


def _corruption_ui(selection, specs, thresholds: dict, *, data: str, n: int) -> None:
    roots = [r for r in (results_root(selection), selection.root) if r is not None]
    rows = {}
    for spec in specs:
        result = latest_corruptions(spec, data=data, n=n, roots=roots)
        if result is None:
            continue
        try:
            rows[spec] = under_corruption(result, thresholds[spec][0])
        except ValueError as error:
            st.info(f"{spec.title}: {error}")
    if not rows:
        return
    names = sorted({name for by_name in rows.values() for name in by_name})
    name = st.selectbox("Corruption", names, format_func=lambda k: CORRUPTIONS[k].title if k in CORRUPTIONS else k,
                        key="which_way_corruption", help=HELP["corruption"])
    st.plotly_chart(operating_point_figure({s: r[name] for s, r in rows.items() if name in r}, x="severity"),
                    width="stretch", key="which_way_corruption_chart")
    st.caption("Sensitivity (left) and specificity (right) at each model's clean operating point, against the "
               "corruption's severity, with Wilson 95 % bands.")
    table = []
    for spec, by_name in rows.items():
        for key, severities in by_name.items():
            row = next(r for r in severities if r["severity"] == MIDDLE_SEVERITY)
            table.append({"model": spec.title, "corruption": CORRUPTIONS[key].title if key in CORRUPTIONS else key,
                          "sensitivity": row["sensitivity"],
                          "sensitivity 95 % CI": f"{row['sensitivity_low']:.2f}–{row['sensitivity_high']:.2f}",
                          "specificity": row["specificity"],
                          "specificity 95 % CI": f"{row['specificity_low']:.2f}–{row['specificity_high']:.2f}"})
    st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch",
                 column_config={"sensitivity": st.column_config.NumberColumn(format="%.3f"),
                                "specificity": st.column_config.NumberColumn(format="%.3f")})
    st.caption(f"At severity {MIDDLE_SEVERITY} of every corruption, at the same operating points.")


def _confusion_ui(results: dict, epsilons) -> None:
    attacked = [e for e in epsilons if e > 0]
    if not attacked or not results:
        return
    left, right = st.columns(2)
    spec = left.selectbox("Model", list(results), format_func=lambda s: s.title, key="confusion_model",
        help=HELP["confusion_model"])
    epsilon = right.select_slider("ε", attacked, value=attacked[len(attacked) // 2], format_func=lambda e: f"{e:g}",
                                  key="confusion_epsilon", help=HELP["read_at"])
    blocks_ui(confusion_blocks(spec, results[spec], epsilon), key="confusion")  # the report's section


def which_way_ui(selection, specs, results: dict, *, data: str, n: int, epsilons) -> None:
    """The section; `results` are the page's saved grid curves ({spec: result})."""
    st.subheader("Which way is the model fooled?")
    if not get_task(selection.task).is_binary:
        _confusion_ui(results, epsilons)
        return
    thresholds = _thresholds(selection, specs)
    if results:
        _attack_ui(results, thresholds, epsilons)
    _corruption_ui(selection, specs, thresholds, data=data, n=n)
