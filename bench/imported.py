"""An imported real-size model in the explorer, as ratios and seconds measured in one run.

    .venv/bin/python bench/imported.py [--format keras|onnx] [--size 224] [--steps 10]

Builds a ResNet-50 at --size px (random weights: speed does not depend on them), saves it as
a user would (a Keras .keras file), imports it (core.models.imported), then times in the
engine's own code path (core.engine.worker.handle, one Explore request per ε change):
the import, the first ε change (the model loads and compiles), and a warm ε change (an ε
nobody computed, the explorer's 10-step PGD with clean and adversarial Grad-CAM), beside one
compiled forward+backward pass of the model, so that the ε change reads as a number of passes.
The warm ε change is timed twice: to its first interim verdict (what the column shows while
PGD runs, core.engine.requests.Progress) and to its final verdict.

Issue 42's target: an imported 224 px model stays usable on this CPU.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()
    import keras

    from core.engine import worker
    from core.engine.requests import Explore, ModelRef
    from core.explore import explorer_attack
    from core.models.imported import import_model
    from core.models.zoo import checkpoint_path, read_card

    work = Path(tempfile.mkdtemp(prefix="bench-imported-"))
    model = keras.applications.ResNet50(weights=None, classes=2, input_shape=(args.size, args.size, 3))
    model.save(work / "vendor.keras")
    started = time.perf_counter()
    spec = import_model(work / "vendor.keras", task="cxr", output="softmax", preprocessing="caffe", root=work / "zoo")
    imported_s = time.perf_counter() - started
    card = read_card(checkpoint_path(spec, root=work / "zoo"))["imported"]
    ref = ModelRef.of(spec, root=work / "zoo")
    image = np.random.default_rng(0).random((args.size, args.size, 3), dtype=np.float32)
    timings, first_updates = [], []
    for epsilon in (0.01, 0.0125, 0.015):
        reports = Stamped()
        worker._PROGRESS[0] = reports  # what the app's queue would receive
        started = time.perf_counter()
        worker.handle(Explore(ref, image, epsilon, explorer_attack(args.steps), label=1))
        timings.append(time.perf_counter() - started)
        first_updates.append(reports.first - started if reports.first else float("nan"))
    pass_s = card["pass_seconds"]
    print(f"ResNet-50 at {args.size} px, imported from .keras in {imported_s:.1f} s "
          f"(checked against Keras: largest difference {card['max_probability_difference']:.1e})")
    print(f"one forward+backward pass (batch 8, per image): {pass_s * 1000:.0f} ms")
    print(f"first ε change (load + compile + {args.steps}-step PGD + 2 Grad-CAM): {timings[0]:.1f} s")
    print(f"warm ε change, best of two: {min(timings[1:]):.2f} s = {min(timings[1:]) / pass_s:.0f} passes "
          f"(a {args.steps}-step PGD is {args.steps} passes, plus the clean and adversarial maps and forwards)")
    fastest = int(np.argmin(timings[1:])) + 1
    print(f"warm ε change, first interim verdict: {first_updates[fastest]:.2f} s = "
          f"{first_updates[fastest] / timings[fastest]:.2f} of the final verdict's time")


class Stamped:
    """A stand-in for the app's progress queue: the time of the first report put on it."""

    first: float | None = None

    def put(self, report) -> None:
        self.first = self.first or time.perf_counter()


if __name__ == "__main__":
    main()
