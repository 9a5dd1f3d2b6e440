"""Synthetic dermatoscopy (HAM10000 stand-in): one lesion of the seven classes on skin.

The classes share features the way the real ones do (Tschandl et al. 2018; the ABCD rule and
the 7-point checklist): every lesion is painted by one painter from a feature vector, each
class has a textbook vector (TYPICAL) and the vector of the class it is confused with
(LOOKALIKE: mel <-> nv, bkl -> mel, bcc <-> akiec, df -> nv, vasc -> dark mel), and a case
is drawn between the two: severity 1 is the textbook presentation, severity near 0 a lesion
a dermatologist could mistake for its look-alike (an early, featureless melanoma; a
dysplastic naevus; a pigmented keratosis).

Shortcut: surgical skin markings (violet ink dots and lines around the lesion) raise a CNN's
melanoma score (Winkler et al. 2019, JAMA Dermatology 155:1135) and are drawn more often
around lesions a clinician suspects: MARKING_RATE of melanomas, less often for the other
malignant classes and rarely for benign ones (SHORTCUT_SHARE). Artefacts of every class:
hairs, air bubbles, dermatoscope vignette, illumination, device colour cast, blur, noise, JPEG.
"""

from __future__ import annotations

import cv2
import numpy as np

from core.data.synthetic import acquisition
from core.data.synthetic.layers import Canvas, Case, beta_severity
from core.data.synthetic.painting import blob_mask, branches, smooth_noise, spot_layer
from core.tasks import get_task

CLASSES = get_task("derm").classes
SKIN_TONES = np.array([[0.93, 0.78, 0.68], [0.86, 0.67, 0.54], [0.78, 0.6, 0.47]])  # Fitzpatrick I-III
MARKING_RATE = 0.3  # share of melanomas with surgical markings (the default shortcut rate)
SHORTCUT_SHARE = {"mel": 1.0, "bcc": 0.4, "akiec": 0.3, "bkl": 0.1, "nv": 0.1, "df": 0.1, "vasc": 0.1}

BROWN, DARK, BLUE_GREY, PINK, RED = (0.45, 0.28, 0.16), (0.12, 0.07, 0.06), (0.38, 0.42, 0.55), \
    (0.9, 0.62, 0.62), (0.72, 0.1, 0.14)
# The features one painter draws (strengths in [0, 1] unless said):
#   radius (share of the image), asymmetry, irregularity (border), blur (soft border, px),
#   base (colour), network (pigment network), atypia (0 regular network, 1 broken, thick),
#   colours (number of extra colour blotches), veil (blue-white), regression (white scar +
#   peppering), dots (count), dots_irregular, pink, vessels (arborising), dotted_vessels,
#   nests (blue-grey ovoid), scar (central white patch), cysts (milia-like), comedos, scale,
#   lacunae (red-purple), pseudo_network (red, around follicles)
_ZERO = dict(radius=0.18, asymmetry=0.03, irregularity=0.03, blur=1.2, base=BROWN, network=0.0,
             atypia=0.0, colours=0.0, veil=0.0, regression=0.0, dots=0.0, dots_irregular=0.0,
             pink=0.0, vessels=0.0, dotted_vessels=0.0, nests=0.0, scar=0.0, cysts=0.0, comedos=0.0,
             scale=0.0, lacunae=0.0, pseudo_network=0.0)


def _f(**changes) -> dict:
    return {**_ZERO, **changes}


