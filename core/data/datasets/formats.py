"""Loaders of the paper's datasets in their real on-disk formats, and of MedMNIST and
folder-per-class data (see the package docstring for the table)."""

from __future__ import annotations

import csv
import os
import zipfile
import zlib
from collections import Counter
from pathlib import Path

import numpy as np

from core.data.datasets.base import IMAGE_SUFFIXES, SPLITS, Dataset, DatasetError
from core.data.paths import NotRegularFileError, confined, regular_file
from core.tasks import get_task


def _read_csv(path: Path, required: set[str]) -> list[dict]:
    try:
        regular_file(path, what="CSV file")
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
    except NotRegularFileError as error:
        raise DatasetError(str(error)) from None


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
    official_test = set(test_list.read_text(errors="replace").split()) if test_list.is_file() else None
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
        items, labels, splits = _read_medmnist(regular_file(path, what=".npz file"), task)
    except FileNotFoundError:
        raise DatasetError(f"no MedMNIST file at {path}") from None
    except NotRegularFileError as error:
        raise DatasetError(str(error)) from None
    except DatasetError:
        raise
    except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as error:
        raise DatasetError(f"{path.name} is not a readable .npz file ({type(error).__name__}: {error}); "
                           "download it again") from None
    labels = np.asarray(labels, np.int64)
    groups = np.arange(len(labels)).astype(object)  # MedMNIST ships no patient ids
    return Dataset(task, f"MedMNIST ({path.name})", items, labels, groups, np.asarray(splits, object), {})


MAX_NPZ_MEMBER_BYTES = 4 * 2**30  # one array of a MedMNIST file: ChestMNIST at 128 px is 1.8 GB


def _read_medmnist(path: Path, task: str) -> tuple[list, list, list]:
    """Images, labels and split names of a MedMNIST .npz; each array's size is checked from the
    archive's directory before it is inflated (a small .npz can hold a huge array of zeros)."""
    archive = np.load(path, allow_pickle=False)
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise DatasetError(f"{path.name} holds one NumPy array (a .npy file), not a MedMNIST archive of "
                           "train/val/test images and labels; is it renamed?")
    items, labels, splits = [], [], []
    with archive:
        for split in SPLITS:
            if f"{split}_images" not in archive or f"{split}_labels" not in archive:
                raise DatasetError(f"{path.name} lacks '{split}_images'/'{split}_labels'; "
                                   "is it a MedMNIST file?")
            for key in (f"{split}_images", f"{split}_labels"):
                size = archive.zip.getinfo(f"{key}.npy").file_size
                if size > MAX_NPZ_MEMBER_BYTES:
                    raise DatasetError(f"{path.name}: '{key}' inflates to {size / 2**30:.1f} GiB, over our limit of "
                                       f"{MAX_NPZ_MEMBER_BYTES // 2**30} GiB per array")
            images, raw = archive[f"{split}_images"], np.asarray(archive[f"{split}_labels"])
            if images.ndim not in (3, 4) or images.dtype.kind not in "uif" or (images.ndim == 4 and
                                                                                images.shape[-1] not in (1, 3)):
                raise DatasetError(f"{path.name}: '{split}_images' is an array of shape {images.shape} and type "
                                   f"{images.dtype}, not N grey or RGB images")
            split_labels = _medmnist_labels(raw, task, path.name)
            if len(split_labels) != len(images):
                raise DatasetError(f"{path.name}: {len(images)} {split} images but {len(split_labels)} labels")
            items.extend(list(images.astype(np.uint8)))
            labels.extend(split_labels)
            splits.extend([split] * len(images))
    return items, labels, splits


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


# The files each format opens besides its images (and MedMNIST's one .npz, the path itself).
METADATA_FILES = {"ham10000": ("HAM10000_metadata.csv",), "kaggle_dr": ("trainLabels.csv",),
                  "chestxray14": (*CXR14_CSV_NAMES, "test_list.txt"), "medmnist": (), "folder": ()}


def open_dataset(path: str, data_format: str, task: str, *, root: Path | None = None):
    """The Dataset at `path` in `data_format` (ham10000, kaggle_dr, chestxray14, medmnist or
    folder); ValueError names the formats. With `root` (the app's data folder), every file it
    opens must lie inside it, links followed: a metadata file that leads outside is refused,
    an image that does is left out and counted in `skipped`."""
    loaders = {"ham10000": load_ham10000, "kaggle_dr": load_kaggle_dr, "chestxray14": load_chestxray14,
               "medmnist": lambda p: load_medmnist(p, task), "folder": lambda p: load_folder(p, task)}
    if data_format not in loaders:
        raise ValueError(f"data_format must be one of {['synthetic', *loaders]}, got {data_format!r}")
    if root is None:
        return loaders[data_format](path)
    folder = confined(path, root=root)
    for name in METADATA_FILES[data_format]:
        if os.path.lexists(folder / name):
            confined(folder / name, root=root)
    return _inside(loaders[data_format](folder), root)


def _inside(dataset: Dataset, root: Path) -> Dataset:
    """`dataset` without the image files that lead outside `root` (counted in skipped)."""
    from dataclasses import replace

    keep = []
    for index, item in enumerate(dataset.items):
        try:
            if isinstance(item, str):
                confined(item, root=root)
            keep.append(index)
        except ValueError:
            continue
    if len(keep) == len(dataset.items):
        return dataset
    if not keep:
        raise DatasetError(f"{dataset.name}: every image leads outside the data folder; copy the images into it")
    pick = np.asarray(keep)
    skipped = {**dataset.skipped, "outside the data folder": len(dataset.items) - len(keep)}
    return replace(dataset, items=[dataset.items[i] for i in keep], labels=dataset.labels[pick],
                   groups=dataset.groups[pick],
                   official_split=None if dataset.official_split is None else dataset.official_split[pick],
                   skipped=skipped)
