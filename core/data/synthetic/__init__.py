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

One module per task (derm, fundus, cxr) and the shared drawing primitives (painting).

Preview:  python -m core.data.synthetic --task derm --preview derm.png
Gallery:  python -m core.data.synthetic --task derm --gallery assets/examples --per-class 2 --size 224
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from core.data.preprocess import prepare, resize, to_uint8
from core.data.synthetic import cxr, derm, fundus
from core.tasks import get_task

RENDER_SIZE = 192  # pixels; rendered here, then resized to the requested size
GALLERY_SEED = 20_230_601  # fixed seed of the UI's example gallery
RENDERERS = {"derm": derm.render, "fundus": fundus.render, "cxr": cxr.render}


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
