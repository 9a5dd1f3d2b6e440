"""Corruption curves: accuracy against severity, one panel per corruption."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.figures.style import ATTENTION_DASH, pair_colour, short_title

PANELS_PER_ROW = 4


def corruption_figure(results: dict) -> go.Figure:
    """One panel per corruption: accuracy (re-weighted, with its band) against severity."""
    from core.corruptions.registry import CORRUPTIONS  # albumentations: only where a corruption is drawn

    names = sorted({name for r in results.values() for name in r["corruptions"]})
    rows = -(-len(names) // PANELS_PER_ROW)
    figure = make_subplots(rows=rows, cols=PANELS_PER_ROW, shared_yaxes=True, vertical_spacing=0.12,
                           subplot_titles=[CORRUPTIONS[n].title if n in CORRUPTIONS else n for n in names])
    for index, name in enumerate(names):
        row, col = index // PANELS_PER_ROW + 1, index % PANELS_PER_ROW + 1
        for spec, result in results.items():
            curve = result["corruptions"].get(name)
            if not curve:
                continue
            x = [r["severity"] for r in curve]
            figure.add_trace(go.Scatter(x=x + x[::-1], y=[r["accuracy_high"] for r in curve]
                                        + [r["accuracy_low"] for r in curve][::-1], fill="toself", mode="lines",
                                        fillcolor=pair_colour(spec, 0.12), line=dict(width=0), hoverinfo="skip",
                                        showlegend=False), row=row, col=col)
            figure.add_trace(go.Scatter(x=x, y=[r["accuracy"] for r in curve], mode="lines+markers", name=short_title(spec),
                                        legendgroup=spec.model_id, showlegend=index == 0,
                                        line=dict(color=pair_colour(spec), dash=ATTENTION_DASH[spec.attention])),
                             row=row, col=col)
    figure.update_yaxes(range=[0, 1.02], tickformat=".0%")
    figure.update_xaxes(dtick=1)
    figure.update_layout(height=260 * rows, margin=dict(l=10, r=10, t=40, b=10),
                         legend=dict(orientation="h", yanchor="top", y=-0.06, x=0))
    return figure
