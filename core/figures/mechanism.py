"""The mechanism measures (core.mechanism): each measure's distribution per model, twins side by
side, and the loss along the adversarial and a random direction around one image."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.figures.style import ATTENTION_DASH, pair_colour, short_title

PANELS_PER_ROW = 3


def mechanism_figure(results: dict, measures: dict) -> go.Figure:
    """One panel per measure (measures: {name: (title, direction)}), a box per model of its
    per-image values (log scale where every value is positive); each twin pair in its colour, the
    attentive twin's box open, so that four boxes of two colours are still four models."""
    names = [n for n in measures if any(n in r["measures"] for r in results.values())]
    rows = -(-len(names) // PANELS_PER_ROW)
    figure = make_subplots(rows=rows, cols=PANELS_PER_ROW, subplot_titles=[measures[n][0] for n in names],
                           vertical_spacing=0.14)
    for index, name in enumerate(names):
        row, col = index // PANELS_PER_ROW + 1, index % PANELS_PER_ROW + 1
        positive = True
        for spec, result in results.items():
            values = result["measures"].get(name)
            if not values:
                continue
            positive &= min(values) > 0
            colour = pair_colour(spec)  # twins share a colour; the attentive twin's box is open (as the trade-off)
            figure.add_trace(go.Box(y=values, name=short_title(spec), marker_color=colour, line=dict(color=colour),
                                    fillcolor="rgba(0,0,0,0)" if spec.attention else pair_colour(spec, 0.45),
                                    legendgroup=spec.model_id, showlegend=index == 0, boxpoints="outliers"),
                             row=row, col=col)
        figure.update_yaxes(type="log" if positive else "linear", row=row, col=col)
    figure.update_xaxes(showticklabels=False)
    figure.update_layout(height=300 * rows, margin=dict(l=10, r=10, t=40, b=10),
                         legend=dict(orientation="h", yanchor="top", y=-0.04, x=0))
    return figure


def surface_figure(results: dict, image: int = 0) -> go.Figure:
    """The cross-entropy along the adversarial direction and a random one (faint) around test
    image `image`, per model, in units of epsilon; twins in their pair's colour, the attentive one
    dashed (as the curves)."""
    figure = go.Figure()
    for spec, result in results.items():
        if image >= len(result.get("surfaces", [])):
            continue
        surface = result["surfaces"][image]
        for direction, opacity in (("adversarial", 1.0), ("random", 0.4)):
            figure.add_trace(go.Scatter(x=surface["steps"], y=surface[direction], mode="lines+markers",
                                        name=f"{short_title(spec)}, {direction}", opacity=opacity,
                                        line=dict(color=pair_colour(spec), dash=ATTENTION_DASH[spec.attention])))
    figure.update_layout(xaxis_title="step along the direction (units of ε)", yaxis_title="cross-entropy",
                         yaxis_type="log", height=380, margin=dict(l=10, r=10, t=20, b=10),
                         legend=dict(orientation="h", yanchor="top", y=-0.2, x=0))
    return figure
