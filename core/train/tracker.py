"""The training callback: progress events, cancel, best-checkpointing, resume state, early stopping."""

from __future__ import annotations

import math
import time
from dataclasses import asdict
from pathlib import Path

import keras
import numpy as np

from core.atomic import atomic_path, write_json
from core.jobs import Cancelled
from core.train.distribute import is_chief


def resume_path(checkpoint: Path) -> Path:
    """The full training state (model + optimizer) saved after every epoch, for resume."""
    return checkpoint.with_name(checkpoint.stem + ".resume.keras")


class Tracker(keras.callbacks.Callback):
    """Progress events, cancel, best-checkpointing, resume state and early stopping."""

    def __init__(self, spec, config, data, path, root, history, init, progress, cancel, *,
                 best=math.inf, wait=0, best_epoch=None):
        super().__init__()
        self.spec, self.config, self.data, self.path, self.root = spec, config, data, path, root
        self.history, self.init, self.on_progress, self.should_cancel = history, init, progress, cancel
        self.best, self.wait, self.best_epoch, self.cancelled = best, wait, best_epoch, False
        # what early stopping and the kept checkpoint follow: a defended model's robust validation loss
        self.monitor = "val_loss" if config.defence == "none" else "val_robust_loss"
        self.chief = is_chief()
        self.started = time.monotonic()
        self.epoch_times: list[float] = []
        self.last_emit = 0.0

    def _emit(self, **event):
        if self.on_progress is not None and self.chief:
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
        logs.setdefault("learning_rate", float(self.model.optimizer.learning_rate.numpy()))  # the epoch's rate
        if self.monitor == "val_robust_loss":
            from core.train.defence import robust_validation_loss

            logs["val_robust_loss"] = robust_validation_loss(self.model, self.data.val, self.config)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)
        self.epoch_times.append(time.monotonic() - self.epoch_started)
        improved = logs[self.monitor] < self.best - self.config.min_delta
        if improved:
            self.best, self.wait, self.best_epoch = logs[self.monitor], 0, epoch + 1
            if self.chief:
                save_checkpoint(self.model, self.spec, root=self.root, card=self.card(status="training"))
        else:
            self.wait += 1
            self._decay_learning_rate()
        if self.chief:
            self._save_state(epoch + 1)
        self._emit(phase="epoch", epoch=epoch + 1, step=self.data.steps_per_epoch, improved=improved,
                   history=self.history,
                   eta_s=round(self._eta(float(np.mean(self.epoch_times)), self.data.steps_per_epoch), 1),
                   **logs)
        if self.wait >= self.config.patience:  # as Keras' EarlyStopping(restore_best_weights=True):
            self.model.stop_training = True     # the best weights are reloaded from the checkpoint

    def _decay_learning_rate(self) -> None:
        """Keras' ReduceLROnPlateau, counted on early stopping's own patience counter: every
        lr_decay_patience epochs without improvement, learning rate x lr_decay_factor."""
        every = self.config.lr_decay_patience
        if every and self.wait % every == 0:
            rate = self.model.optimizer.learning_rate
            rate.assign(float(rate.numpy()) * self.config.lr_decay_factor)

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
                "best_val_loss": None if math.isinf(self.best) else self.best, "monitor": self.monitor}
        if metrics is not None:
            card["metrics"] = metrics
        return card
