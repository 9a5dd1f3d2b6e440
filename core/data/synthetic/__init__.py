"""Synthetic demo images that behave like the paper's three tasks (docs/data.md).

Each task draws its class at the real dataset's class mix (or balanced, for stratified test
samples), then a presentation within the class from subtle to florid, with the look-alikes,
artefacts and documented shortcuts of the real data, then acquisition nuisances:

derm    HAM10000's seven classes sharing features as the real ones do (derm.py)
fundus  Kaggle DR levels 0-4 at Kaggle's frequencies, binarised 0-1 vs 2-4 (fundus.py)
cxr     pneumothorax from a thin apical rim to a large collapse, chest drains (cxr.py)

With `with_truth=True`, every image comes with its ground truth: the exact mask of the
finding and of the shortcut, the severity and the DR grade (layers.py explains why the masks
are exact).

THIS IS NOT A MEDICAL DATA SET. It exists so that the app, the tests and the heatmaps mean
something offline, on a benchmark as hard as the real one.

Preview:  python -m core.data.synthetic --task derm --preview derm.png
Gallery:  python -m core.data.synthetic --task derm --gallery assets/examples --per-class 2 --size 224
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

from core.data.preprocess import prepare, resize, to_uint8
from core.data.synthetic import cxr, derm, fundus
from core.data.synthetic.layers import Canvas, Case, streams
from core.data.synthetic.priors import class_priors, class_sequence
from core.tasks import get_task

RENDER_SIZE = 192  # pixels; rendered here, then resized to the requested size
GALLERY_SEED = 20_230_601  # fixed seed of the UI's example gallery
RENDERERS = {"derm": derm, "fundus": fundus, "cxr": cxr}  # each: draw, scene, render
SHORTCUT_RATES = {"derm": derm.MARKING_RATE, "fundus": 0.0, "cxr": cxr.DRAIN_RATE}  # defaults
VERSION = 2  # of the generators; saved results name it, so a change never serves stale numbers
def generate(task: str, n: int, *, size: int = 224, seed: int = 0, priors: str | Sequence[float] = "real",
             shortcut_rate: float | None = None, with_truth: bool = False):
    """`n` synthetic images of `task`: (n x size x size x 3 float32 in [0, 1], int64 labels),
    and with `with_truth` a third value, a dict of "lesion" and "shortcut" (n x size x size
    float32 masks in [0, 1], empty where absent), "severity" (n floats in [0, 1]), "grade"
    (the fundus DR level 0-4, -1 elsewhere) and "looks_like" (derm: the class a lesion that
    only histology can tell presents as, e.g. a naevoid melanoma's naevus; -1 elsewhere).

    priors: "real" (the dataset's class mix), "balanced", or one share per class. Image i
    depends only on (seed, i) and its class, so the same seed gives the same images.
    shortcut_rate: how often the task's known shortcut is drawn (None: the task's default,
    SHORTCUT_RATES; 0 disables it).
    """
    info = get_task(task)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 8:
        raise ValueError(f"size must be an integer of at least 8 pixels, got {size!r}")
    rate = SHORTCUT_RATES[task] if shortcut_rate is None else float(shortcut_rate)
    if not 0 <= rate <= 1:
        raise ValueError(f"shortcut_rate must be in [0, 1], got {shortcut_rate}")
    labels = class_sequence(n, class_priors(info, priors), np.random.default_rng([seed, 1]))
    images = np.empty((n, size, size, 3), np.float32)
    truth = _empty_truth(n, size) if with_truth else None
    for index, label in enumerate(labels):
        case, canvas = _render(task, int(label), seed, index, rate)
        images[index] = prepare(canvas.image, info, size)
        if truth is not None:
            _record(truth, index, case, canvas, size)
    return (images, labels, truth) if with_truth else (images, labels)


def _render(task: str, label: int, seed: int, index: int, shortcut_rate: float) -> tuple[Case, Canvas]:
    """Image `index` of the set drawn with `seed`: its case, then its rendering (acquisition included)."""
    renderer = RENDERERS[task]
    parts = streams(seed, index)
    case = renderer.draw(label, parts["case"], shortcut_rate=shortcut_rate)
    return case, renderer.render(case, parts, RENDER_SIZE)


def _empty_truth(n: int, size: int) -> dict:
    return {"lesion": np.zeros((n, size, size), np.float32), "shortcut": np.zeros((n, size, size), np.float32),
            "severity": np.zeros(n, np.float32), "grade": np.full(n, -1, np.int64),
            "looks_like": np.full(n, -1, np.int64)}


def _record(truth: dict, index: int, case: Case, canvas: Canvas, size: int) -> None:
    for part in ("lesion", "shortcut"):
        mask = getattr(canvas, part)
        if mask.any():
            truth[part][index] = np.clip(cv2.resize(mask, (size, size), interpolation=cv2.INTER_AREA), 0, 1)
    truth["severity"][index] = case.severity
    truth["grade"][index] = case.grade
    truth["looks_like"][index] = case.looks_like


def render_scene(task: str, label: int, *, seed: int, index: int, lesion: bool = True,
                 severity: float | None = None, size: int = RENDER_SIZE) -> Canvas:
    """Image `index` of `seed` before acquisition, with or without its finding (the masks'
    exactness is checked on this); `severity` overrides the drawn one."""
    renderer = RENDERERS[task]
    parts = streams(seed, index)
    case = renderer.draw(label, parts["case"], shortcut_rate=SHORTCUT_RATES[task])
    if severity is not None:
        case = _with_severity(case, severity)
    return renderer.scene(case, parts, size, lesion=lesion)


def _with_severity(case: Case, severity: float) -> Case:
    from dataclasses import replace

    if case.grade >= 1:  # fundus: the level follows the severity, (level - 1 + u) / 4
        return replace(case, severity=severity, grade=min(4, 1 + int(severity * 4)))
    return replace(case, severity=severity)


SPLIT_SEEDS = {"train": 0, "val": 1, "test": 2}  # disjoint, fixed seeds of the demo splits
# Training follows the real class mix (weighting classes by inverse frequency, as the paper
# does). Validation and test are stratified (balanced): the class-weighted training objective is
# the balanced mix's loss, which a balanced validation split estimates with every class present
# (at the real mix, 300 derm images hold 3 dermatofibromas at weight 13, and early stopping
# followed them); every test class has enough images for an interval, and accuracies are
# re-weighted to the real mix (core.stats).
SPLIT_PRIORS = {"train": "real", "val": "balanced", "test": "balanced"}


def split(task: str, name: str, n: int, *, size: int, with_truth: bool = False):
    """The demo's fixed synthetic split `name` ("train", "val" or "test") of `n` images: what the
    bundled models were trained and evaluated on."""
    if name not in SPLIT_SEEDS:
        raise ValueError(f"split must be one of {list(SPLIT_SEEDS)}, got {name!r}")
    return generate(task, n, size=size, seed=SPLIT_SEEDS[name], priors=SPLIT_PRIORS[name], with_truth=with_truth)


def split_description(task: str) -> str:
    """What a saved result says its demo test images were (generator version included)."""
    get_task(task)  # ValueError for an unknown task
    return f"synthetic v{VERSION} {task} test split (stratified)"


def gallery(task: str, *, per_class: int = 2, size: int = 224, raw: bool = False, with_truth: bool = False):
    """Fixed example images for the UI: `per_class` of each class, grouped by class.

    raw=True returns them as a scanner would give them (resized, but before the cxr filter):
    what a user would upload, and what `prepare` turns into the raw=False images. With
    `with_truth`, a third value holds their ground truth, as `generate` gives it.
    """
    info = get_task(task)
    count = per_class * info.num_classes
    images, labels = np.empty((count, size, size, 3), np.float32), np.empty(count, np.int64)
    truth = _empty_truth(count, size)
    for label in range(info.num_classes):
        for k in range(per_class):
            index = label * per_class + k
            case, canvas = _render(task, label, GALLERY_SEED, label * 1000 + k, SHORTCUT_RATES[task])
            images[index] = resize(canvas.image, size) if raw else prepare(canvas.image, info, size)
            labels[index] = label
            _record(truth, index, case, canvas, size)
    return (images, labels, truth) if with_truth else (images, labels)


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
