"""The test images a model is evaluated on: the split its training held out."""

from __future__ import annotations

from dataclasses import fields

import numpy as np

from core.models.spec import ModelSpec
from core.models.zoo import CheckpointError, checkpoint_path, read_card


class LazyImages:
    """A test set's images, read only when a slice is asked for (one shard, the checks' first
    images), so a 20,000-image split never sits in memory at once. Sliced like an array."""

    def __init__(self, dataset, indices, size: int):
        self.dataset, self.indices, self.size = dataset, np.asarray(indices), size

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, key) -> np.ndarray:
        if not isinstance(key, slice):
            raise TypeError("LazyImages takes a slice, e.g. images[0:50]")
        chosen = self.indices[key]
        if not len(chosen):
            return np.zeros((0, self.size, self.size, 3), np.float32)
        return np.stack([self.dataset.image(int(i), self.size) for i in chosen])


def training_config(spec: ModelSpec, root=None):
    """The TrainConfig saved in the model's card, if there is one."""
    from core.train import TrainConfig

    try:
        saved = read_card(checkpoint_path(spec, root=root)).get("config", {})
    except CheckpointError:
        return None
    known = {f.name for f in fields(TrainConfig)}
    return TrainConfig(**{k: v for k, v in saved.items() if k in known})


def evaluation_data(spec: ModelSpec, *, data: str = "synthetic", data_format: str = "synthetic",
                    n: int | None = None, config=None, lazy: bool = False,
                    split: str = "test") -> tuple[np.ndarray, np.ndarray, str]:
    """(images, labels, description) of the test split (or `split`: "val", where a universal
    patch is learnt), the first `n` images; with `lazy`, a real dataset's images come as
    LazyImages (read shard by shard).

    `config` (a TrainConfig, default: the model card's, else the defaults) fixes the split
    fractions and seed, so a real dataset's test split is the one training held out.
    """
    from core.data.datasets import open_dataset, split_indices
    from core.train import TrainConfig

    config = config or training_config(spec) or TrainConfig()
    if data_format == "synthetic":
        from core.data import synthetic

        images, labels = synthetic.split(spec.task, split, n or config.synthetic_test, size=spec.input_size)
        description = synthetic.split_description(spec.task)
        return images, labels, description if split == "test" else description.replace("test split", f"{split} split")
    dataset = open_dataset(data, data_format, spec.task)
    indices = split_indices(dataset, val=config.val_fraction, test=config.test_fraction,
                           seed=config.data_split_seed)[split]
    indices = indices[:n] if n else indices
    images = LazyImages(dataset, indices, spec.input_size)
    return (images if lazy else images[:]), dataset.labels[indices], f"{dataset.name} {split} split"
