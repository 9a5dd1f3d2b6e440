"""How the attack explorer draws a result (not a page itself): the comparison grid, the
smallest flipping epsilon, the clean/adversarial slider and the downloads."""

from __future__ import annotations

import base64
import html
import json

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import streamlit.components.v1 as components

from core.attack_settings import changed_word
from core.explain import METHODS, overlay
from core.explore.regions import changed_region, outlined
from core.explore.sizes import fit_image
from core.explore.export import amplified, archive, png, report
from core.formatting import epsilon_255, in_255
from app_pages.common import ASSETS, plain
from app_pages.words import HELP

_compare_slider = components.declare_component("compare_slider", path=str(ASSETS / "components" / "compare_slider"))


def column_key(spec) -> tuple:
    """Column order: each family's vanilla then attentive twin, ResNet-50 family first."""
    return spec.backbone != "resnet50", spec.attention


def grid_order(outcomes: dict) -> list:
    """The outcomes in column order (column_key)."""
    return sorted(outcomes.values(), key=lambda o: column_key(o.spec))


# How each verdict (core.explore.outcome.verdict) is shown: its word, the box and the icon.
VERDICT_STYLES = {
    "held": ("Held", "success", ":material/shield:"),
    "fooled": ("Fooled", "error", ":material/bolt:"),
    "already wrong": ("Already wrong", "warning", ":material/do_not_disturb_on:"),
    "corrected": ("Corrected", "info", ":material/undo:"),
    "unchanged": ("Held", "success", ":material/shield:"),
    "flipped": ("Flipped", "error", ":material/bolt:"),
}


def verdict_ui(outcome, classes, label: int | None = None) -> None:
    """What happened, clean -> adversarial class with its confidence: held, fooled, already
    wrong or corrected relative to the true `label`; held or flipped when it is unknown."""
    clean, adversarial = outcome.clean_class, outcome.adversarial_class
    before = f"{classes[clean]} {outcome.clean_probabilities[clean]:.0%}"
    after = f"{classes[adversarial]} {outcome.adversarial_probabilities[adversarial]:.0%}"
    word, box, icon = VERDICT_STYLES[outcome.verdict(label)]
    truth = f" (true: {classes[label]})" if label is not None and clean != label else ""
    getattr(st, box)(f"**{word}** · {before} → {after}{truth}", icon=icon)


def progress_text(report, classes, label: int | None = None) -> str:
    """A column's verdict while its attack runs: the class it predicts after so many steps,
    and whether the true class (when known) still holds."""
    predicted = int(np.argmax(report.probabilities))
    now = f"{classes[predicted]} {report.probabilities[predicted]:.0%}"
    holds = "" if label is None else (" · the true class" if predicted == label else " · not the true class")
    return f"Attacking… after {report.done} of {report.steps} steps: {now}{holds}"


CLEAN_COLOUR, CHANGED_COLOUR = "#4c78a8", "#e45756"


def probability_bars(classes, clean, changed) -> str:
    """Each class's clean and adversarial (or corrupted) probability as two thin bars with
    their figures: plain HTML, cheap to build and draw, where the four plotly charts it replaces
    took about a quarter of the page's script time per ε change and a chart render each."""
    def bar(probability: float, colour: str) -> str:
        width = f"{100 * min(max(float(probability), 0.0), 1.0):.1f}%"
        return (f'<div style="display:flex;align-items:center;gap:4px;height:10px;margin:0">'
                f'<div style="flex:1;background:rgba(128,128,128,.15);height:6px">'
                f'<div style="width:{width};background:{colour};height:6px"></div></div>'
                f'<span style="width:2.6em;text-align:right;font-size:10px;line-height:10px">{float(probability):.0%}'
                f'</span></div>')

    rows = "".join(f'<div style="margin-bottom:3px"><div style="font-size:11px;line-height:13px;overflow:hidden;'
                   f'white-space:nowrap;text-overflow:ellipsis">{html.escape(str(name))}</div>'
                   f'{bar(p, CLEAN_COLOUR)}{bar(q, CHANGED_COLOUR)}</div>'
                   for name, p, q in zip(classes, clean, changed))
    return f'<div class="probability-bars">{rows}</div>'


