"""The streaming tf.data pipeline that feeds training (TensorFlow imported on use)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from core.data.datasets.base import Dataset


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