TYPICAL = {
    "nv": _f(radius=0.17, network=1.0, dots=6),
    "mel": _f(radius=0.26, asymmetry=0.25, irregularity=0.35, base=(0.32, 0.18, 0.1), network=0.6,
              atypia=1.0, colours=3, veil=0.8, regression=0.6, dots=12, dots_irregular=1.0),
    "bkl": _f(radius=0.21, asymmetry=0.08, irregularity=0.08, blur=0.6, base=(0.6, 0.44, 0.27), cysts=12,
              comedos=7, network=0.1),
    "bcc": _f(radius=0.18, asymmetry=0.1, irregularity=0.1, blur=2.5, base=PINK, pink=0.85, vessels=1.0,
              nests=4),
    "akiec": _f(radius=0.21, asymmetry=0.12, irregularity=0.15, blur=5.0, base=(0.86, 0.5, 0.46), pink=0.75,
                scale=16, pseudo_network=0.8, dotted_vessels=0.7),
    "df": _f(radius=0.12, base=(0.5, 0.33, 0.2), network=0.3, scar=0.9),
    "vasc": _f(radius=0.16, blur=0.8, base=(0.35, 0.08, 0.18), lacunae=8),
}
LOOKALIKE = {
    "nv": _f(radius=0.18, asymmetry=0.06, irregularity=0.08, network=0.75, atypia=0.3, dots=7,
             dots_irregular=0.2),  # dysplastic naevus
    "mel": _f(radius=0.2, asymmetry=0.12, irregularity=0.15, base=(0.38, 0.22, 0.13), network=0.7, atypia=0.55,
              colours=1, dots=8, dots_irregular=0.5),  # early: an atypical naevus, not a typical one
    "bkl": _f(radius=0.2, asymmetry=0.15, irregularity=0.2, base=(0.48, 0.32, 0.19), network=0.3,
              atypia=0.5, colours=1, regression=0.3, cysts=5, comedos=2),  # pigmented keratosis / LPLK
    "bcc": _f(radius=0.2, blur=4.0, base=(0.86, 0.52, 0.48), pink=0.7, vessels=0.3, dotted_vessels=0.3,
              nests=1, scale=4),  # superficial BCC, akiec-like
    "akiec": _f(radius=0.19, blur=3.0, base=(0.9, 0.6, 0.6), pink=0.8, vessels=0.4, scale=3,
                pseudo_network=0.3),  # bcc-like
    "df": _f(radius=0.13, network=0.7, scar=0.25, dots=3),  # naevus-like
    "vasc": _f(radius=0.17, asymmetry=0.1, irregularity=0.12, base=(0.15, 0.07, 0.12), lacunae=4,
               colours=1, veil=0.3),  # thrombosed angioma, melanoma-like
}


# How typical the presentations of each class are: Beta(a, b) of the severity. Most naevi are
# textbook (a dermatologist calls them at a glance); melanoma shows the ABCD criteria to widely
# varying degrees; the rarer classes sit in between. Calibrated with MIMICS so that the demo
# models land in the paper's clean-accuracy band (docs/data.md).
TYPICALITY = {"nv": (16.0, 1.0), "mel": (4.0, 1.0), "bkl": (6.0, 1.0), "bcc": (8.0, 1.0), "akiec": (8.0, 1.0),
              "df": (8.0, 1.0), "vasc": (8.0, 1.0)}
# What only histopathology can tell, the task's irreducible error: a share of melanomas present
# as banal naevi (naevoid and featureless melanoma) and a share of naevi as melanoma (the atypical
# naevi excised on suspicion). Dermoscopy's sensitivity and specificity for melanoma are both
# about 0.9 in expert hands (Vestergaard et al. 2008, Br J Dermatol 159:669). Such a lesion is
# painted, and marked or not, as the class it mimics; its label stays its own.
MIMICS = {"mel": ("nv", 0.13), "nv": ("mel", 0.045)}


def draw(label: int, rng, *, shortcut_rate: float = MARKING_RATE) -> Case:
    """Which class the lesion presents as, how typically (severity), and whether it was marked
    before excision (a clinician marks what looks suspicious)."""
    mimicked, share = MIMICS.get(CLASSES[label], (None, 0.0))
    looks_like = CLASSES.index(mimicked) if rng.random() < share else -1
    name = CLASSES[label if looks_like < 0 else looks_like]
    severity = beta_severity(rng, *TYPICALITY[name])
    marked = rng.random() < shortcut_rate * SHORTCUT_SHARE[name]
    return Case(label=label, severity=severity, shortcut=bool(marked), looks_like=looks_like)


def features(name: str, severity: float, rng) -> dict:
    """The class's feature vector at `severity` (LOOKALIKE at 0, TYPICAL at 1), jittered."""
    typical, lookalike = TYPICAL[name], LOOKALIKE[name]
    mixed = {}
    for key, value in typical.items():
        a, b = np.asarray(lookalike[key], np.float32), np.asarray(value, np.float32)
        mixed[key] = a + severity * (b - a)
    jitter = lambda v, spread: v * rng.uniform(1 - spread, 1 + spread)  # noqa: E731
    for key in ("radius", "asymmetry", "irregularity", "network", "dots", "cysts", "comedos", "scale",
                "lacunae", "nests", "vessels"):
        mixed[key] = jitter(mixed[key], 0.25)
    mixed["base"] = mixed["base"] * rng.uniform(0.85, 1.1)
    return mixed


def scene(case: Case, streams, size: int, *, lesion: bool = True) -> Canvas:
    """Skin, the lesion (unless `lesion=False`), then the shortcut markings when drawn."""
    rng = streams["anatomy"]
    tone = SKIN_TONES[rng.integers(len(SKIN_TONES))] * rng.uniform(0.95, 1.05)
    canvas = Canvas(np.ones((size, size, 3), np.float32) * tone.astype(np.float32))
    canvas.image += smooth_noise(rng, size, 0.15, 0.05)
    canvas.image += rng.normal(0, 0.012, (size, size, 3)).astype(np.float32)
    centre = size / 2 + rng.normal(0, size * 0.05, 2)
    if lesion:
        lesion_rng = streams["lesion"]
        presentation = features(CLASSES[case.appearance], case.severity, lesion_rng)
        paint_lesion(canvas, lesion_rng, size, centre, presentation)
    if case.shortcut:
        _markings(canvas, streams["shortcut"], size, centre)
    return canvas