def tile_titles(method_title: str, *, epsilon: float, natural: bool = False, changed: str = "corrupted") -> list[str]:
    """The grid's rows of tiles, top to bottom; `natural`: a change without a radius ε (a
    corruption, a patch), `changed` naming the changed image."""
    if natural:
        return [f"Clean · {method_title}", f"{changed.capitalize()} · {method_title}", "Attention map · clean",
                f"Attention map · {changed}", "Change, amplified to its largest (mid-grey: unchanged)"]
    return [f"Clean · {method_title}", f"Adversarial · {method_title}", "Attention map · clean",
            "Attention map · adversarial",
            f"Perturbation × {0.5 / max(epsilon, 1e-12):.0f} (mid-grey: unchanged; full scale ±{epsilon_255(epsilon)})"]


def column_tiles(image: np.ndarray, outcome, *, epsilon: float, natural: bool = False) -> list:
    """One model's tiles in tile_titles order: S x S x 3 images, None where a vanilla model has
    no attention map (the perturbation amplified to the full scale of `epsilon`; a corruption's
    change, `natural`, to its own largest)."""
    def attention(picture, heatmap):
        return None if heatmap is None else overlay(picture, heatmap)

    scale = max(outcome.linf, 1e-6) if natural else epsilon
    return [overlay(image, outcome.clean_cam), overlay(outcome.adversarial, outcome.adversarial_cam),
            attention(image, outcome.clean_attention), attention(outcome.adversarial, outcome.adversarial_attention),
            amplified(outcome.perturbation, scale)]


class GridView:
    """The comparison grid: one column per model (twins side by side), one row per kind of
    tile, every tile the same size. It is laid out at the first thing it has to show (a
    column's note or outcome), so until then the grid of the previous ε stays on screen, as
    Streamlit leaves a rerun's old elements, instead of being blanked and redrawn: when warm
    models answer within core.engine.stream.QUIET_S, the browser draws each column once. A column
    says what it waits for (`note`) and fills as soon as its model's outcome arrives (`fill`)."""

    def __init__(self, specs, classes, *, image: np.ndarray, epsilon: float, method_title: str,
                 with_truth: bool, label: int | None = None, natural: bool = False, changed: str = "adversarial"):
        self.order = sorted(specs, key=column_key)
        self.label = label  # the true class, when known: the verdicts are relative to it
        self.natural = natural  # no radius ε: a corruption or a patch (core.attack_settings.takes_epsilon)
        self.changed = changed  # what the changed image is called (core.attack_settings.changed_word)
        self.classes, self.image, self.epsilon, self.method_title = classes, image, epsilon, method_title
        self.with_truth = with_truth
        self.status = None

    def _laid_out(self) -> None:
        if self.status is not None:
            return
        self.status = {}
        for column, spec in zip(st.columns(len(self.order)), self.order):
            column.markdown(f"**{spec.title}**")
            self.status[spec] = column.empty()
        self.tiles = []
        for title in tile_titles(self.method_title, epsilon=self.epsilon, natural=self.natural, changed=self.changed):
            st.caption(title)
            self.tiles.append(self._cells(2))
        st.caption(f"Probabilities, clean (blue) and {self.changed} (red)")
        self.bars = self._cells(1)
        self.numbers = self._cells(1)
        self.grounding = None
        if self.with_truth or self.changed == "patched":
            what = "the finding" + (" and the patch (outlined on the maps)" if self.changed == "patched" else "")
            st.caption(f"Does the {self.method_title} map look at {what}? (the map's peak inside each region, and "
                       "its share of the map's mass; the finding's region is the synthetic image's ground truth)")
            self.grounding = self._cells(1)

    def _cells(self, slots: int) -> dict:
        """{spec: [placeholder] * slots}, one column per model."""
        return {spec: [column.empty() for _ in range(slots)]
                for column, spec in zip(st.columns(len(self.order)), self.order)}

    def note(self, spec, phase: str) -> None:
        """What the column waits for (core.engine.Phase)."""
        self._laid_out()
        self.status[spec].info(phase, icon=":material/hourglass_top:")

    def progress(self, report) -> None:
        """A slow column's verdict so far (core.engine.Progress), until its outcome comes."""
        self._laid_out()
        self.status[report.spec].info(progress_text(report, self.classes, self.label),
                                      icon=":material/hourglass_top:")

    def failed(self, spec, message: str) -> None:
        self._laid_out()
        self.status[spec].warning(f"{spec.title} is skipped: {message}", icon=":material/report:")

    def fill(self, outcome) -> None:
        """Draw one model's column."""
        self._laid_out()
        spec = outcome.spec
        with self.status[spec].container():
            verdict_ui(outcome, self.classes, self.label)
        image = fit_image(self.image, outcome.adversarial.shape[0])  # as this model saw it (its own size)
        blank = np.full(image.shape, 0.94, np.float32)
        tiles = column_tiles(image, outcome, epsilon=self.epsilon, natural=self.natural)
        if self.changed == "patched":  # the sticker outlined on both maps: does the model look at it?
            region = changed_region(outcome.perturbation)
            tiles = [outlined(tile, region) if tile is not None and row < 4 else tile for row, tile in enumerate(tiles)]
        for cells, tile in zip(self.tiles, tiles):
            cells[spec][0].image(blank if tile is None else tile, width="stretch")
            if tile is None:
                cells[spec][1].caption("No soft-attention block in this model.")
        self.bars[spec][0].html(probability_bars(self.classes, outcome.clean_probabilities,
                                                 outcome.adversarial_probabilities))
        self.numbers[spec][0].caption(_numbers(outcome, self.method_title))
        if self.grounding is not None:
            self.grounding[spec][0].markdown(localisation_text(outcome.localisation))


