"""Model zoo: every checkpoint with its card."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.evaluate import saved_results
from core.models.zoo import checkpoint_path, delete_checkpoint, read_card
from pages.common import history_figure, require_models, route_through_app, show_error


def card_ui(spec, card: dict, twin_parameters: int | None, root) -> None:
    metrics = card.get("metrics", {})
    columns = st.columns(4)
    columns[0].metric("Parameters", f"{card['parameters']:,}")
    if twin_parameters:
        overhead = (card["parameters"] - twin_parameters) / twin_parameters
        columns[1].metric("vs its twin", f"{overhead:+.2%}")
    if "clean_accuracy" in metrics:
        columns[2].metric("Clean test accuracy", f"{metrics['clean_accuracy']:.1%}",
                          help=f"{metrics.get('test_images', '?')} images of {card.get('data', '?')}")
    columns[3].metric("Epochs", f"{card.get('epochs_trained', '?')} (best {card.get('best_epoch', '?')})")
    st.caption(f"Backbone init: {card.get('backbone_init', '?')} · created {card.get('created_at', '?')} · "
               f"TensorFlow {card.get('versions', {}).get('tensorflow', '?')}")
    results = saved_results(spec, root=root)
    if results:
        latest = results[0]
        frame = pd.DataFrame(latest["curve"])[["epsilon", "epsilon_255", "accuracy"]]
        st.markdown(f"Robust accuracy ({latest['n']} images, {latest['attack']['steps']}-step PGD): "
                    f"{latest.get('verdict', '')}")
        st.dataframe(frame.set_index("epsilon").T, width="stretch")
    if card.get("history"):
        st.plotly_chart(history_figure(card["history"]), width="stretch", key=f"zoo_history_{spec.model_id}")
    with st.expander("Training configuration"):
        st.json(card.get("config", {}), expanded=False)


def delete_ui(spec, root) -> None:
    confirm = st.checkbox(f"I want to delete {spec.model_id} and its results", key=f"confirm_{spec.model_id}")
    if st.button("Delete", key=f"delete_{spec.model_id}", disabled=not confirm):
        deleted = delete_checkpoint(spec, root=root)
        st.toast(f"Deleted {len(deleted)} file(s) of {spec.model_id}")
        st.rerun()


route_through_app()
st.title("Model zoo")
selection, specs = require_models()
cards = {}
for spec in specs:
    try:
        cards[spec] = read_card(checkpoint_path(spec, root=selection.root))
    except ValueError as error:
        show_error(error, what=spec.model_id)
parameters = {spec.model_id: card["parameters"] for spec, card in cards.items()}
for spec, card in cards.items():
    with st.expander(f"{spec.title} · {spec.model_id}", expanded=True):
        card_ui(spec, card, parameters.get(spec.twin().model_id) if spec.attention else None, selection.root)
        if selection.zoo == "user":
            delete_ui(spec, selection.root)
if selection.zoo == "bundled":
    st.caption("The bundled zoo is read-only here; retrain it with `python -m core.train --demo-zoo`.")
