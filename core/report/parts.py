"""The report's building blocks: a figure, a table, a paragraph, as escaped HTML."""

from __future__ import annotations

import html

import pandas as pd

FIGURE_CONFIG = {"displaylogo": False, "responsive": True}


def figure_html(figure) -> str:
    """A plotly figure as a div and its script, relying on the plotly.js inlined in the head."""
    return '<div class="figure">' + figure.to_html(full_html=False, include_plotlyjs=False,
                                                   config=FIGURE_CONFIG) + "</div>"


def table_html(frame: pd.DataFrame, float_format: str = "{:.3f}") -> str:
    """A table with its text escaped; a missing value (None or NaN) shows as a dash."""
    frame = frame.astype(object).where(frame.notna(), None).map(lambda v: "–" if v is None else v)
    return frame.to_html(index=False, escape=True, border=0, na_rep="–",
                         float_format=lambda v: float_format.format(v))


def paragraph(text: str, css: str = "") -> str:
    """`text`, escaped, as a paragraph of CSS class `css`."""
    return f'<p class="{css}">{html.escape(text)}</p>' if css else f"<p>{html.escape(text)}</p>"
