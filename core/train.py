"""Training as the paper did it (section 3.3), for any model of the zoo.

    python -m core.train --task derm --backbone resnet50 --attention          one model
    python -m core.train --demo-zoo                                            the 12 demo models

Defaults are the paper's: Adam(lr 0.01, epsilon 0.1), categorical cross-entropy, class
weights inverse to class frequency, at most 300 epochs, early stopping on validation loss
(patience 40, min_delta 0.001, best weights restored), and derm sees 10 % of its training
set per epoch. Every value can be overridden; the config is saved in the checkpoint card
with the history and the final metrics. The best model so far is checkpointed atomically
after every improving epoch, so a killed run leaves a loadable model; `resume=True` picks
up a run from its last finished epoch.
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Callable

import keras
import numpy as np

from core.atomic import atomic_path, write_json
from core.data.datasets import class_weights, make_tf_dataset, open_dataset, split_indices
from core.jobs import Cancelled, ProgressWriter, run_cli
from core.models.backbones import PROFILES
from core.models.spec import ModelSpec, all_specs

PAPER_EPOCH_FRACTION = {"derm": 0.1}  # section 3.3: derm sees 10 % of its data per epoch


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a training run. Defaults: the paper, section 3.3."""

    learning_rate: float = 0.01  # Adam eta
    adam_epsilon: float = 0.1  # Adam epsilon
    max_epochs: int = 300
    patience: int = 40  # early stopping on validation loss
    min_delta: float = 0.001
    epoch_fraction: float | None = None  # share of the training set per epoch; None: paper's per task
    class_weighting: bool = True  # inverse-frequency class weights
    batch_size: int = 32
    seed: int = 0
    # data: "synthetic", or a dataset path with its format
    data: str = "synthetic"
    data_format: str = "synthetic"  # synthetic | ham10000 | kaggle_dr | chestxray14 | medmnist | folder
    synthetic_train: int = 1400  # images per split of the synthetic demo data
    synthetic_val: int = 300
    synthetic_test: int = 400
    val_fraction: float = 0.1  # real datasets without an official split
    test_fraction: float = 0.2
    weights: str | None = None  # backbone init: None, "imagenet" or a no-top weights file
    cache_dir: str | None = None  # on-disk cache of prepared images (real datasets)

    def __post_init__(self):
        checks = {
            "learning_rate": self.learning_rate > 0, "adam_epsilon": self.adam_epsilon > 0,
            "max_epochs": self.max_epochs >= 1, "patience": self.patience >= 0,
            "min_delta": self.min_delta >= 0, "batch_size": self.batch_size >= 1,
            "epoch_fraction": self.epoch_fraction is None or 0 < self.epoch_fraction <= 1,
            "synthetic_train": self.synthetic_train >= 2, "synthetic_val": self.synthetic_val >= 2,
            "synthetic_test": self.synthetic_test >= 1,
        }
        for name, ok in checks.items():
            if not ok:
                raise ValueError(f"{name} is out of range: got {getattr(self, name)!r}")

    def fraction_for(self, task: str) -> float:
        if self.epoch_fraction is not None:
            return self.epoch_fraction
        return PAPER_EPOCH_FRACTION.get(task, 1.0)


# The bundled demo zoo: the paper's optimiser and weighting, fewer epochs for a 2-core CPU.
DEMO_ZOO_CONFIG = TrainConfig(max_epochs=30, patience=6, epoch_fraction=1.0)


# ------------------------------------------------------------------------------ data

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
        val = tf.data.Dataset.from_tensor_slices((x_val, one_hot(y_val))).batch(config.batch_size)
        steps = math.ceil(fraction * len(x_train) / config.batch_size)
        return Splits(train, val, x_test, y_test, y_train, steps,
                      f"synthetic {spec.task} ({len(x_train)}/{len(x_val)}/{len(x_test)})",
                      ood_sample=lambda: (x_train[:OOD_TRAIN], y_train[:OOD_TRAIN], x_val[:OOD_HELD_OUT]))
    dataset = open_dataset(config.data, config.data_format, spec.task)
    if dataset.task != spec.task:
        raise ValueError(f"{config.data} holds {dataset.task} data, but the model is for {spec.task}")
    parts = split_indices(dataset, val=config.val_fraction, test=config.test_fraction, seed=config.seed)
    stream = lambda idx, shuffle: make_tf_dataset(  # noqa: E731
        dataset, idx, size=size, batch_size=config.batch_size, shuffle=shuffle, seed=config.seed,
        cache_dir=config.cache_dir)
    train = stream(parts["train"], True).repeat()
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


