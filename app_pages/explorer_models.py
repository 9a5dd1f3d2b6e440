"""Which models the explorer puts side by side: up to four of the task's, or the user's imported
models beside the bundled ones."""

from __future__ import annotations

import streamlit as st

from app_pages.engine_client import explorer_default
from app_pages.words import HELP


def models_ui(task_name: str, specs: list, *, bundled: list = ()) -> list:
    """Up to four of the task's models side by side (default: the paper's four, undefended);
    with `bundled` (the bundled zoo's, beside the user's imported models), up to six, the
    user's models and the bundled four by default."""
    most = 6 if bundled else 4
    candidates = [*specs, *bundled]
    if len(candidates) <= most:
        return candidates
    default = [*specs, *explorer_default(list(bundled))][:most] if bundled else explorer_default(specs)
    chosen = st.multiselect(f"Models to compare (up to {'six' if bundled else 'four'})", candidates, default=default,
                            max_selections=most, format_func=lambda s: s.title + (" · bundled" if s in bundled else ""),
                            key=f"explorer_models_{task_name}{'_beside' if bundled else ''}", help=HELP["models"])
    return chosen or default


def beside_bundled_ui(selection) -> list:
    """The bundled zoo's models of the task, when the user asks to see their imported models
    beside them ("my model against the bundled four"); [] otherwise."""
    if selection.profile != "user":
        return []
    if not st.toggle("Beside the bundled models", key="explorer_beside_bundled", help=HELP["beside_bundled"]):
        return []
    from app_pages.common import Selection

    return Selection(selection.task, "bundled", "demo").specs()
