"""How the attack explorer draws a result (not a page itself): the comparison grid, the
smallest flipping epsilon, the clean/adversarial slider and the downloads."""

from __future__ import annotations

import base64
import json

import cv2
import numpy as np
import plotly.graph_objects as go
import streamlit as st
import streamlit.components.v1 as components

from core.explain import METHODS, overlay
from core.explore.export import amplified, archive, png, report
from core.formatting import epsilon_255, in_255
from app_pages.common import ASSETS

_compare_slider = components.declare_component("compare_slider", path=str(ASSETS / "components" / "compare_slider"))


def grid_order(outcomes: dict) -> list:
    """Columns: each family's vanilla then attentive twin, ResNet-50 family first."""
    return sorted(outcomes.values(), key=lambda o: (o.spec.backbone != "resnet50", o.spec.attention))


def verdict_ui(outcome, classes) -> None:
    """Held or flipped, clean -> adversarial class with its confidence."""
    clean, adversarial = outcome.clean_class, outcome.adversarial_class
    before = f"{classes[clean]} {outcome.clean_probabilities[clean]:.0%}"
    after = f"{classes[adversarial]} {outcome.adversarial_probabilities[adversarial]:.0%}"
    if outcome.flipped:
        st.error(f"**Flipped** · {before} → {after}", icon=":material/bolt:")
    else:
        st.success(f"**Held** · {before} → {after}", icon=":material/shield:")


def _bars(outcome, classes) -> go.Figure:
    figure = go.Figure([go.Bar(name="clean", x=list(classes), y=outcome.clean_probabilities, marker_color="#4c78a8"),
                        go.Bar(name="adversarial", x=list(classes), y=outcome.adversarial_probabilities,
                               marker_color="#e45756")])
    figure.update_layout(barmode="group", height=150, margin=dict(l=0, r=0, t=0, b=0), showlegend=False,
                         yaxis=dict(range=[0, 1], tickformat=".0%", dtick=0.5), xaxis=dict(tickfont_size=9))
    return figure


def grid_tiles(result, method_title: str) -> list[tuple[str, list]]:
    """The grid's rows: (title, one tile per model in grid order, None where a vanilla model
    has no attention map). Every tile is an S x S x 3 image of the input's size."""
    eps = result.epsilon
    ordered = grid_order(result.outcomes)

    def attention(image, heatmap):
        return None if heatmap is None else overlay(image, heatmap)

    return [
        (f"Clean · {method_title}", [overlay(result.image, o.clean_cam) for o in ordered]),
        (f"Adversarial · {method_title}", [overlay(o.adversarial, o.adversarial_cam) for o in ordered]),
        ("Attention map · clean", [attention(result.image, o.clean_attention) for o in ordered]),
        ("Attention map · adversarial", [attention(o.adversarial, o.adversarial_attention) for o in ordered]),
        (f"Perturbation × {0.5 / max(eps, 1e-12):.0f} (mid-grey: unchanged; full scale ±{epsilon_255(eps)})",
         [amplified(o.perturbation, eps) for o in ordered]),
    ]


def grid_ui(result, classes, *, method_title: str) -> None:
    """One column per model, one row per kind of tile, every tile the same size."""
    ordered = grid_order(result.outcomes)
    for column, outcome in zip(st.columns(len(ordered)), ordered):
        with column:
            st.markdown(f"**{outcome.spec.title}**")
            verdict_ui(outcome, classes)
    blank = np.full(result.image.shape, 0.94, np.float32)
    for title, tiles in grid_tiles(result, method_title):
        st.caption(title)
        for column, tile in zip(st.columns(len(ordered)), tiles):
            column.image(blank if tile is None else tile, width="stretch")
            if tile is None:
                column.caption("No soft-attention block in this model.")
    st.caption("Probabilities, clean (blue) and adversarial (red)")
    for column, outcome in zip(st.columns(len(ordered)), ordered):
        column.plotly_chart(_bars(outcome, classes), width="stretch", key=f"bars_{outcome.spec.model_id}",
                            config={"displayModeBar": False})
    for column, outcome in zip(st.columns(len(ordered)), ordered):
        shift, seen = outcome.cam_shift, outcome.perceptibility
        psnr = "∞" if not np.isfinite(seen["psnr_db"]) else f"{seen['psnr_db']:.1f} dB"
        column.caption(f"L∞ {outcome.linf:.4f} ({epsilon_255(outcome.linf)}) · L2 {outcome.l2:.3f} · "
                       f"SSIM {seen['ssim']:.3f} · PSNR {psnr} · {method_title} moved: r {shift['pearson']:.2f}, "
                       f"top-20 % IoU {shift['top20_iou']:.2f}, centre {shift['centre_shift_px']:.1f} px"
                       + (f" · perturbation from {outcome.transferred_from}" if outcome.transferred_from else "")
                       + _distance(outcome.ood))
    if any(o.localisation for o in ordered):
        st.caption(f"Does the {method_title} map look at the finding? (ground truth of the synthetic image: "
                   "the map's peak inside the mask, and its share of the map's mass)")
        for column, outcome in zip(st.columns(len(ordered)), ordered):
            column.markdown(localisation_text(outcome.localisation))