def render(case: Case, streams, size: int) -> Canvas:
    """The dermatoscopy image as a device gives it: the scene, then artefacts and nuisances."""
    canvas = scene(case, streams, size)
    rng = streams["acquisition"]
    image = _hairs(canvas.image, rng, size)
    image = _bubbles(image, rng, size)
    image = acquisition.illumination(image, rng, 0.12)
    image = acquisition.colour_cast(image, rng)
    image = acquisition.vignette(image, rng, probability=0.5)
    canvas.image = acquisition.common(image, rng, blur_probability=0.2)
    return canvas


def paint_lesion(canvas: Canvas, rng, size, centre, f: dict) -> None:
    """Paint one lesion from its feature vector `f`; every stroke is recorded as lesion."""
    mask = blob_mask(rng, size, centre, size * float(f["radius"]), irregularity=float(f["irregularity"]),
                     asymmetry=float(f["asymmetry"]), softness=max(0.5, float(f["blur"])))
    inside = (mask > 0.3).astype(np.float32)
    canvas.paint(mask * 0.92, f["base"], part="lesion")
    if f["network"] > 0.05:
        canvas.paint(_network(rng, size, float(f["atypia"])) * mask * 0.45 * min(1.0, float(f["network"])),
                     np.asarray(f["base"]) * 0.55, part="lesion")
    for colour in (DARK, BLUE_GREY, (0.7, 0.3, 0.3), (0.25, 0.15, 0.1))[:int(round(float(f["colours"])))]:
        patch = blob_mask(rng, size, centre + rng.normal(0, size * 0.08, 2), size * rng.uniform(0.04, 0.1),
                          irregularity=0.4, asymmetry=0.3, softness=3)
        canvas.paint(patch * mask * 0.8, colour, part="lesion")
    if f["veil"] > 0.05:
        veil = blob_mask(rng, size, centre + rng.normal(0, size * 0.06, 2), size * 0.09, irregularity=0.3,
                         asymmetry=0.3, softness=4)
        canvas.paint(veil * mask * 0.7 * float(f["veil"]), (0.55, 0.62, 0.75), part="lesion")
    if f["regression"] > 0.05:
        scar = blob_mask(rng, size, centre + rng.normal(0, size * 0.07, 2), size * 0.06, irregularity=0.4,
                         asymmetry=0.4, softness=2)
        canvas.paint(scar * mask * 0.7 * float(f["regression"]), (0.9, 0.88, 0.86), part="lesion")
        _dots(canvas, rng, size, scar, int(8 * float(f["regression"])), (0.8, 1.2), BLUE_GREY)
    spread = float(f["dots_irregular"])
    if f["dots"] >= 1:  # regular globules sit centrally; irregular dots scatter to the edge
        where = inside if spread > 0.5 else (mask > 0.7).astype(np.float32)
        _dots(canvas, rng, size, where, int(f["dots"]), (1.0, 1.5 + 1.5 * spread), DARK)
    if f["pink"] > 0.05:
        canvas.paint(mask * smooth_noise(rng, size, 0.02, 0.5)[..., 0].clip(0, 1) * float(f["pink"]) * 0.6,
                     (0.88, 0.35, 0.35), part="lesion")
    if f["pseudo_network"] > 0.05:
        canvas.paint(_network(rng, size, 0.3, step=0.05) * mask * 0.5 * float(f["pseudo_network"]),
                     (0.8, 0.25, 0.28), part="lesion")
    if f["vessels"] > 0.05:
        vessels = np.zeros((size, size), np.float32)
        for _ in range(max(1, int(round(4 * float(f["vessels"]))))):
            branches(rng, vessels, centre + rng.normal(0, size * 0.05, 2), rng.uniform(0, 2 * np.pi),
                     size * 0.14, 1.8, 2)
        canvas.paint(vessels * inside * min(1.0, float(f["vessels"])), RED, part="lesion")
    if f["dotted_vessels"] > 0.05:
        _dots(canvas, rng, size, inside, int(14 * float(f["dotted_vessels"])), (0.8, 1.3), RED)
    _dots(canvas, rng, size, inside, int(round(float(f["nests"]))), (3, 5), BLUE_GREY, softness=1.5)
    _dots(canvas, rng, size, inside, int(round(float(f["cysts"]))), (1.5, 3), (0.95, 0.93, 0.85))
    _dots(canvas, rng, size, inside, int(round(float(f["comedos"]))), (1.5, 3), (0.2, 0.13, 0.08))
    _dots(canvas, rng, size, inside, int(round(float(f["lacunae"]))), (3, 6), (0.7, 0.12, 0.25), softness=0.8)
    if f["scale"] >= 1:
        flakes = np.zeros((size, size), np.float32)
        for _ in range(int(round(float(f["scale"])))):
            p = centre + rng.normal(0, size * 0.09, 2)
            axes = (int(rng.integers(2, 6)), int(rng.integers(1, 3)))
            cv2.ellipse(flakes, (int(p[0]), int(p[1])), axes, rng.uniform(0, 180), 0, 360, 1.0, -1, cv2.LINE_AA)
        canvas.paint(flakes * inside * 0.85, (0.97, 0.95, 0.85), part="lesion")
    if f["scar"] > 0.05:
        scar = blob_mask(rng, size, centre, size * float(f["radius"]) * 0.45, irregularity=0.2, asymmetry=0.2,
                         softness=1.5)
        canvas.paint(scar * 0.9 * float(f["scar"]), (0.96, 0.93, 0.9), part="lesion")


