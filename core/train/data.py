"""The data a training run sees: train/val/test splits at the model's input size."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from core.data.datasets import make_tf_dataset, open_dataset, split_indices
from core.models.spec import ModelSpec
from core.train.config import TrainConfig


@dataclass
class Splits:
    train: object  # tf.data.Dataset of (image, one-hot), repeating, shuffled
    val: object
    test_images: np.ndarray | None
    test_labels: np.ndarray
    train_labels: np.ndarray
    steps_per_epoch: int
    description: str
    test_source: object = None  # tf.data of the test split when it is streamed
    ood_sample: Callable | None = None  # () -> (train images, train labels, held-out images), bounded


OOD_TRAIN, OOD_HELD_OUT = 2000, 500  # images used for the feature-space statistics (core.ood)

# Which random flips keep an image of the task a plausible image of the same class. A dermoscopic
# lesion has no up or left, so all eight symmetries of the square (flips and a transpose); a fundus
# is a left or a right eye, mirrored left-right; a chest radiograph keeps its up (the apex, where a
# pneumothorax collects) but is mirrored left-right as CheXNet (Rajpurkar et al. 2017) trained.
FLIPS = {"derm": ("left_right", "up_down", "transpose"), "fundus": ("left_right",), "cxr": ("left_right",)}


def augmented(batches, task: str, config: TrainConfig):
    """`batches` of (image, one-hot) with each image flipped at random as FLIPS[task] allows when
    config.augment is set (seeded by config.seed through the global seed); else unchanged. The
    flips are drawn in order, one batch after another, so a seed draws the same flips in every
    run (a parallel map drew them in whichever order its threads came: one seed, several models)."""
    if not config.augment:
        return batches
    import tensorflow as tf

    flips = FLIPS.get(task, ("left_right",))

    def flip(images, labels):
        for name in flips:
            coin = tf.random.uniform([tf.shape(images)[0], 1, 1, 1]) < 0.5
            turned = {"left_right": lambda x: x[:, :, ::-1], "up_down": lambda x: x[:, ::-1],
                      "transpose": lambda x: tf.transpose(x, [0, 2, 1, 3])}[name](images)
            images = tf.where(coin, turned, images)
        return images, labels

    return batches.map(flip)  # in order: a batch's flips take well under a millisecond of its step


def load_splits(spec: ModelSpec, config: TrainConfig) -> Splits:
    """Train/val/test data for `spec` as `config` says, prepared at the model's input size."""
    import tensorflow as tf

    size, task = spec.input_size, spec.task_info
    fraction = config.fraction_for(spec.task)
    if config.data_format == "synthetic":
        from core.data import synthetic

        x_train, y_train = synthetic.split(spec.task, "train", config.synthetic_train, size=size)
        x_val, y_val = synthetic.split(spec.task, "val", config.synthetic_val, size=size)
        x_test, y_test = synthetic.split(spec.task, "test", config.synthetic_test, size=size)
        one_hot = lambda y: tf.one_hot(y, task.num_classes)  # noqa: E731
        train = (tf.data.Dataset.from_tensor_slices((x_train, one_hot(y_train)))
                 .shuffle(len(x_train), seed=config.seed).repeat().batch(config.batch_size))
        train = augmented(train, spec.task, config)
        val = tf.data.Dataset.from_tensor_slices((x_val, one_hot(y_val))).batch(config.batch_size)
        steps = math.ceil(fraction * len(x_train) / config.batch_size)
        return Splits(train, val, x_test, y_test, y_train, steps,
                      f"synthetic {spec.task} ({len(x_train)}/{len(x_val)}/{len(x_test)})",
                      ood_sample=lambda: (x_train[:OOD_TRAIN], y_train[:OOD_TRAIN], x_val[:OOD_HELD_OUT]))
    dataset = open_dataset(config.data, config.data_format, spec.task)
    if dataset.task != spec.task:
        raise ValueError(f"{config.data} holds {dataset.task} data, but the model is for {spec.task}")
    parts = split_indices(dataset, val=config.val_fraction, test=config.test_fraction,
                           seed=config.data_split_seed)
    stream = lambda idx, shuffle: make_tf_dataset(  # noqa: E731
        dataset, idx, size=size, batch_size=config.batch_size, shuffle=shuffle, seed=config.seed,
        cache_dir=config.cache_dir)
    train = augmented(stream(parts["train"], True).repeat(), spec.task, config)
    steps = max(1, math.ceil(fraction * len(parts["train"]) / config.batch_size))
    def ood_sample():
        rng = np.random.default_rng(config.seed)
        chosen = rng.permutation(parts["train"])[:OOD_TRAIN]
        held_out = rng.permutation(parts["val"])[:OOD_HELD_OUT]
        return (np.stack([dataset.image(int(i), size) for i in chosen]), dataset.labels[chosen],
                np.stack([dataset.image(int(i), size) for i in held_out]))

    return Splits(train, stream(parts["val"], False), None, dataset.labels[parts["test"]],
                  dataset.labels[parts["train"]], steps,
                  f"{dataset.name} ({len(parts['train'])}/{len(parts['val'])}/{len(parts['test'])})",
                  test_source=stream(parts["test"], False), ood_sample=ood_sample)
