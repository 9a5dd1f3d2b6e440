"""Train/val/test splits that never put a lesion or patient in two splits, and the paper's
inverse-frequency class weights."""

from __future__ import annotations

import numpy as np

from core.data.datasets.base import SPLITS, Dataset


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
