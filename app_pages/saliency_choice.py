"""What a saliency map explains, chosen on the explorer and the gallery: which class, and for
an imported model, which of its feature maps."""

from __future__ import annotations

import streamlit as st

from core.tasks import get_task
from app_pages.words import HELP


def layers_ui(refs: dict, method: str, *, page: str = "explorer") -> dict:
    """{model id: marker} of the imported models whose Grad-CAM-family map should read another
    of their feature maps than the one chosen at import; {} for a pixel-level method."""
    from core.explain import METHODS
    from app_pages.engine_client import saliency_layer_choices

    if not METHODS[method].uses_feature_layer:
        return {}
    chosen = {}
    for spec, ref in refs.items():
        options = saliency_layer_choices(ref.path, ref.digest)
        if len(options) < 2:
            continue
        names = {o["marker"]: o["layer"] for o in options}
        marker = st.selectbox(f"Feature map of {spec.title}", list(names), key=f"{page}_layer_{spec.model_id}",
                              format_func=lambda m: names[m] + (" (chosen at import)" if m == options[0]["marker"]
                                                                else f" ({m.rsplit('_', 1)[-1]})"),
                              help=HELP["layer"])
        if marker != options[0]["marker"]:
            chosen[spec.model_id] = marker
    return chosen


EXPLAIN_CHOICES = {"predicted": "each image's predicted class", "true": "the true class"}


def explain_ui(task: str, *, page: str = "explorer") -> str:
    """Which class the heatmaps explain: "predicted", "true" or a class key of the task."""
    info = get_task(task)
    return st.selectbox("Heatmaps explain", [*EXPLAIN_CHOICES, *info.classes], key=f"{page}_explain_{task}",
                        format_func=lambda c: EXPLAIN_CHOICES.get(c, f"the class {info.short_name(c)}"),
                        help=HELP["explain"])


def explained_class(choice: str, label: int | None, task) -> int | None:
    """The class index the maps explain (None: each image's predicted class); "true" needs a
    known true class, and falls back to the predicted one without it."""
    if choice == "predicted" or (choice == "true" and label is None):
        return None
    return int(label) if choice == "true" else task.classes.index(choice)
