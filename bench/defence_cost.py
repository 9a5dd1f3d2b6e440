"""What adversarial training costs, as ratios measured in one run.

    .venv/bin/python bench/defence_cost.py [--task cxr] [--backbone resnet50] [--steps 7]

Trains the same demo model for a few epochs on the same synthetic images three ways —
standard, PGD-AT and TRADES with `--steps` inner steps — and prints each epoch's median time
and its ratio to a standard epoch. Bound: PGD-AT at most steps + 1 (each inner step is one
forward and backward pass, then the training step), TRADES at most steps + 2 (it also runs the
clean batch through the model). An inner step costs less than a training step (inference mode,
the gradient to the input only, no optimiser): measured 4.2 x and 4.5 x with 7 steps on the
demo ResNet here (2 cores, under load).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from bench import record  # noqa: E402
from core.data import synthetic  # noqa: E402
from core.models.spec import ModelSpec  # noqa: E402
from core.models.zoo import build_model  # noqa: E402
from core.train.config import TrainConfig  # noqa: E402
from core.train.defence import attach  # noqa: E402


class EpochTimer(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self.started)


def epoch_time(spec: ModelSpec, images, labels, defence: str, steps: int, epochs: int) -> float:
    """Median epoch time after the first (which traces the step)."""
    keras.utils.set_random_seed(0)
    model = build_model(spec)
    model.compile(optimizer=keras.optimizers.Adam(0.01, epsilon=0.1), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    attach(model, TrainConfig(defence=defence, defence_epsilon=0.02, defence_steps=steps))
    timer = EpochTimer()
    timer.times = []
    model.fit(images, keras.utils.to_categorical(labels, spec.task_info.num_classes), batch_size=32,
              epochs=epochs + 1, verbose=0, callbacks=[timer])
    return float(np.median(timer.times[1:]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="cxr")
    parser.add_argument("--backbone", default="resnet50")
    parser.add_argument("--steps", type=int, default=7)
    parser.add_argument("--images", type=int, default=256)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    spec = ModelSpec(args.task, args.backbone, True)
    images, labels = synthetic.split(args.task, "train", args.images, size=spec.input_size)
    times = {d: epoch_time(spec, images, labels, d, args.steps, args.epochs) for d in ("none", "pgd-at", "trades")}
    print(f"{spec.model_id}, {args.images} images, batch 32, {args.steps} inner steps (median of {args.epochs} epochs)")
    for defence, seconds in times.items():
        print(f"  {defence:7s} {seconds:7.2f} s/epoch   {seconds / times['none']:5.2f} x standard")
    print(f"  bound: PGD-AT <= {args.steps + 1} x, TRADES <= {args.steps + 2} x")
    figures = {**{f"epoch_{d}": s for d, s in times.items()},
               "pgdat_ratio": times["pgd-at"] / times["none"], "trades_ratio": times["trades"] / times["none"]}
    print("saved", record.save("defence_cost", figures,
                               label=f"{spec.model_id}, {args.images} images, {args.steps} inner steps"))


if __name__ == "__main__":
    main()
