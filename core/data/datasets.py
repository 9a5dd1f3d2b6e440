"""The paper's datasets in their real on-disk formats, with the paper's labelling (3.1-3.2).

    load_ham10000(root)      HAM10000_metadata.csv + image folders      derm, grouped by lesion_id
    load_kaggle_dr(root)     trainLabels.csv + images                   fundus, grouped by patient
    load_chestxray14(root)   Data_Entry_2017*.csv + images (+ official  cxr, grouped by Patient ID
                             train_val_list.txt / test_list.txt)
    load_medmnist(path, task) DermaMNIST / RetinaMNIST / ChestMNIST .npz (official splits)
    load_folder(root, task)  one sub-folder per class key

Rows whose label is unknown, and rows whose image file is missing, are SKIPPED and counted
in `Dataset.skipped` (the UI shows the counts); a CSV without the required columns, or a
dataset left with no usable row, raises DatasetError. Splits are stratified by class,
seeded, and grouped so no lesion or patient is in two splits.
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.data.io import load_image
from core.data.preprocess import prepare
from core.tasks import Task, get_task

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".dcm"}
SPLITS = ("train", "val", "test")


class DatasetError(ValueError):
    """A dataset cannot be used as it is; the message says what is wrong and where."""


@dataclass(frozen=True)
class Dataset:
    """Images (file paths, or uint8 arrays for MedMNIST), labels and leak-free groups."""

    task: str
    name: str
    items: list  # str paths or H x W (x 3) uint8 arrays
    labels: np.ndarray  # int64 class indices of core.tasks
    groups: np.ndarray  # lesion / patient id per item: never split across train/val/test
    official_split: np.ndarray | None = None  # "train" / "val" / "test" per item, if given
    skipped: dict = field(default_factory=dict)  # reason -> count

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def task_info(self) -> Task:
        return get_task(self.task)

    def class_counts(self) -> np.ndarray:
        return np.bincount(self.labels, minlength=self.task_info.num_classes)

    def image(self, index: int, size: int) -> np.ndarray:
        """Item `index` prepared for a model of input `size` (core.data.preprocess.prepare)."""
        item = self.items[index]
        if isinstance(item, np.ndarray):
            raw = item.astype(np.float32) / 255.0
            raw = np.repeat(raw[..., None], 3, axis=-1) if raw.ndim == 2 else raw
        else:
            raw = load_image(item)
        return prepare(raw, self.task_info, size)


# --------------------------------------------------------------------------- helpers

def _read_csv(path: Path, required: set[str]) -> list[dict]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as file:
            reader = csv.DictReader(file)
            columns = set(reader.fieldnames or [])
            missing = required - columns
            if missing:
                raise DatasetError(f"{path.name} lacks the column(s) {sorted(missing)}; "
                                   f"found {sorted(columns)}. Is this the original file?")
            return list(reader)
    except FileNotFoundError:
        raise DatasetError(f"{path} not found; point the loader at the dataset's root folder") from None
    except (csv.Error, UnicodeDecodeError) as error:
        raise DatasetError(f"{path.name} is not a readable CSV file ({error})") from None


def _index_images(root: Path) -> dict[str, Path]:
    """Every image file below `root`, keyed by file stem (datasets ship several folders);
    folders that cannot be read are passed over."""
    found = {}
    for folder, _, files in sorted(os.walk(root, onerror=lambda error: None)):
        for name in sorted(files):
            path = Path(folder) / name
            if path.suffix.lower() in IMAGE_SUFFIXES:
                found.setdefault(path.stem, path)
    return found


def _require_dir(root) -> Path:
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"dataset folder {root} does not exist; check the path")
    return root


def _finish(task, name, rows, skipped, official=None) -> Dataset:
    """rows: (item, label, group) triples."""
    if not rows:
        detail = ", ".join(f"{count} {reason}" for reason, count in skipped.items()) or "no rows"
        raise DatasetError(f"{name}: no usable image ({detail})")
    items, labels, groups = zip(*rows)
    return Dataset(task, name, list(items), np.asarray(labels, np.int64),
                   np.asarray(groups, dtype=object),
                   None if official is None else np.asarray(official, dtype=object),
                   dict(skipped))


# --------------------------------------------------------------------------- loaders

def load_ham10000(root) -> Dataset:
    """HAM10000: `HAM10000_metadata.csv` (lesion_id, image_id, dx, ...) and the JPEGs in
    `HAM10000_images_part_1/` and `_part_2/` (any sub-folder is searched). dx is the label,
    seven classes, no relabelling (paper section 3.2)."""
    root = _require_dir(root)
    task = get_task("derm")
    metadata = _read_csv(root / "HAM10000_metadata.csv", {"lesion_id", "image_id", "dx"})  # before any indexing
    images = _index_images(root)
    rows, skipped = [], Counter()
    for row in metadata:
        dx = row["dx"].strip().lower()
        if dx not in task.classes:
            skipped["unknown label"] += 1
        elif row["image_id"] not in images:
            skipped["missing image"] += 1
        else:
            rows.append((str(images[row["image_id"]]), task.class_index(dx), row["lesion_id"]))
    return _finish("derm", "HAM10000", rows, skipped)


def load_kaggle_dr(root) -> Dataset:
    """Kaggle Diabetic Retinopathy: `trainLabels.csv` (image, level) and the images.
    Levels 0-1 are negative, 2-4 positive (paper section 3.2); `10_left` and `10_right`
    belong to patient 10."""
    root = _require_dir(root)
    labels = _read_csv(root / "trainLabels.csv", {"image", "level"})  # before any indexing
    images = _index_images(root)
    rows, skipped = [], Counter()
    for row in labels:
        try:
            level = int(row["level"])
        except ValueError:
            level = -1
        if level not in range(5):
            skipped["unknown label"] += 1
        elif row["image"] not in images:
            skipped["missing image"] += 1
        else:
            patient = row["image"].rsplit("_", 1)[0]
            rows.append((str(images[row["image"]]), int(level >= 2), patient))
    return _finish("fundus", "Kaggle DR", rows, skipped)


CXR14_CSV_NAMES = ("Data_Entry_2017.csv", "Data_Entry_2017_v2020.csv")


def load_chestxray14(root) -> Dataset:
    """ChestX-ray14: `Data_Entry_2017.csv` (Image Index, Finding Labels, Patient ID) and the
    PNGs. "Pneumothorax" among the '|'-separated findings is positive, everything else
    negative (paper section 3.2). The official `test_list.txt` is kept as the test split
    when present."""
    root = _require_dir(root)
    csv_path = next((root / n for n in CXR14_CSV_NAMES if (root / n).is_file()), root / CXR14_CSV_NAMES[0])
    test_list = root / "test_list.txt"
    official_test = set(test_list.read_text().split()) if test_list.is_file() else None
    entries = _read_csv(csv_path, {"Image Index", "Finding Labels", "Patient ID"})  # before any indexing
    images = {p.name: p for p in _index_images(root).values()}
    rows, official, skipped = [], [], Counter()
    for row in entries:
        findings = {f.strip() for f in row["Finding Labels"].split("|") if f.strip()}
        if not findings:
            skipped["unknown label"] += 1
        elif row["Image Index"] not in images:
            skipped["missing image"] += 1
        else:
            rows.append((str(images[row["Image Index"]]), int("Pneumothorax" in findings),
                         row["Patient ID"]))
            if official_test is not None:
                official.append("test" if row["Image Index"] in official_test else "trainval")
    return _finish("cxr", "ChestX-ray14", rows, skipped, official if official_test is not None else None)


CHESTMNIST_PNEUMOTHORAX = 7  # column of ChestMNIST's 14 labels (ChestX-ray14's order)
MEDMNIST_TASKS = {"dermamnist": "derm", "retinamnist": "fundus", "chestmnist": "cxr"}


def load_medmnist(path, task: str | None = None) -> Dataset:
    """A MedMNIST `.npz` (keys train/val/test_images and _labels) with its official splits:
    DermaMNIST (HAM10000, same 7 classes and order), RetinaMNIST (DR levels 0-4, binarised
    like Kaggle DR) or ChestMNIST (ChestX-ray14; the pneumothorax column)."""
    path = Path(path)
    if task is None:
        task = MEDMNIST_TASKS.get(path.stem.lower().split("_")[0])
        if task is None:
            raise DatasetError(f"cannot tell the task of {path.name}; pass task='derm', "
                               "'fundus' or 'cxr'")
    get_task(task)
    try:
        archive = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise DatasetError(f"no MedMNIST file at {path}") from None
    except (ValueError, OSError) as error:
        raise DatasetError(f"{path.name} is not a readable .npz file ({error})") from None
    items, labels, splits = [], [], []
    with archive:
        for split in SPLITS:
            if f"{split}_images" not in archive or f"{split}_labels" not in archive:
                raise DatasetError(f"{path.name} lacks '{split}_images'/'{split}_labels'; "
                                   "is it a MedMNIST file?")
            images, raw = archive[f"{split}_images"], np.asarray(archive[f"{split}_labels"])
            items.extend(list(images.astype(np.uint8)))
            labels.extend(_medmnist_labels(raw, task, path.name))
            splits.extend([split] * len(images))
    labels = np.asarray(labels, np.int64)
    groups = np.arange(len(labels)).astype(object)  # MedMNIST ships no patient ids
    return Dataset(task, f"MedMNIST ({path.name})", items, labels, groups, np.asarray(splits, object), {})


def _medmnist_labels(raw: np.ndarray, task: str, name: str) -> np.ndarray:
    if task == "cxr":
        if raw.ndim != 2 or raw.shape[1] != 14:
            raise DatasetError(f"{name}: ChestMNIST labels must be N x 14, got {raw.shape}")
        return raw[:, CHESTMNIST_PNEUMOTHORAX].astype(np.int64)
    values = raw.reshape(-1).astype(np.int64)
    if task == "fundus":
        return (values >= 2).astype(np.int64)  # RetinaMNIST levels 0-4 like Kaggle DR
    if values.min() < 0 or values.max() >= get_task(task).num_classes:
        raise DatasetError(f"{name}: labels outside 0..{get_task(task).num_classes - 1}")
    return values


def load_folder(root, task: str) -> Dataset:
    """`root/<class key>/*.png|jpg|...`, e.g. `root/mel/x.jpg` for derm. Every image is its
    own group (a folder carries no patient ids)."""
    root = _require_dir(root)
    info = get_task(task)
    folders = sorted(p.name for p in root.iterdir() if p.is_dir())
    if not folders or any(name not in info.classes for name in folders):
        # the folders found are not listed: a path typed in the UI must not reveal a directory
        raise DatasetError(f"{root.name}: a folder dataset holds exactly one sub-folder per class, named "
                           f"{', '.join(info.classes)}; this folder holds other sub-folders or none")
    rows = [(str(p), info.class_index(folder), str(p))
            for folder in folders for p in sorted((root / folder).iterdir())
            if p.suffix.lower() in IMAGE_SUFFIXES]
    return _finish(task, f"folder {root.name}", rows, Counter())


def open_dataset(path: str, data_format: str, task: str):
    """The Dataset at `path` in `data_format` (ham10000, kaggle_dr, chestxray14, medmnist or
    folder); ValueError names the formats."""
    loaders = {"ham10000": load_ham10000, "kaggle_dr": load_kaggle_dr, "chestxray14": load_chestxray14,
               "medmnist": lambda p: load_medmnist(p, task), "folder": lambda p: load_folder(p, task)}
    if data_format not in loaders:
        raise ValueError(f"data_format must be one of {['synthetic', *loaders]}, got {data_format!r}")
    return loaders[data_format](path)


# ---------------------------------------------------------------------------- splits

def split_indices(dataset: Dataset, *, val: float = 0.1, test: float = 0.2,
                  seed: int = 0) -> dict[str, np.ndarray]:
    """Train/val/test indices: stratified by class, grouped (no group in two splits),
    seeded. Official splits are kept: MedMNIST's three, ChestX-ray14's test list (its
    train_val part is then split into train and val with `val` of the whole)."""
    if not (0 <= val < 1 and 0 <= test < 1 and val + test < 1):
        raise ValueError(f"val and test must be fractions summing below 1, got {val} and {test}")
    official = dataset.official_split
    if official is not None and set(official) <= set(SPLITS):
        return {name: np.flatnonzero(official == name) for name in SPLITS}
    if official is not None:  # test fixed, the rest split into train and val
        rest = np.flatnonzero(official != "test")
        inner = _grouped_split(dataset.labels[rest], dataset.groups[rest], [1 - val - test, val], seed)
        return {"train": rest[inner[0]], "val": rest[inner[1]], "test": np.flatnonzero(official == "test")}
    parts = _grouped_split(dataset.labels, dataset.groups, [1 - val - test, val, test], seed)
    return dict(zip(SPLITS, parts))


def _grouped_split(labels, groups, fractions, seed) -> list[np.ndarray]:
    """Assign whole groups to parts, stratified by each group's majority label."""
    fractions = np.asarray(fractions, float) / np.sum(fractions)
    unique, inverse = np.unique(groups.astype(str), return_inverse=True)
    group_label = np.array([np.bincount(labels[inverse == g]).argmax() for g in range(len(unique))])
    group_part = np.empty(len(unique), np.int64)
    rng = np.random.default_rng(seed)
    for label in np.unique(group_label):
        members = rng.permutation(np.flatnonzero(group_label == label))
        bounds = np.round(np.cumsum(fractions) * len(members)).astype(int)
        group_part[members] = np.searchsorted(bounds, np.arange(len(members)), side="right")
    item_part = group_part[inverse]
    return [np.flatnonzero(item_part == p) for p in range(len(fractions))]