def _numbers(outcome, method_title: str) -> str:
    """The column's size, perceptibility and map-shift figures."""
    shift, seen = outcome.cam_shift, outcome.perceptibility
    psnr = "∞" if not np.isfinite(seen["psnr_db"]) else f"{seen['psnr_db']:.1f} dB"
    return (f"L∞ {outcome.linf:.4f} ({epsilon_255(outcome.linf)}) · L2 {outcome.l2:.3f} · "
            f"SSIM {seen['ssim']:.3f} · PSNR {psnr} · {method_title} moved: r {shift['pearson']:.2f}, "
            f"top-20 % IoU {shift['top20_iou']:.2f}, centre {shift['centre_shift_px']:.1f} px"
            + (f" · perturbation from {outcome.transferred_from}" if outcome.transferred_from else "")
            + _distance(outcome.ood)
            + (f" · {outcome.saliency_note}" if getattr(outcome, "saliency_note", None) else ""))


PARTS = {"lesion": "finding", "shortcut": "shortcut", "patch": "patch"}


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
                   "little: " + plain("; ".join(reasons)) + f". (Models: {', '.join(flagged)}.)",
                   icon=":material/help:")


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
                                  default=ordered[-1].spec.model_id,
                                      help=HELP["slider_model"]) or ordered[-1].spec.model_id
    outcome = result.outcomes[chosen]
    changed = changed_word(result.attack)
    # the images at the models' own size: the component scales them up without smoothing (CSS
    # image-rendering: pixelated), so every pixel stays visible and nothing larger is encoded
    image = result.image_for(outcome)
    pairs = [
        {"before": _data_uri(image), "after": _data_uri(outcome.adversarial),
         "before_label": "clean", "after_label": changed, "caption": f"Image: clean | {changed}"},
        {"before": _data_uri(overlay(image, outcome.clean_cam)),
         "after": _data_uri(overlay(outcome.adversarial, outcome.adversarial_cam)),
         "before_label": "clean", "after_label": changed, "caption": f"{method_title}: clean | {changed}"},
    ]
    _compare_slider(pairs=pairs, key="compare_slider", default=None)


def downloads_ui(result, name: str) -> None:
    left, right = st.columns(2)
    # deferred: the files are made when a button is clicked, not on every slider move
    left.download_button("Run report (JSON)", lambda: json.dumps(report(result, name), indent=2),
                         file_name="attack_report.json", mime="application/json", key="dl_report",
                         icon=":material/description:", on_click="ignore")
    right.download_button("Everything shown (ZIP: PNG tiles, exact .npy arrays, report)", lambda: archive(result, name),
                          file_name="attack_explorer.zip", mime="application/zip", key="dl_zip",
                          icon=":material/folder_zip:", on_click="ignore")
    st.caption("PNG images are rounded to 8 bits, which can undo a perturbation smaller than 1/255; the .npy "
               "arrays are the exact float32 images the models saw. Saliency: "
               f"{METHODS[result.method].title}.")
