"""A dataset as the loaders return it: items, labels and leak-free groups."""

from __future__ import annotations

from dataclasses import dataclass, field

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