def _network(rng, size, atypia: float, step: float = 0.035) -> np.ndarray:
    """A pigment network: a regular grid, broken and thickened as `atypia` grows."""
    grid = np.zeros((size, size), np.float32)
    pitch = max(3, int(size * step))
    grid[::pitch, :] = 1
    grid[:, ::pitch] = 1
    warp = smooth_noise(rng, size, 0.04, atypia * 3, channels=2)
    yy, xx = np.mgrid[:size, :size].astype(np.float32)
    grid = cv2.remap(grid, xx + warp[..., 0], yy + warp[..., 1], cv2.INTER_LINEAR)
    holes = smooth_noise(rng, size, 0.03, 1.0)[..., 0] > 0.6 - 0.6 * atypia  # broken network
    grid = grid * np.where(holes, 1 - atypia, 1.0)
    return cv2.GaussianBlur(grid, (0, 0), 0.6 + atypia * 0.6)


def _dots(canvas: Canvas, rng, size, where, count, radius, colour, softness=0.6) -> None:
    layer = spot_layer(rng, size, where, count, radius)
    if layer is not None:
        canvas.paint(cv2.GaussianBlur(layer, (0, 0), softness) * (where > 0.3), colour, part="lesion")


def _markings(canvas: Canvas, rng, size, centre) -> None:
    """Violet surgical-marker dots or a line drawn around the lesion before excision."""
    layer = np.zeros((size, size), np.float32)
    radius = size * rng.uniform(0.3, 0.42)
    if rng.random() < 0.5:
        for angle in np.linspace(0, 2 * np.pi, int(rng.integers(4, 9)), endpoint=False) + rng.uniform(0, 1):
            p = centre + radius * np.array([np.cos(angle), np.sin(angle)])
            cv2.circle(layer, (int(p[0]), int(p[1])), int(rng.integers(2, 4)), 1.0, -1, cv2.LINE_AA)
    else:
        start = rng.uniform(0, 2 * np.pi)
        cv2.ellipse(layer, (int(centre[0]), int(centre[1])), (int(radius), int(radius * rng.uniform(0.8, 1))),
                    0, np.degrees(start), np.degrees(start) + rng.uniform(60, 160), 1.0, 2, cv2.LINE_AA)
    canvas.paint(cv2.GaussianBlur(layer, (0, 0), 0.7) * 0.85, (0.45, 0.2, 0.6), part="shortcut")


def _hairs(image, rng, size) -> np.ndarray:
    layer = np.zeros((size, size), np.float32)
    count = int(rng.integers(1, 7)) if rng.random() < 0.5 else 0
    for _ in range(count):
        branches(rng, layer, rng.uniform(0, size, 2), rng.uniform(0, 2 * np.pi), size * rng.uniform(0.4, 0.9),
                 rng.uniform(1, 2), 0, bend=0.08)
    return image + layer[..., None] * (np.array([0.15, 0.1, 0.08], np.float32) - image)


def _bubbles(image, rng, size) -> np.ndarray:
    """Air bubbles in the immersion gel: bright rings."""
    count = int(rng.integers(1, 4)) if rng.random() < 0.25 else 0
    layer = np.zeros((size, size), np.float32)
    for _ in range(count):
        centre = (int(rng.uniform(0.1, 0.9) * size), int(rng.uniform(0.1, 0.9) * size))
        cv2.circle(layer, centre, int(rng.integers(4, 12)), 1.0, 1, cv2.LINE_AA)
    return image + cv2.GaussianBlur(layer, (0, 0), 0.6)[..., None] * (0.97 - image) * 0.8
