"""Synthetic demo images, one procedural renderer per task (DESIGN.md section 3).

Each class carries the visual features a clinician would name, so a model must look at
the lesion to classify and Grad-CAM has something true to find:

derm (dermatoscopy, HAM10000's seven classes) on skin of varying tone, with hairs and a
dermatoscope vignette as distractors common to all classes:
    akiec  pink-red scaly patch, ill-defined border, white scale flakes
    bcc    pearly pink nodule, arborising red vessels, blue-grey ovoid nests
    bkl    tan-brown "stuck-on" plaque, milia-like cysts and comedo-like openings
    df     small lesion, central white scar-like patch, faint brown peripheral ring
    mel    large, asymmetric, irregular border, multicolour (black, blue-grey, red)
    nv     round, symmetric, uniformly brown, regular network
    vasc   clustered red-purple lacunae with dark septa, sharp border
fundus: an orange fundus with optic disc, macula and vessel arcades; negatives (no or
mild DR) have at most a few microaneurysms, positives add haemorrhages, hard exudates and
many microaneurysms.
cxr: a thorax with lungs, ribs, clavicles, heart and lung markings; positives have a
pneumothorax: a lucent region without lung markings bounded by a thin pleural line; then
the paper's cxr filter (through core.data.preprocess.prepare).

THIS IS NOT A MEDICAL DATA SET. It exists so the app, the tests and the heatmaps mean
something offline.

Preview:  python -m core.data.synthetic --task derm --preview derm.png
Gallery:  python -m core.data.synthetic --task derm --gallery assets/examples --per-class 2 --size 224
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from core.data.preprocess import prepare, resize, to_uint8
from core.tasks import get_task

RENDER_SIZE = 192  # pixels; rendered here, then resized to the requested size
GALLERY_SEED = 20_230_601  # fixed seed of the UI's example gallery


def generate(task: str, n: int, *, size: int = 224, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`n` synthetic images of `task`: (n x size x size x 3 float32 in [0, 1], int64 labels).

    Classes are balanced (counts differ by at most one) and in shuffled order; image i
    depends only on (seed, i), so the same seed gives the same images.
    """
    if n < 0:
        raise ValueError(f"n must be non-negative, got {n}")
    info = get_task(task)
    order = np.random.default_rng([seed, 0]).permutation(n)
    labels = (order % info.num_classes).astype(np.int64)
    images = np.empty((n, size, size, 3), np.float32)
    for index, label in enumerate(labels):
        rng = np.random.default_rng([seed, 1, index])
        images[index] = prepare(RENDERERS[task](int(label), rng, RENDER_SIZE), info, size)
    return images, labels


SPLIT_SEEDS = {"train": 0, "val": 1, "test": 2}  # disjoint, fixed seeds of the demo splits