# -------------------------------------------------------------------------- training

def _strategy():
    """MirroredStrategy over all GPUs when there are several, else the default."""
    import tensorflow as tf

    gpus = tf.config.list_logical_devices("GPU")
    return tf.distribute.MirroredStrategy() if len(gpus) > 1 else tf.distribute.get_strategy()


def resume_path(checkpoint: Path) -> Path:
    """The full training state (model + optimizer) saved after every epoch, for resume."""
    return checkpoint.with_name(checkpoint.stem + ".resume.keras")


def train(spec: ModelSpec, config: TrainConfig = TrainConfig(), *, root="checkpoints",
          progress: Callable[[dict], None] | None = None,
          cancel: Callable[[], bool] | None = None, resume: bool = False) -> dict:
    """Train `spec` with `config`; returns the final card (metrics, history, paths).

    progress(event) receives dicts with phase, epoch, epochs, step, steps, loss, accuracy,
    val_loss, val_accuracy, elapsed_s and eta_s. cancel() returning True stops the run
    after the current batch; the best checkpoint saved so far stays on disk.
    """
    from core.models.zoo import build_model, checkpoint_path, load_checkpoint, save_checkpoint, sweep_temporaries

    path = checkpoint_path(spec, root=root)
    state_path = resume_path(path)
    state = _read_state(state_path) if resume else None
    if resume and state is None:
        raise ValueError(_nothing_to_resume(spec, path))
    sweep_temporaries(spec, root=root)  # one job per model: no write of it is running now
    keras.utils.set_random_seed(config.seed)
    data = load_splits(spec, config)
    with _strategy().scope():
        if state is not None:
            model = keras.models.load_model(state_path, safe_mode=True)
        else:
            model = build_model(spec, weights=config.weights)
            model.compile(optimizer=keras.optimizers.Adam(config.learning_rate, epsilon=config.adam_epsilon),
                          loss="categorical_crossentropy", metrics=["accuracy"])
    init = getattr(model, "backbone_init", state["init"] if state else "unknown")
    weights = class_weights(data.train_labels, spec.task_info.num_classes) if config.class_weighting else None
    history = state["history"] if state else {}
    tracker = _Tracker(spec, config, data, path, root, history, init, progress, cancel,
                       **({k: state[k] for k in ("best", "wait", "best_epoch")} if state else {}))
    cancelled = False
    try:
        model.fit(data.train, validation_data=data.val, epochs=config.max_epochs,
                  initial_epoch=state["epoch"] if state else 0, steps_per_epoch=data.steps_per_epoch,
                  class_weight=weights, callbacks=[tracker], shuffle=False, verbose=0)
    except Cancelled:
        cancelled = True
    cancelled = cancelled or tracker.cancelled
    if not path.is_file():  # no finished epoch: nothing to report
        return {"status": "cancelled" if cancelled else "failed", "checkpoint": None}
    best = load_checkpoint(path)  # the best weights, as saved (early stopping restores these)
    metrics = _final_metrics(best, data, spec)
    if data.ood_sample is not None:
        from core import ood

        train_images, train_labels, held_out = data.ood_sample()
        ood.save(ood.fit(best, train_images, train_labels, held_out), path)
    card = tracker.card(status="cancelled" if cancelled else "done", metrics=metrics)
    save_checkpoint(best, spec, root=root, card=card)
    if not cancelled:  # finished: nothing to resume
        state_path.unlink(missing_ok=True)
        state_path.with_suffix(".json").unlink(missing_ok=True)
    return {**card, "checkpoint": str(path)}


def _nothing_to_resume(spec: ModelSpec, path: Path) -> str:
    """Why --resume cannot continue, said so that nothing good is overwritten by accident."""
    from core.models.zoo import CheckpointError, read_card

    try:
        status = read_card(path).get("status") if path.is_file() else None
    except CheckpointError:
        status = None
    if status == "done":
        return (f"{spec.model_id} already finished training; there is nothing to resume. To train it again "
                "from scratch, run without --resume (this replaces its checkpoint) or delete it first")
    return (f"{spec.model_id} has no interrupted run to resume (no {resume_path(path).name}); "
            "run without --resume to start one")


