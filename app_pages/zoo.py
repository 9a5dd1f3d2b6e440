"""Model zoo: every checkpoint with its card."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.evaluate import newest_whole_grid, saved_results
from core.formatting import epsilon_255
from core.models.spec import USER_PROFILE
from core.models.zoo import available, checkpoint_path, delete_checkpoint, read_card, scan
from core.train import defence_summary
from core.figures import history_figure
from app_pages.table_formats import curve_columns
from app_pages.common import HISTORY_CAPTION, current_selection, plain, require_models, results_root
from app_pages.engine_client import incomplete_note
from app_pages.import_form import import_form_ui, import_status_ui, imported_card_ui


def card_ui(spec, card: dict, twin_parameters: int | None, root, user_results=None) -> None:
    if "imported" in card:
        imported_card_ui(card, spec.task_info)
    metrics = card.get("metrics", {})
    columns = st.columns(4)
    columns[0].metric("Parameters", f"{card['parameters']:,}")
    if twin_parameters:  # an attentive model: what its soft-attention block adds to the vanilla twin
        added = card["parameters"] - twin_parameters
        columns[1].metric("Added by attention", f"{added:+,}", f"{added / twin_parameters:+.1%} parameters",
                          delta_color="off", help="Parameters the soft-attention block adds to the vanilla twin.")
    if "clean_accuracy" in metrics:
        weighting = metrics.get("weighting", "on the test sample")
        columns[2].metric("Clean test accuracy", f"{metrics['clean_accuracy']:.1%}",
                          help=f"{weighting}; {metrics.get('test_images', '?')} images of {card.get('data', '?')}")
    if "imported" not in card:
        columns[3].metric("Epochs", f"{card.get('epochs_trained', '?')} (best {card.get('best_epoch', '?')})")
    if "per_class" in metrics:
        clean_metrics_ui(metrics, spec.task_info)
    if spec.profile == "demo" and spec.defence == "none" and str(card.get("data", "")).startswith("synthetic"):
        from core.data.synthetic.calibration import TARGETS, band_text, standing

        st.caption(f"Demo target ({band_text(spec.task)}; {TARGETS[spec.task].basis}): "
                   f"{WORDS_FOR[standing(spec.task, metrics)]}.")
    if "imported" not in card:
        st.caption(f"Backbone init: {card.get('backbone_init', '?')} · created {card.get('created_at', '?')} · "
                   f"TensorFlow {card.get('versions', {}).get('tensorflow', '?')}")
    defence = defence_summary(card)
    if defence:
        st.caption(f"Adversarial training: {defence}")
    latest = newest_whole_grid(spec, saved_results(spec, root=root, results_root=user_results))
    if latest:
        frame = pd.DataFrame([{"ε": r["epsilon"], "ε × 255": epsilon_255(r["epsilon"]), "robust accuracy": r["accuracy"],
                               "95 % CI": f"{r['accuracy_low']:.3f}–{r['accuracy_high']:.3f}"}
                              for r in latest["curve"] if "accuracy_low" in r])
        st.markdown(f"Robust accuracy ({latest['n']} images, {latest.get('preset', 'custom')} protocol): "
                    f"{latest.get('verdict', '')}")
        if not frame.empty:
            st.dataframe(frame, hide_index=True, width="stretch", column_config=curve_columns(frame))
    if card.get("history"):
        st.plotly_chart(history_figure(card["history"]), width="stretch", key=f"zoo_history_{spec.model_id}")
        st.caption(HISTORY_CAPTION)
    if "imported" not in card:
        with st.expander("Training configuration"):
            st.json(card.get("config", {}), expanded=False)


WORDS_FOR = {"meets": "its 95 % interval meets the band, as the synthetic data was tuned for",
             "above": "above the band: the synthetic task is easier for it than the real one",
             "below": "below the band: the synthetic task is harder for it than the real one",
             "unknown": "not measured on its card"}


def clean_metrics_ui(metrics: dict, task) -> None:
    """Clean accuracy three ways (the real class mix, balanced, per class, each class by its
    short name in `task`) and the AUC."""
    auc = (f" · AUC {metrics['auc']:.3f} (95 % CI {metrics['auc_low']:.3f}–{metrics['auc_high']:.3f})"
           if "auc" in metrics else "")
    st.caption(f"Clean accuracy {metrics['weighting']}: {metrics['clean_accuracy']:.1%} (95 % CI "
               f"{metrics['clean_accuracy_low']:.1%}–{metrics['clean_accuracy_high']:.1%}) · balanced "
               f"{metrics['balanced_accuracy']:.1%}{auc}. The test sample is stratified by class; per class:")
    st.dataframe(pd.DataFrame([{"class": task.short_name(name), "recall": c["recall"],
                                "95 % CI": f"{c['low']:.2f}–{c['high']:.2f}", "images": c["n"]}
                               for name, c in metrics["per_class"].items()]),
                 hide_index=True, width="stretch", column_config={"recall": st.column_config.NumberColumn(format="%.3f")})


def delete_ui(spec, root) -> None:
    confirm = st.checkbox(f"I want to delete {spec.model_id} and its results", key=f"confirm_{spec.model_id}")
    if st.button("Delete", key=f"delete_{spec.model_id}", disabled=not confirm):
        deleted = delete_checkpoint(spec, root=root)
        st.toast(f"Deleted {len(deleted)} file(s) of {spec.model_id}")
        st.rerun()


def broken_ui(selection) -> None:
    """Checkpoints that cannot be used, each with the reason (and Delete for the user's own)."""
    for spec, path, problem in scan(selection.profile, root=selection.root):
        if problem is None or spec.task != selection.task:
            continue
        with st.container(border=True):
            st.error(f"{spec.title} ({plain(path.name)}) cannot be used: {plain(problem)}", icon=":material/report:")
            if selection.zoo == "user":
                delete_ui(spec, selection.root)


st.title("Model zoo")
selection = current_selection()
if selection.zoo == "user" and selection.profile == USER_PROFILE:
    import_form_ui(selection.task, [s for s in available(USER_PROFILE, root=selection.root) if s.task == selection.task])
    import_status_ui()
broken_ui(selection)
selection, specs = require_models(warn_broken=False)
cards = {spec: read_card(checkpoint_path(spec, root=selection.root)) for spec in specs}  # readable: available()
parameters = {spec.model_id: card["parameters"] for spec, card in cards.items()}
for spec, card in cards.items():
    status = "" if card.get("status", "done") == "done" else f" · incomplete run ({card['status']})"
    with st.expander(f"{spec.title} · {spec.model_id}{status}", expanded=True):
        if status:
            st.warning(incomplete_note(card), icon=":material/hourglass_empty:")
        card_ui(spec, card, parameters.get(spec.twin().model_id) if spec.attention else None, selection.root,
                results_root(selection))
        if selection.zoo == "user":
            delete_ui(spec, selection.root)
if selection.zoo == "bundled":
    st.caption("The bundled zoo is read-only here; retrain it with `python -m core.train --demo-zoo`.")
