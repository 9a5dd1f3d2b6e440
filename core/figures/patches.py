"""Patch curves: the share of clean-correct images an adversarial patch fools, against its area."""

from __future__ import annotations

import plotly.graph_objects as go

from core.figures.style import ATTENTION_DASH, pair_colour, short_title


def patch_figure(results: dict) -> go.Figure:
    """One line per model: success rate (Wilson 95 % band) against the patch's share of the image."""
    figure = go.Figure()
    for spec, result in results.items():
        rows = [r for r in result["areas"] if r["area"] > 0]
        x = [r["area"] * 100 for r in rows]
        figure.add_trace(go.Scatter(x=x + x[::-1], y=[r["success_high"] for r in rows]
                                    + [r["success_low"] for r in rows][::-1], fill="toself", mode="lines",
                                    fillcolor=pair_colour(spec, 0.12), line=dict(width=0), hoverinfo="skip",
                                    showlegend=False))
        figure.add_trace(go.Scatter(x=x, y=[r["success_rate"] for r in rows], mode="lines+markers",
                                    name=short_title(spec),
                                    line=dict(color=pair_colour(spec), dash=ATTENTION_DASH[spec.attention])))
    figure.update_yaxes(range=[0, 1.02], tickformat=".0%", title="clean-correct images fooled")
    figure.update_xaxes(title="patch area (% of the image)", type="log", tickvals=[1, 2, 4, 8],
                        ticktext=["1 %", "2 %", "4 %", "8 %"])
    figure.update_layout(height=380, margin=dict(l=10, r=10, t=30, b=10),
                         legend=dict(orientation="h", yanchor="top", y=-0.18, x=0))
    return figure


def patch_twin_rows(results: dict) -> list[dict]:
    """Attentive minus vanilla accuracy under the patch, per area, with interval and p-values."""
    return [{"family": spec.title, "area": f"{t['area']:.0%}", "difference (points)": f"{t['difference'] * 100:+.1f}",
             "95 % CI": f"{t['low'] * 100:+.1f} to {t['high'] * 100:+.1f}", "McNemar p": float(f"{t['p_value']:.3g}"),
             "Holm p (over areas)": float(f"{t.get('p_holm', t['p_value']):.3g}")}
            for spec, result in results.items() for t in result.get("twin_test", []) if t["area"] > 0]