def class_weights(labels: np.ndarray, num_classes: int) -> dict[int, float]:
    """Inverse-frequency class weights (paper section 3.3), n / (K * n_c); a class absent
    from `labels` gets weight 0."""
    counts = np.bincount(np.asarray(labels, np.int64), minlength=num_classes).astype(float)
    total = counts.sum()
    return {c: (total / (num_classes * counts[c]) if counts[c] else 0.0) for c in range(num_classes)}


# --------------------------------------------------------------------------- tf.data

def make_tf_dataset(dataset: Dataset, indices, *, size: int, batch_size: int = 32,
                    shuffle: bool = False, seed: int = 0, cache_dir=None, one_hot: bool = True):
    """A streaming tf.data pipeline of prepared (image, label) batches.

    shuffle: every epoch draws a new seeded permutation of the WHOLE split before any image is
    read (real metadata files are often grouped by class, so a bounded shuffle buffer would
    feed class-skewed epochs, above all when an epoch is a fraction of the data). Images are
    decoded and prepared in worker threads with the same `Dataset.image` used everywhere; with
    `cache_dir`, each prepared image is kept on disk after its first read, so large datasets
    never sit in memory and are decoded only once, in any order.
    """
    import tensorflow as tf

    indices = np.asarray(indices, np.int64)
    labels = dataset.labels
    num_classes = dataset.task_info.num_classes
    cache = None
    if cache_dir is not None:
        key = hashlib.sha1(f"{dataset.name}|{dataset.task}|{size}|{len(dataset)}".encode()).hexdigest()[:16]
        cache = Path(cache_dir) / f"{dataset.task}-{key}"
        cache.mkdir(parents=True, exist_ok=True)

    def load(index):
        index = int(index)
        return _cached_image(dataset, index, size, cache), labels[index]

    def load_tf(index):
        image, label = tf.numpy_function(load, [index], [tf.float32, tf.int64])
        image.set_shape((size, size, 3))
        label.set_shape(())
        return image, (tf.one_hot(label, num_classes) if one_hot else label)

    data = tf.data.Dataset.from_tensor_slices(indices)
    if shuffle:  # a full permutation of the indices (cheap: integers), new every epoch
        data = data.shuffle(len(indices), seed=seed, reshuffle_each_iteration=True)
    data = data.map(load_tf, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return data.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def _cached_image(dataset: Dataset, index: int, size: int, cache: Path | None) -> np.ndarray:
    """dataset.image(index, size), kept as .npy under `cache` after its first read."""
    if cache is None:
        return dataset.image(index, size)
    path = cache / f"{index}.npy"
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        image = dataset.image(index, size)
        from core.atomic import atomic_path

        with atomic_path(path) as temporary:
            with open(temporary, "wb") as file:
                np.save(file, image, allow_pickle=False)
        return image