PARTS = {"lesion": "finding", "shortcut": "shortcut"}


def localisation_text(scored: dict | None) -> str:
    """One line per ground-truth part: clean -> adversarial pointing and energy inside."""
    if not scored:
        return "No finding to point at."

    def one(score):
        if np.isnan(score["pointing_game"]):
            return "blank map"
        mark = "✅ on it" if score["pointing_game"] else "❌ off it"
        return f"{mark} ({score['energy_inside']:.0%} inside)"

    return "  \n".join(f"**{PARTS[part]}**: clean {one(s['clean'])} → adversarial {one(s['adversarial'])}"
                        for part, s in scored.items())


def _distance(ood: dict | None) -> str:
    """How far the input is from the model's training data, when it was measured."""
    if not ood or ood.get("score") is None:
        return ""
    return (f" · input {ood['score']:.1f} from the training classes in feature space (cautioned above "
            f"{ood['threshold']:.1f})")


def ood_ui(result) -> None:
    """Caution per model when the input does not look like its training data."""
    flagged = {o.spec.title: o.ood for o in result.outcomes.values() if o.ood and o.ood["flagged"]}
    if flagged:
        reasons = sorted({reason for ood in flagged.values() for reason in ood["reasons"]})
        st.warning("**This image is unlike what the models were trained on**, so their predictions here mean "
                   "little: " + "; ".join(reasons) + f". (Models: {', '.join(flagged)}.)", icon=":material/help:")


def minimal_epsilon_ui(found: dict, titles: dict, attention: dict, maximum: float) -> None:
    """Bar chart of the smallest flipping epsilon per model, in k/255, vanilla vs attentive."""
    names = list(found)
    values = [in_255(found[n] if found[n] is not None else maximum) for n in names]
    text = [epsilon_255(found[n]) if found[n] is not None else f"holds at {epsilon_255(maximum)}" for n in names]
    figure = go.Figure(go.Bar(x=[titles[n] for n in names], y=values, text=text, textposition="outside",
                              marker_color=["#e45756" if attention[n] else "#4c78a8" for n in names],
                              marker_pattern_shape=["/" if found[n] is None else "" for n in names]))
    figure.update_layout(height=260, margin=dict(l=10, r=10, t=30, b=10), yaxis_title="smallest flipping ε (× 1/255)",
                         yaxis_range=[0, max(values) * 1.25 + 0.1])
    st.plotly_chart(figure, width="stretch", key="minimal_epsilon_chart")
    st.caption("Bisection over ε in steps of 0.25/255 with the explorer's own PGD (the same steps, step rule, loss, "
               "restarts and seed as the verdict above); "
               "red: soft attention. Hatched: the prediction held up to the task's largest ε.")


def _data_uri(image: np.ndarray) -> str:
    return "data:image/png;base64," + base64.b64encode(png(image)).decode()


def compare_slider_ui(result, method_title: str) -> None:
    """Drag to reveal the adversarial image (and its saliency map) over the clean one."""
    ordered = grid_order(result.outcomes)
    chosen = st.segmented_control("Model", [o.spec.model_id for o in ordered], key="slider_model",
                                  format_func=lambda m: result.outcomes[m].spec.title,
                                  default=ordered[-1].spec.model_id) or ordered[-1].spec.model_id
    outcome = result.outcomes[chosen]
    size = 288  # nearest-neighbour upscaling keeps the pixels visible
    upscale = lambda image: cv2.resize(image, (size, size), interpolation=cv2.INTER_NEAREST)  # noqa: E731
    pairs = [
        {"before": _data_uri(upscale(result.image)), "after": _data_uri(upscale(outcome.adversarial)),
         "before_label": "clean", "after_label": "adversarial", "caption": "Image: clean | adversarial"},
        {"before": _data_uri(upscale(overlay(result.image, outcome.clean_cam))),
         "after": _data_uri(upscale(overlay(outcome.adversarial, outcome.adversarial_cam))),
         "before_label": "clean", "after_label": "adversarial", "caption": f"{method_title}: clean | adversarial"},
    ]
    _compare_slider(pairs=pairs, key="compare_slider", default=None)


def downloads_ui(result, name: str) -> None:
    left, right = st.columns(2)
    left.download_button("Run report (JSON)", json.dumps(report(result, name), indent=2),
                         file_name="attack_report.json", mime="application/json", key="dl_report",
                         icon=":material/description:")
    right.download_button("Everything shown (ZIP: PNG tiles, exact .npy arrays, report)", archive(result, name),
                          file_name="attack_explorer.zip", mime="application/zip", key="dl_zip",
                          icon=":material/folder_zip:")
    st.caption("PNG images are rounded to 8 bits, which can undo a perturbation smaller than 1/255; the .npy "
               "arrays are the exact float32 images the models saw. Saliency: "
               f"{METHODS[result.method].title}.")
