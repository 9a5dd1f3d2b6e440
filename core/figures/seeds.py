"""The seed study (core.evaluate.seeds) as a forest plot: per backbone family, each training
seed's attentive-minus-vanilla difference in robust accuracy with its 95 % interval, and the
mean over seeds with its t-interval, in percentage points."""

from __future__ import annotations

import plotly.graph_objects as go

from core.formatting import epsilon_text
from core.stats import possible_difference

SEED_COLOUR, MEAN_COLOUR = "#7f7f7f", "#e45756"


def _row(label: str, estimate: dict, *, low: str, high: str, value: str, colour: str, symbol: str,
         name: str, show: bool) -> go.Scatter:
    centre = estimate[value] * 100
    return go.Scatter(x=[centre], y=[label], mode="markers", name=name, legendgroup=name, showlegend=show,
                      marker=dict(color=colour, symbol=symbol, size=12 if symbol == "diamond" else 9),
                      error_x=dict(type="data", symmetric=False, array=[estimate[high] * 100 - centre],
                                   arrayminus=[centre - estimate[low] * 100], color=colour))


def seed_figure(study: dict) -> go.Figure:
    """Rows from top: per family, its seeds, then "mean over k seeds"; x: attentive minus
    vanilla robust accuracy (points) at the family's study ε; a line at 0."""
    figure, labels = go.Figure(), []
    for index, family in enumerate(study["families"]):
        where = epsilon_text(family["epsilon"])
        for row in family["per_seed"]:
            label = f"{family['title']}, seed {row['seed']}"
            labels.append(label)
            figure.add_trace(_row(label, row["robust"], low="low", high="high", value="difference",
                                  colour=SEED_COLOUR, symbol="circle", name="one seed (95 % CI, McNemar pair)",
                                  show=index == 0 and row is family["per_seed"][0]))
        label = f"{family['title']}: mean over {family['robust']['k']} seeds ({where})"
        labels.append(label)
        figure.add_trace(_row(label, possible_difference(family["robust"]), low="low", high="high", value="mean",
                              colour=MEAN_COLOUR, symbol="diamond", name="mean over seeds (95 % t-interval)",
                              show=index == 0))
    figure.add_vline(x=0, line=dict(color="black", width=1))
    figure.update_yaxes(categoryorder="array", categoryarray=list(reversed(labels)))
    figure.update_layout(xaxis_title="attentive − vanilla robust accuracy (percentage points)",
                         height=120 + 36 * len(labels), margin=dict(l=10, r=10, t=20, b=10),
                         legend=dict(orientation="h", yanchor="top", y=-0.25, x=0))
    return figure
