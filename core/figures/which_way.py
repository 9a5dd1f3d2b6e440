"""Which way a model is fooled: sensitivity and specificity at the operating point against ε
(binary tasks), and the confusion matrix under attack (multi-class)."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.figures.style import ATTENTION_DASH, PERCENT_AXIS, epsilon_axis, pair_colour, short_title

MEASURES = (("sensitivity", "Sensitivity: the finding hidden as it falls"),
            ("specificity", "Specificity: the finding invented as it falls"))


def operating_point_figure(rows_by_spec: dict, *, x: str = "epsilon") -> go.Figure:
    """Two panels, sensitivity and specificity at each model's fixed operating point against
    `x` ("epsilon" or "severity"), each with its 95 % Wilson band. rows_by_spec: {spec: rows of
    core.operating_point.under_attack / under_corruption}."""
    figure = make_subplots(rows=1, cols=2, shared_yaxes=True, subplot_titles=[title for _, title in MEASURES])
    if x == "epsilon":  # a wide grid on a log axis, as the curves (core.figures.style.epsilon_axis)
        position, axis = epsilon_axis([r[x] for rows in rows_by_spec.values() for r in rows],
                                      "ε (L∞, [0, 1] pixel scale)")
    else:
        position, axis = (lambda value: value), dict(title="severity", dtick=1)
    for col, (measure, _) in enumerate(MEASURES, start=1):
        for spec, rows in rows_by_spec.items():
            xs = [position(r[x]) for r in rows]
            figure.add_trace(go.Scatter(x=xs + xs[::-1], y=[r[f"{measure}_high"] for r in rows]
                                        + [r[f"{measure}_low"] for r in rows][::-1], fill="toself", mode="lines",
                                        fillcolor=pair_colour(spec, 0.12), line=dict(width=0), hoverinfo="skip",
                                        showlegend=False), row=1, col=col)
            figure.add_trace(go.Scatter(x=xs, y=[r[measure] for r in rows], mode="lines+markers", name=short_title(spec),
                                        legendgroup=spec.model_id, showlegend=col == 1,
                                        line=dict(color=pair_colour(spec), dash=ATTENTION_DASH[spec.attention]),
                                        customdata=[r[x] for r in rows],
                                        hovertemplate=f"{spec.title}<br>{x} %{{customdata:g}}<br>{measure} %{{y:.3f}}"
                                                      "<extra></extra>"), row=1, col=col)
    figure.update_yaxes(**PERCENT_AXIS)
    figure.update_xaxes(**axis)
    figure.update_layout(height=380, margin=dict(l=10, r=10, t=40, b=10),
                         legend=dict(orientation="h", yanchor="top", y=-0.2, x=0))
    return figure


def confusion_figure(confusion: dict, title: str = "") -> go.Figure:
    """The confusion matrix under attack (core.evaluate.confusion_under_attack): each true
    class's row as shares, the counts written in the cells."""
    classes = confusion["classes"]
    counts = confusion["counts"]
    figure = go.Figure(go.Heatmap(
        z=confusion["shares"], x=classes, y=classes, zmin=0, zmax=1, colorscale="Reds",
        text=[[str(c) for c in row] for row in counts], texttemplate="%{text}",
        colorbar=dict(title="share of the row", tickformat=".0%"),
        hovertemplate="true %{y} → read as %{x}: %{text} images (%{z:.0%} of the row)<extra></extra>"))
    figure.update_layout(title=title or None, height=420, margin=dict(l=10, r=10, t=40 if title else 10, b=10),
                         xaxis=dict(title="class under attack", side="bottom"),
                         yaxis=dict(title="true class", autorange="reversed"))
    return figure
