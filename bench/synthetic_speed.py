"""Synthetic generation speed: milliseconds per image at 96 px per task, with and without
ground truth (target: about 16 ms an image at 96 px on this 2-core CPU, as the v1 generators);
saves the times with ground truth (bench/results/synthetic_speed/).

    .venv/bin/python bench/synthetic_speed.py [--n 200] [--size 96]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import record  # noqa: E402
from core.data.synthetic import generate  # noqa: E402
from core.tasks import TASKS  # noqa: E402


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--size", type=int, default=96)
    args = parser.parse_args(argv)
    print(f"{args.n} images per task at {args.size} px, {os.cpu_count()} CPU cores")
    figures = {}
    for task in TASKS:
        timings = {}
        for truth in (False, True):
            start = time.perf_counter()
            generate(task, args.n, size=args.size, seed=11, with_truth=truth)
            timings[truth] = (time.perf_counter() - start) / args.n * 1000
        print(f"  {task:7s} {timings[False]:5.1f} ms/image, with ground truth {timings[True]:5.1f} ms/image "
              f"({timings[True] / timings[False]:.2f}x)")
        figures[task] = timings[True] / 1000  # seconds an image, ground truth included
    print("saved", record.save("synthetic_speed", figures, label=f"{args.n} images a task at {args.size} px"))


if __name__ == "__main__":
    main()
