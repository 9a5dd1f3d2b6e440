"""Robustness curves, the clean/robust trade-off, the curve table and the training history:
plotly figures and pandas tables built from saved results (the pages and the report draw them)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from core.figures.style import ATTENTION_DASH, PERCENT_AXIS, SYMBOLS, epsilon_axis, pair_colour, short_title
from core.formatting import epsilon_255


def _clean_accuracy(result: dict, value: str) -> float | None:
    return next((r[value] for r in result["curve"] if r["epsilon"] == 0 and value in r), None)


def curves_figure(results: dict, paper: dict | None = None, *, value: str = "accuracy",
                  norm: str = "linf") -> go.Figure:
    """Accuracy (or AUC) vs epsilon per model with its interval as a band; each twin pair one
    colour, the attentive twin dashed (style.PAIR_COLOURS, ATTENTION_DASH); clean values in the
    short legend (no labels on the plot to overlap); `paper`'s curves faint and dotted beside.
    norm="l2": the x axis is the L2 radius (the strong-l2 protocol's curves). A wide grid is
    drawn on a logarithmic axis (epsilon_axis)."""
    figure = go.Figure()
    title = "ε (L∞, [0, 1] pixel scale)" if norm == "linf" else "L2 radius (a lesion-sized square's length of ε)"
    position, axis = epsilon_axis([r["epsilon"] for result in results.values() for r in result["curve"]], title)
    for spec, result in results.items():
        rows = [r for r in result["curve"] if value in r]
        if not rows:
            continue
        x = [position(r["epsilon"]) for r in rows]
        colour, dash = pair_colour(spec), ATTENTION_DASH[spec.attention]
        low, high = f"{value}_low", f"{value}_high"
        figure.add_trace(go.Scatter(x=x + x[::-1], y=[r[high] for r in rows] + [r[low] for r in rows][::-1],
                                    mode="lines", fill="toself", fillcolor=pair_colour(spec, 0.12), line=dict(width=0),
                                    hoverinfo="skip", showlegend=False))
        clean = _clean_accuracy(result, value)
        name = f"{short_title(spec)} (clean {clean:.2f})" if clean is not None else short_title(spec)
        figure.add_trace(go.Scatter(x=x, y=[r[value] for r in rows], mode="lines+markers", name=name,
                                    line=dict(color=colour, dash=dash),
                                    customdata=[[r["epsilon"], epsilon_255(r["epsilon"]) if norm == "linf" else "L2",
                                                 r[low], r[high]] for r in rows],
                                    hovertemplate=("ε %{customdata[0]:g} (%{customdata[1]})" if norm == "linf"
                                                   else "radius %{customdata[0]:.3g}") + "<br>%{y:.3f} "
                                                  "[%{customdata[2]:.3f}, %{customdata[3]:.3f}]<extra></extra>"))
        if paper and spec in paper:
            prows = [r for r in paper[spec]["curve"] if value in r]
            figure.add_trace(go.Scatter(x=[position(r["epsilon"]) for r in prows], y=[r[value] for r in prows],
                                        mode="lines", name=f"{short_title(spec)}, paper's PGD", opacity=0.55,
                                        line=dict(color=colour, dash="dot", width=1.5)))
    figure.update_layout(xaxis=axis, yaxis=dict(title="robust accuracy" if value == "accuracy" else "AUC under attack",
                                                **PERCENT_AXIS),
                         height=440, margin=dict(l=10, r=10, t=20, b=10),
                         legend=dict(orientation="h", yanchor="top", y=-0.22, x=0))
    return figure


def tradeoff_figure(results: dict, epsilon: float) -> go.Figure:
    """Clean accuracy (x) against robust accuracy at `epsilon` (y), one point per model with
    both 95 % intervals as error bars: the paper's claim (attention costs no clean accuracy,
    adversarial training does) read off directly. Each twin pair in its colour (as the curves),
    the attentive twin's marker open, the training defence as the marker's shape."""
    figure = go.Figure()
    for spec, result in results.items():
        clean = result["curve"][0]
        robust = next((r for r in result["curve"] if abs(r["epsilon"] - epsilon) < 1e-12), None)
        if robust is None or clean["epsilon"] != 0:
            continue
        figure.add_trace(go.Scatter(
            x=[clean["accuracy"]], y=[robust["accuracy"]], mode="markers", name=short_title(spec),
            marker=dict(color=pair_colour(spec), size=12, line=dict(width=2, color=pair_colour(spec)),
                        symbol=SYMBOLS.get(spec.defence, "circle") + ("-open" if spec.attention else "")),
            error_x=dict(type="data", symmetric=False, array=[clean["accuracy_high"] - clean["accuracy"]],
                         arrayminus=[clean["accuracy"] - clean["accuracy_low"]]),
            error_y=dict(type="data", symmetric=False, array=[robust["accuracy_high"] - robust["accuracy"]],
                         arrayminus=[robust["accuracy"] - robust["accuracy_low"]]),
            hovertemplate=f"{spec.title}<br>clean %{{x:.3f}}<br>robust %{{y:.3f}}<extra></extra>"))
    figure.update_layout(xaxis=dict(title="clean accuracy", **PERCENT_AXIS),
                         yaxis=dict(title=f"robust accuracy at ε = {epsilon:g} ({epsilon_255(epsilon)})",
                                    **PERCENT_AXIS),
                         height=420, margin=dict(l=10, r=10, t=20, b=10),
                         legend=dict(orientation="h", yanchor="top", y=-0.18, x=0))
    return figure


def curves_table(results: dict) -> pd.DataFrame:
    """One row per model and epsilon: accuracy with its interval (at the real class mix where
    the result says so), balanced, per class, raw and AUC where known."""
    rows = []
    for spec, result in results.items():
        for r in result["curve"]:
            row = {"model": spec.title, "ε": r["epsilon"], "ε × 255": epsilon_255(r["epsilon"]),
                   "robust accuracy": r["accuracy"],
                   "95 % CI": f"{r['accuracy_low']:.3f}–{r['accuracy_high']:.3f}", "images": r["n"]}
            if "balanced_accuracy" in r:
                row["balanced"] = r["balanced_accuracy"]
                row.update({f"recall {spec.task_info.short_name(name)}": c["recall"]
                            for name, c in r["per_class"].items()})
            if "accuracy_this_epsilon" in r:
                row["attack at this ε alone"] = r["accuracy_this_epsilon"]
            if "auc" in r:
                row["AUC"] = r["auc"]
                row["AUC 95 % CI"] = f"{r['auc_low']:.3f}–{r['auc_high']:.3f}"
            rows.append(row)
    return pd.DataFrame(rows)


ESTIMATES = ("robust accuracy", "balanced", "attack at this ε alone", "AUC")  # and every "recall <class>"


def curve_formats(frame: pd.DataFrame) -> dict:
    """How curves_table's number columns read: ε as given (0.00125, 0.01: a setting, not an
    estimate) and every accuracy, recall and AUC at three decimals, the decimals of its
    interval, even when small (0.002, not 0.00196 beside an interval of 0.000-0.033)."""
    return {"ε": "{:g}", **{column: "{:.3f}" for column in frame.columns
                            if column in ESTIMATES or str(column).startswith("recall ")}}


def history_figure(history: dict) -> go.Figure:
    """Loss (left axis) and accuracy (right axis) per epoch, validation dotted; a defended run's
    robust validation loss (what it kept its best epoch by) dashed."""
    figure = go.Figure()
    for key, dash in (("loss", "solid"), ("val_loss", "dot"), ("val_robust_loss", "dash"), ("accuracy", "solid"),
                      ("val_accuracy", "dot")):
        if key in history:
            figure.add_trace(go.Scatter(y=history[key], x=list(range(1, len(history[key]) + 1)), name=key,
                                        line=dict(dash=dash), yaxis="y2" if "accuracy" in key else "y"))
    figure.update_layout(height=260, margin=dict(l=10, r=10, t=10, b=10), xaxis_title="epoch",
                         yaxis=dict(title="loss"), legend=dict(orientation="h", yanchor="top", y=-0.25, x=0),
                         yaxis2=dict(title="accuracy", overlaying="y", side="right", **PERCENT_AXIS))
    return figure