def _final_metrics(model, data: Splits, spec: ModelSpec) -> dict:
    from core.attacks import predict

    if data.test_images is not None:
        predictions = predict(model, data.test_images).argmax(axis=1)
    else:
        predictions = np.concatenate([predict(model, x.numpy()).argmax(axis=1) for x, _ in data.test_source])
    labels = np.asarray(data.test_labels)
    per_class = {spec.task_info.classes[c]: float((predictions[labels == c] == c).mean())
                 for c in range(spec.task_info.num_classes) if (labels == c).any()}
    return {"clean_accuracy": float((predictions == labels).mean()), "test_images": int(len(labels)),
            "per_class_accuracy": per_class}


def _read_state(state_path: Path) -> dict | None:
    card = state_path.with_suffix(".json")
    if not state_path.is_file() or not card.is_file():
        return None
    import json

    return json.loads(card.read_text())


class _Tracker(keras.callbacks.Callback):
    """Progress events, cancel, best-checkpointing, resume state and early stopping."""

    def __init__(self, spec, config, data, path, root, history, init, progress, cancel, *,
                 best=math.inf, wait=0, best_epoch=None):
        super().__init__()
        self.spec, self.config, self.data, self.path, self.root = spec, config, data, path, root
        self.history, self.init, self.on_progress, self.should_cancel = history, init, progress, cancel
        self.best, self.wait, self.best_epoch, self.cancelled = best, wait, best_epoch, False
        self.started = time.monotonic()
        self.epoch_times: list[float] = []
        self.last_emit = 0.0

    def _emit(self, **event):
        if self.on_progress is not None:
            self.on_progress({"epochs": self.config.max_epochs, "steps": self.data.steps_per_epoch,
                              "elapsed_s": round(time.monotonic() - self.started, 1), **event})

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch, self.epoch_started = epoch, time.monotonic()

    def on_train_batch_end(self, batch, logs=None):
        if self.should_cancel is not None and self.should_cancel():
            self.cancelled = True
            self.model.stop_training = True
            raise Cancelled()
        now = time.monotonic()
        if now - self.last_emit >= 0.5:
            self.last_emit = now
            per_step = (now - self.epoch_started) / (batch + 1)
            self._emit(phase="train", epoch=self.epoch + 1, step=batch + 1,
                       loss=float(logs.get("loss", np.nan)), accuracy=float(logs.get("accuracy", np.nan)),
                       eta_s=round(self._eta(per_step * self.data.steps_per_epoch, batch + 1), 1))

    def _eta(self, epoch_seconds: float, steps_done: int) -> float:
        """Seconds to max_epochs at the current pace (early stopping usually ends sooner)."""
        remaining_epochs = self.config.max_epochs - self.epoch - 1
        left_in_epoch = epoch_seconds * (1 - steps_done / self.data.steps_per_epoch)
        return left_in_epoch + remaining_epochs * epoch_seconds

    def on_epoch_end(self, epoch, logs=None):
        from core.models.zoo import save_checkpoint

        logs = {k: float(v) for k, v in (logs or {}).items()}
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)
        self.epoch_times.append(time.monotonic() - self.epoch_started)
        improved = logs["val_loss"] < self.best - self.config.min_delta
        if improved:
            self.best, self.wait, self.best_epoch = logs["val_loss"], 0, epoch + 1
            save_checkpoint(self.model, self.spec, root=self.root, card=self.card(status="training"))
        else:
            self.wait += 1
        self._save_state(epoch + 1)
        self._emit(phase="epoch", epoch=epoch + 1, step=self.data.steps_per_epoch, improved=improved,
                   history=self.history,
                   eta_s=round(self._eta(float(np.mean(self.epoch_times)), self.data.steps_per_epoch), 1),
                   **logs)
        if self.wait >= self.config.patience:  # as Keras' EarlyStopping(restore_best_weights=True):
            self.model.stop_training = True     # the best weights are reloaded from the checkpoint

    def _save_state(self, epochs_done: int) -> None:
        state = resume_path(self.path)
        with atomic_path(state) as temporary:
            self.model.save(temporary)
        write_json(state.with_suffix(".json"), {"epoch": epochs_done, "best": self.best, "wait": self.wait,
                                                "best_epoch": self.best_epoch, "history": self.history,
                                                "init": self.init})

    def card(self, *, status: str, metrics: dict | None = None) -> dict:
        card = {"status": status, "config": asdict(self.config), "history": self.history,
                "data": self.data.description, "backbone_init": self.init,
                "epochs_trained": len(self.history.get("loss", [])), "best_epoch": self.best_epoch,
                "best_val_loss": None if math.isinf(self.best) else self.best}
        if metrics is not None:
            card["metrics"] = metrics
        return card