def split(task: str, name: str, n: int, *, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The demo's fixed synthetic split `name` ("train", "val" or "test") of `n` images."""
    if name not in SPLIT_SEEDS:
        raise ValueError(f"split must be one of {list(SPLIT_SEEDS)}, got {name!r}")
    return generate(task, n, size=size, seed=SPLIT_SEEDS[name])


def gallery(task: str, *, per_class: int = 2, size: int = 224,
            raw: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Fixed example images for the UI: `per_class` of each class, grouped by class.

    raw=True returns them as a scanner would give them (resized, but before the cxr filter):
    what a user would upload, and what `prepare` turns into the raw=False images.
    """
    info = get_task(task)
    images, labels = [], []
    for label in range(info.num_classes):
        for k in range(per_class):
            rng = np.random.default_rng([GALLERY_SEED, label, k])
            rendered = RENDERERS[task](label, rng, RENDER_SIZE)
            images.append(resize(rendered, size) if raw else prepare(rendered, info, size))
            labels.append(label)
    return np.stack(images), np.asarray(labels, np.int64)


# ----------------------------------------------------------------------------- helpers

def _smooth_noise(rng, size: int, scale: float, amplitude: float, channels: int = 1) -> np.ndarray:
    """Low-frequency noise: random values blurred with a Gaussian of `scale` * size."""
    noise = rng.normal(size=(size, size, channels)).astype(np.float32)
    noise = cv2.GaussianBlur(noise, (0, 0), sigmaX=max(scale * size, 0.5))
    noise = noise.reshape(size, size, channels)
    noise /= np.abs(noise).max() + 1e-6
    return noise * amplitude


def _blob_mask(rng, size, centre, radius, *, irregularity, asymmetry, elongation=1.0,
               softness=1.0, angle=None) -> np.ndarray:
    """A filled lesion outline r(theta) = radius (1 + low + high harmonics), in [0, 1]."""
    theta = np.linspace(0, 2 * np.pi, 180, endpoint=False)
    r = np.ones_like(theta)
    for k in (1, 2):
        r += asymmetry * rng.uniform(0.3, 1.0) * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    for k in range(3, 12):
        r += irregularity * rng.uniform(0, 1) / np.sqrt(k) * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    angle = rng.uniform(0, np.pi) if angle is None else angle
    x = radius * r * np.cos(theta) * elongation
    y = radius * r * np.sin(theta) / elongation
    xr = centre[0] + x * np.cos(angle) - y * np.sin(angle)
    yr = centre[1] + x * np.sin(angle) + y * np.cos(angle)
    mask = np.zeros((size, size), np.float32)
    points = np.stack([xr, yr], axis=1).round().astype(np.int32)
    cv2.fillPoly(mask, [points], 1.0, lineType=cv2.LINE_AA)
    return cv2.GaussianBlur(mask, (0, 0), sigmaX=softness)


def _paint(image, mask, colour) -> None:
    """Alpha-blend `colour` into `image` where `mask` (H x W, [0, 1]) is set."""
    image += mask[..., None] * (np.asarray(colour, np.float32) - image)


def _dots(rng, size, mask, count, radius_range, colour, image, softness=0.6) -> None:
    """`count` round dots at random positions inside `mask`."""
    ys, xs = np.nonzero(mask > 0.5)
    if len(xs) == 0:
        return
    layer = np.zeros((size, size), np.float32)
    for _ in range(count):
        i = rng.integers(len(xs))
        radius = max(1, int(round(rng.uniform(*radius_range))))
        cv2.circle(layer, (int(xs[i]), int(ys[i])), radius, 1.0, -1, cv2.LINE_AA)
    _paint(image, cv2.GaussianBlur(layer, (0, 0), softness) * (mask > 0.3), colour)


def _branches(rng, layer, start, angle, length, thickness, depth, *, bend=0.35, value=1.0) -> None:
    """A recursively branching curved line (vessels), drawn into `layer`."""
    x, y = start
    steps = 6
    for _ in range(steps):
        angle += rng.normal(0, bend)
        nx, ny = x + np.cos(angle) * length / steps, y + np.sin(angle) * length / steps
        cv2.line(layer, (int(x), int(y)), (int(nx), int(ny)), value, max(1, int(round(thickness))),
                 cv2.LINE_AA)
        x, y = nx, ny
    if depth > 0:
        for side in (-1, 1):
            _branches(rng, layer, (x, y), angle + side * rng.uniform(0.3, 0.8), length * 0.6,
                      thickness * 0.7, depth - 1, bend=bend, value=value)


# ------------------------------------------------------------------------------- derm

SKIN_TONES = np.array([[0.93, 0.78, 0.68], [0.86, 0.67, 0.54], [0.74, 0.55, 0.42], [0.60, 0.43, 0.32]])


def _skin(rng, size) -> np.ndarray:
    tone = SKIN_TONES[rng.integers(len(SKIN_TONES))] * rng.uniform(0.95, 1.05)
    image = np.ones((size, size, 3), np.float32) * tone.astype(np.float32)
    image += _smooth_noise(rng, size, 0.15, 0.05)  # uneven illumination and pigmentation
    image += rng.normal(0, 0.015, (size, size, 3)).astype(np.float32)  # pores, sensor noise
    return image


def _hairs(rng, size, image) -> None:
    layer = np.zeros((size, size), np.float32)
    for _ in range(rng.integers(0, 5) if rng.random() < 0.5 else 0):
        start = rng.uniform(0, size, 2)
        _branches(rng, layer, start, rng.uniform(0, 2 * np.pi), size * rng.uniform(0.4, 0.9),
                  rng.uniform(1, 2), 0, bend=0.08)
    _paint(image, layer, (0.15, 0.1, 0.08))


def _vignette(rng, size, image) -> None:
    if rng.random() < 0.5:
        yy, xx = np.mgrid[:size, :size]
        radius = np.hypot(xx - size / 2, yy - size / 2) / (size / 2)
        _paint(image, np.clip((radius - rng.uniform(0.95, 1.1)) * 8, 0, 1), (0.02, 0.02, 0.02))


def _derm(label: int, rng, size: int) -> np.ndarray:
    image = _skin(rng, size)
    cls = get_task("derm").classes[label]
    centre = size / 2 + rng.normal(0, size * 0.05, 2)
    DERM_PAINTERS[cls](rng, size, image, centre)
    _hairs(rng, size, image)
    _vignette(rng, size, image)
    return np.clip(image, 0, 1)


def _paint_nv(rng, size, image, centre):
    mask = _blob_mask(rng, size, centre, size * rng.uniform(0.15, 0.22), irregularity=0.02,
                      asymmetry=0.03, softness=1.2)
    brown = np.array([0.45, 0.28, 0.16]) * rng.uniform(0.8, 1.1)
    _paint(image, mask * 0.95, brown)
    grid = np.zeros((size, size), np.float32)  # regular pigment network
    step = int(size * 0.035)
    grid[::step, :] = 1
    grid[:, ::step] = 1
    _paint(image, cv2.GaussianBlur(grid, (0, 0), 0.8) * mask * 0.35, brown * 0.6)


def _paint_mel(rng, size, image, centre):
    mask = _blob_mask(rng, size, centre, size * rng.uniform(0.23, 0.3), irregularity=0.35,
                      asymmetry=0.25, softness=1.5)
    _paint(image, mask * 0.95, (0.32, 0.18, 0.1))
    for colour in ((0.08, 0.05, 0.05), (0.35, 0.4, 0.55), (0.7, 0.3, 0.3)):  # black, blue-grey, red
        patch = _blob_mask(rng, size, centre + rng.normal(0, size * 0.08, 2), size * rng.uniform(0.05, 0.11),
                           irregularity=0.4, asymmetry=0.3, softness=3)
        _paint(image, patch * mask * 0.85, colour)
    _dots(rng, size, mask, rng.integers(6, 14), (1, 3), (0.1, 0.06, 0.05), image)


def _paint_bkl(rng, size, image, centre):
    mask = _blob_mask(rng, size, centre, size * rng.uniform(0.17, 0.24), irregularity=0.06,
                      asymmetry=0.08, elongation=rng.uniform(1.1, 1.4), softness=0.8)
    tan = np.array([0.62, 0.45, 0.28]) * rng.uniform(0.8, 1.05)
    _paint(image, mask * 0.9, tan)
    _paint(image, mask[..., ] * _smooth_noise(rng, size, 0.03, 0.3)[..., 0].clip(0, 1), tan * 0.7)
    _dots(rng, size, mask, rng.integers(5, 10), (1.5, 3), (0.95, 0.93, 0.85), image)  # milia-like cysts
    _dots(rng, size, mask, rng.integers(4, 9), (1.5, 3), (0.2, 0.13, 0.08), image)  # comedo-like openings


def _paint_bcc(rng, size, image, centre):
    mask = _blob_mask(rng, size, centre, size * rng.uniform(0.15, 0.22), irregularity=0.08,
                      asymmetry=0.1, softness=2.5)
    _paint(image, mask * 0.8, (0.93, 0.72, 0.72))  # pearly pink
    vessels = np.zeros((size, size), np.float32)
    for _ in range(rng.integers(3, 6)):  # arborising vessels
        _branches(rng, vessels, centre + rng.normal(0, size * 0.05, 2), rng.uniform(0, 2 * np.pi),
                  size * 0.14, 2.0, 2)
    _paint(image, vessels * (mask > 0.2), (0.75, 0.08, 0.12))
    _dots(rng, size, mask, rng.integers(2, 5), (3, 5), (0.4, 0.45, 0.55), image, softness=1.5)


def _paint_akiec(rng, size, image, centre):
    mask = _blob_mask(rng, size, centre, size * rng.uniform(0.17, 0.25), irregularity=0.15,
                      asymmetry=0.12, softness=6)  # ill-defined
    _paint(image, mask * 0.75, (0.85, 0.45, 0.42))
    _paint(image, mask * _smooth_noise(rng, size, 0.01, 0.5)[..., 0].clip(0, 1), (0.9, 0.3, 0.3))
    flakes = np.zeros((size, size), np.float32)
    for _ in range(rng.integers(10, 20)):  # white-yellow scale
        p = centre + rng.normal(0, size * 0.09, 2)
        axes = (int(rng.integers(2, 6)), int(rng.integers(1, 3)))
        cv2.ellipse(flakes, (int(p[0]), int(p[1])), axes, rng.uniform(0, 180), 0, 360, 1.0, -1, cv2.LINE_AA)
    _paint(image, flakes * (mask > 0.3) * 0.9, (0.97, 0.95, 0.85))


def _paint_df(rng, size, image, centre):
    radius = size * rng.uniform(0.1, 0.14)
    ring = _blob_mask(rng, size, centre, radius, irregularity=0.05, asymmetry=0.05, softness=3)
    _paint(image, ring * 0.8, (0.5, 0.33, 0.2))  # light-brown periphery
    scar = _blob_mask(rng, size, centre, radius * 0.45, irregularity=0.2, asymmetry=0.2, softness=1.5)
    _paint(image, scar * 0.9, (0.96, 0.93, 0.9))  # central white scar-like patch


def _paint_vasc(rng, size, image, centre):
    mask = _blob_mask(rng, size, centre, size * rng.uniform(0.13, 0.2), irregularity=0.06,
                      asymmetry=0.08, softness=0.8)
    _paint(image, mask * 0.9, (0.35, 0.08, 0.18))  # dark septa between lacunae
    for colour in ((0.75, 0.1, 0.2), (0.55, 0.12, 0.35), (0.45, 0.2, 0.5)):
        _dots(rng, size, mask, rng.integers(5, 9), (3, 6), colour, image, softness=0.8)


DERM_PAINTERS = {"akiec": _paint_akiec, "bcc": _paint_bcc, "bkl": _paint_bkl, "df": _paint_df,
                 "mel": _paint_mel, "nv": _paint_nv, "vasc": _paint_vasc}


# ----------------------------------------------------------------------------- fundus

def _fundus(label: int, rng, size: int) -> np.ndarray:
    yy, xx = np.mgrid[:size, :size].astype(np.float32)
    centre = np.array([size / 2, size / 2]) + rng.normal(0, size * 0.01, 2)
    radius = size * 0.46
    distance = np.hypot(xx - centre[0], yy - centre[1]) / radius
    disc = np.clip((1 - distance) * 40, 0, 1)
    base = np.array([0.78, 0.33, 0.13]) * rng.uniform(0.8, 1.1) + rng.normal(0, 0.03, 3)
    image = np.ones((size, size, 3), np.float32) * base.astype(np.float32)
    image *= (1 - 0.45 * distance**2)[..., None]  # darker towards the rim
    image += _smooth_noise(rng, size, 0.05, 0.05)
    side = rng.choice([-1, 1])  # left or right eye
    optic = centre + np.array([side * size * 0.2, rng.normal(0, size * 0.02)])
    macula = centre - np.array([side * size * 0.08, 0])
    _paint(image, _blob_mask(rng, size, macula, size * 0.07, irregularity=0, asymmetry=0, softness=6) * 0.5,
           base * 0.55)
    vessels = np.zeros((size, size), np.float32)
    for vertical in (-1, 1):  # superior and inferior arcades around the macula
        for spread in (0.5, 1.2):
            angle = np.pi * (1 if side > 0 else 0) + vertical * spread * rng.uniform(0.6, 1.0)
            _branches(rng, vessels, optic, angle, size * 0.3, 2.6, 2, bend=0.25)
    _paint(image, vessels * 0.85, base * 0.45)
    _paint(image, _blob_mask(rng, size, optic, size * 0.06, irregularity=0.02, asymmetry=0.02, softness=2),
           (0.98, 0.88, 0.6))
    _paint(image, _blob_mask(rng, size, optic, size * 0.025, irregularity=0, asymmetry=0, softness=2) * 0.8,
           (1.0, 0.97, 0.85))
    retina = (distance < 0.92).astype(np.float32) * (np.hypot(xx - optic[0], yy - optic[1]) > size * 0.08)
    red = (0.4, 0.05, 0.04)
    if label == 0:  # no or mild DR: at most a few microaneurysms
        _dots(rng, size, retina, rng.integers(0, 3), (1, 1.5), red, image)
    else:  # moderate to proliferative: haemorrhages, exudates, many microaneurysms
        _dots(rng, size, retina, rng.integers(6, 20), (1, 1.8), red, image)
        _dots(rng, size, retina, rng.integers(3, 9), (2.5, 5), (0.35, 0.04, 0.03), image, softness=1.5)
        cluster = _blob_mask(rng, size, macula + rng.normal(0, size * 0.08, 2), size * 0.12,
                             irregularity=0.3, asymmetry=0.3, softness=2) * retina
        _dots(rng, size, cluster, rng.integers(5, 15), (1.2, 2.5), (0.98, 0.9, 0.45), image)
    image *= disc[..., None]
    return np.clip(image, 0, 1)


# -------------------------------------------------------------------------------- cxr

def _cxr(label: int, rng, size: int) -> np.ndarray:
    s = size
    grey = np.full((s, s), 0.08, np.float32)
    body = _blob_mask(rng, s, (s / 2, s * 0.55), s * 0.47, irregularity=0, asymmetry=0.02,
                      elongation=1.05, softness=4)
    _paint(grey[..., None], body, (0.5,))
    lungs, markings = [], np.zeros((s, s), np.float32)
    for side in (-1, 1):
        centre = (s / 2 + side * s * 0.2 + rng.normal(0, s * 0.01), s * 0.48)
        lung = _blob_mask(rng, s, centre, s * 0.19, irregularity=0.02, asymmetry=0.05, elongation=0.62,
                          softness=3, angle=side * rng.uniform(0.05, 0.15))
        lungs.append((lung, centre, side))
        _paint(grey[..., None], lung * 0.9, (0.3,))
        hilum = (centre[0] - side * s * 0.06, centre[1])
        for _ in range(7):  # vessels fanning out from the hilum
            angle = np.arctan2(rng.uniform(-1, 1), side * rng.uniform(0.2, 1))
            _branches(rng, markings, hilum, angle, s * 0.14, 1.2, 2, bend=0.3)
    for y in np.linspace(s * 0.22, s * 0.72, 8) + rng.normal(0, s * 0.005, 8):  # posterior ribs
        for side in (-1, 1):
            cv2.ellipse(markings, (int(s / 2), int(y - s * 0.08)), (int(s * 0.36), int(s * 0.1)),
                        0, 90 - side * 20, 90 - side * 75, 0.5, max(2, s // 60), cv2.LINE_AA)
    for side in (-1, 1):  # clavicles
        cv2.line(markings, (int(s / 2 + side * s * 0.05), int(s * 0.2)),
                 (int(s / 2 + side * s * 0.33), int(s * 0.15)), 0.7, max(2, s // 50), cv2.LINE_AA)
    if label == 1:
        lung, centre, side = lungs[rng.integers(2)]
        collapse = rng.uniform(0.55, 0.8)  # fraction of the lung's size that stays inflated
        shifted = (centre[0] - side * s * 0.19 * (1 - collapse), centre[1] + s * 0.22 * (1 - collapse))
        inflated = _blob_mask(rng, s, shifted, s * 0.19 * collapse, irregularity=0.02, asymmetry=0.03,
                              elongation=0.62, softness=1, angle=side * 0.1)
        pneumothorax = np.clip((lung > 0.5) - inflated, 0, 1)
        markings *= 1 - cv2.GaussianBlur(pneumothorax, (0, 0), 1)  # no lung markings there
        _paint(grey[..., None], pneumothorax, (0.25,))  # more lucent than lung
        edge = cv2.morphologyEx((inflated > 0.5).astype(np.uint8), cv2.MORPH_GRADIENT, np.ones((3, 3)))
        pleural = edge.astype(np.float32) * (cv2.dilate(pneumothorax, np.ones((5, 5))) > 0.5)
        _paint(grey[..., None], pleural * 0.8, (0.45,))  # the visceral pleural line
    heart = _blob_mask(rng, s, (s / 2 + s * 0.06, s * 0.6), s * 0.13, irregularity=0.02, asymmetry=0.05,
                       softness=5)
    _paint(grey[..., None], heart * 0.85, (0.52,))
    _paint(grey[..., None], np.clip(markings, 0, 1) * body * 0.3, (0.55,))
    spine = np.zeros((s, s), np.float32)
    cv2.rectangle(spine, (int(s * 0.46), 0), (int(s * 0.54), s), 1.0, -1)
    _paint(grey[..., None], cv2.GaussianBlur(spine, (0, 0), 3) * 0.5, (0.58,))
    grey += _smooth_noise(rng, s, 0.2, 0.04)[..., 0] + rng.normal(0, 0.01, (s, s)).astype(np.float32)
    return np.repeat(np.clip(grey, 0, 1)[..., None], 3, axis=-1)


RENDERERS = {"derm": _derm, "fundus": _fundus, "cxr": _cxr}


# -------------------------------------------------------------------------------- CLI

def preview_grid(task: str, *, per_class: int = 6, size: int = 128) -> np.ndarray:
    """A uint8 RGB grid, one row per class, for a person to look at."""
    images, labels = gallery(task, per_class=per_class, size=size)
    rows = [np.concatenate(list(images[labels == c]), axis=1) for c in np.unique(labels)]
    return to_uint8(np.concatenate(rows, axis=0))


def write_gallery(task: str, folder: Path, *, per_class: int = 2, size: int = 224) -> list[Path]:
    """Save the fixed gallery as `folder/<task>/<class>_<k>.png`, raw (before the cxr filter),
    as example files to upload: the app prepares them like any other upload."""
    images, labels = gallery(task, per_class=per_class, size=size, raw=True)
    classes = get_task(task).classes
    paths = []
    for index, (image, label) in enumerate(zip(images, labels)):
        path = Path(folder) / task / f"{classes[label]}_{index % per_class}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(path), cv2.cvtColor(to_uint8(image), cv2.COLOR_RGB2BGR))
        paths.append(path)
    return paths


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Preview synthetic images, or write the gallery.")
    parser.add_argument("--task", required=True, choices=["derm", "fundus", "cxr"])
    parser.add_argument("--preview", type=Path, help="write a grid (one row per class) to this PNG")
    parser.add_argument("--gallery", type=Path, help="write the fixed examples under this folder")
    parser.add_argument("--per-class", type=int, default=6)
    parser.add_argument("--size", type=int, default=128)
    args = parser.parse_args(argv)
    if not args.preview and not args.gallery:
        parser.error("give --preview PNG and/or --gallery FOLDER")
    if args.preview:
        grid = preview_grid(args.task, per_class=args.per_class, size=args.size)
        cv2.imwrite(str(args.preview), cv2.cvtColor(grid, cv2.COLOR_RGB2BGR))
        print(f"wrote {args.preview}: rows are {', '.join(get_task(args.task).classes)}")
    if args.gallery:
        paths = write_gallery(args.task, args.gallery, per_class=args.per_class, size=args.size)
        print(f"wrote {len(paths)} examples under {args.gallery / args.task}")


if __name__ == "__main__":
    main()
