"""The figures' shared look: each twin pair one colour, its two models told apart by line style
(the attentive twin dashed) or an open marker or box (PAIR_COLOURS, ATTENTION_DASH), so that the
paper's question reads at a glance and without relying on colour alone; one marker per training
defence; percentages on [0, 1]; ε on a log axis where the grid is wide (epsilon_axis)."""

import math
from zlib import crc32

PERCENT_AXIS = dict(range=[0, 1.02], tickformat=".0%", dtick=0.2)
SYMBOLS = {"none": "circle", "pgd-at": "square", "trades": "diamond"}


# One colour per twin pair (backbone x defence), from Okabe & Ito's palette for colour-vision deficiencies.
PAIR_COLOURS = {("resnet50", "none"): "#0072B2", ("inception_resnet_v2", "none"): "#E69F00",
                ("resnet50", "pgd-at"): "#009E73", ("inception_resnet_v2", "pgd-at"): "#CC79A7",
                ("resnet50", "trades"): "#56B4E9", ("inception_resnet_v2", "trades"): "#D55E00"}
ATTENTION_DASH = {False: "solid", True: "dash"}  # vanilla solid, attentive dashed; the paper's protocol dotted


# An imported pair (its name, any string) takes one of these, by a stable hash of its name.
IMPORTED_COLOURS = ("#000000", "#7F3C8D", "#11A579", "#3969AC", "#F2B701", "#E73F74", "#80BA5A", "#A5AA99")


def pair_colour(spec, alpha: float | None = None) -> str:
    """The colour of `spec`'s twin pair, as rgba with `alpha` when given (a band)."""
    colour = PAIR_COLOURS.get((spec.backbone, spec.defence)) or IMPORTED_COLOURS[
        crc32(f"{spec.backbone}|{spec.defence}".encode()) % len(IMPORTED_COLOURS)]
    if alpha is None:
        return colour
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def short_title(spec) -> str:
    """A legend's name: "ResNet-50 + attention", "InceptionResNetV2 · PGD-AT", "... · seed 1"."""
    from core.models.backbones import FAMILY_TITLES
    from core.models.spec import DEFENCES

    if spec.is_imported:
        return spec.title
    parts = [FAMILY_TITLES[spec.backbone] + (" + attention" if spec.attention else "")]
    if spec.defence != "none":
        parts.append(DEFENCES[spec.defence][1])
    if spec.seed:
        parts.append(f"seed {spec.seed}")
    return " · ".join(parts)


# A curve whose largest ε is this many times its smallest is drawn on a logarithmic axis: the
# binary tasks' grid doubles from 0.0025 to 0.32 (x128), and on a linear axis everything the
# undefended models do happens in its first 3 %. derm's 0.00125 to 0.01 (x8) stays linear.
LOG_SPAN = 16


def epsilon_axis(epsilons, title: str):
    """Where each ε sits on a curve's x axis, and the axis: linear for a narrow grid; for one
    spanning LOG_SPAN or more, logarithmic, with ε = 0 (clean) drawn half the smallest ε to
    the left and labelled 0, the ticks at the grid's ε (or at 1, 2.5 and 5 of each decade when
    the curve is dense). Returns (position(ε), plotly axis dict)."""
    positive = sorted({float(e) for e in epsilons if e > 0})
    if not positive or positive[-1] / positive[0] < LOG_SPAN:
        return (lambda epsilon: epsilon), dict(title=title)
    clean = positive[0] / 2
    ticks = positive if len(positive) <= 10 else _decade_ticks(positive[0], positive[-1])
    return ((lambda epsilon: epsilon if epsilon > 0 else clean),
            dict(title=f"{title}, log scale (0: clean)", type="log", tickvals=[clean, *ticks],
                 ticktext=["0", *(f"{t:.3g}" for t in ticks)]))


def _decade_ticks(low: float, high: float) -> list[float]:
    """1, 2.5 and 5 times each power of ten from `low` to `high`."""
    return [m * 10.0 ** k for k in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
            for m in (1, 2.5, 5) if low <= m * 10.0 ** k <= high]