# ------------------------------------------------------------------------------- CLI

def add_config_arguments(parser: argparse.ArgumentParser, defaults: TrainConfig) -> None:
    """One --option per TrainConfig field (--learning-rate 0.01 ...), typed by its default."""
    for f in fields(TrainConfig):
        default = getattr(defaults, f.name)
        flag = "--" + f.name.replace("_", "-")
        if isinstance(default, bool):
            parser.add_argument(flag, type=lambda v: v.lower() in ("1", "true", "yes"), default=None,
                                metavar="BOOL")
        else:
            kind = type(default) if default is not None else (float if f.name == "epoch_fraction" else str)
            parser.add_argument(flag, type=kind, default=None, metavar=kind.__name__.upper())


def config_from_arguments(args, base: TrainConfig) -> TrainConfig:
    """`base` with every option the user gave on the command line."""
    given = {f.name: getattr(args, f.name) for f in fields(TrainConfig) if getattr(args, f.name) is not None}
    return replace(base, **given)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.train", description="Train zoo models "
                                     "(defaults: the paper's recipe, section 3.3).")
    parser.add_argument("--task", choices=["derm", "fundus", "cxr"])
    parser.add_argument("--backbone", choices=["resnet50", "inception_resnet_v2"])
    parser.add_argument("--attention", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--profile", choices=list(PROFILES), default="demo")
    parser.add_argument("--demo-zoo", action="store_true",
                        help="train the 12 demo models with DEMO_ZOO_CONFIG (the bundled zoo)")
    parser.add_argument("--root", default="checkpoints", help="checkpoint folder (default: the repo's)")
    parser.add_argument("--resume", action="store_true", help="continue from the last finished epoch")
    parser.add_argument("--progress-file", type=Path, help="write progress JSON here (for jobs)")
    parser.add_argument("--cancel-file", type=Path, help="stop cleanly when this file appears")
    add_config_arguments(parser, TrainConfig())
    args = parser.parse_args(argv)
    if args.demo_zoo:
        specs, base = all_specs("demo"), DEMO_ZOO_CONFIG
    elif args.task and args.backbone:
        specs, base = [ModelSpec(args.task, args.backbone, args.attention, args.profile)], TrainConfig()
    else:
        parser.error("give --task and --backbone, or --demo-zoo")
    config = config_from_arguments(args, base)
    writer = ProgressWriter(args.progress_file)
    cancel = (lambda: args.cancel_file.exists()) if args.cancel_file else None
    for index, spec in enumerate(specs, start=1):
        print(f"[{index}/{len(specs)}] {spec.model_id}", flush=True)

        def progress(event, spec=spec):
            writer.update(model=spec.model_id, **event)
            if event["phase"] == "epoch":
                print(f"  epoch {event['epoch']:3d}  loss {event['loss']:.4f}  acc {event['accuracy']:.3f}  "
                      f"val_loss {event['val_loss']:.4f}  val_acc {event['val_accuracy']:.3f}  "
                      f"{event['elapsed_s']:.0f}s", flush=True)

        card = train(spec, config, root=args.root, progress=progress, cancel=cancel, resume=args.resume)
        metrics = card.get("metrics", {})
        print(f"  {card['status']}: test accuracy {metrics.get('clean_accuracy', float('nan')):.3f} "
              f"after {card.get('epochs_trained', 0)} epochs -> {card['checkpoint']}", flush=True)
        if card["status"] == "cancelled":
            writer.finish("cancelled", message="cancelled by the user")
            return 0
    writer.finish("done", message=f"trained {len(specs)} model(s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))
