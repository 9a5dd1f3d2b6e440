"""Saliency speed: one image through the four demo models of a task, per method, warm
(targets: Score-CAM and Integrated Gradients under 1 s each, batched).

    .venv/bin/python bench/explain_speed.py [--task derm] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.data import synthetic  # noqa: E402
from core.explain import METHODS  # noqa: E402
from core.models.zoo import all_specs, load_model  # noqa: E402
from core.tasks import TASKS  # noqa: E402


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="derm", choices=list(TASKS))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    models = [load_model(spec) for spec in all_specs("demo", args.task)]
    image, _ = synthetic.split(args.task, "test", 1, size=96)
    print(f"{args.task}: one image through {len(models)} demo models, {os.cpu_count()} CPU cores, warm")
    for name, method in METHODS.items():
        for model in models:  # warm-up: trace once
            method.fn(model, image)
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            for model in models:
                method.fn(model, image)
            times.append(time.perf_counter() - start)
        target = "  (target < 1 s)" if name in ("score_cam", "integrated_gradients", "integrated_gradients_blur") else ""
        print(f"  {method.title:42s} {min(times) * 1e3:7.0f} ms{target}")


if __name__ == "__main__":
    main()
