"""Wall time of whole curves from eps*: L-inf Fast Minimum Norm over one task's four demo
models (target: 200 images x 4 models < 5 min on a 2-core CPU), beside one model's strong
grid sweep on the same images, and the native loop beside foolbox's on a few images.

    .venv/bin/python bench/fmn_speed.py [--task derm] [--n 200] [--steps 100] [--no-strong]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import record  # noqa: E402
from core.attacks import fmn  # noqa: E402
from core.evaluate import PRESETS, evaluation_data, robustness_curve  # noqa: E402
from core.evaluate.minimum_norm import median_interval  # noqa: E402
from core.formatting import in_255  # noqa: E402
from core.models.zoo import all_specs, load_model  # noqa: E402
from core.tasks import TASKS  # noqa: E402


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="derm", choices=list(TASKS))
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--no-strong", action="store_true", help="skip the strong sweep of the first model")
    args = parser.parse_args(argv)
    total = 0.0
    for spec in all_specs("demo", args.task):
        model = load_model(spec)
        images, labels, _ = evaluation_data(spec, n=args.n)
        start = time.perf_counter()
        _, stars = fmn(model, images, labels, steps=args.steps)
        seconds = time.perf_counter() - start
        total += seconds
        median = median_interval(stars)
        print(f"{spec.model_id:45s} FMN {seconds:6.1f} s   median eps* {in_255(median['median']):.2f}/255 "
              f"[{in_255(median['low']):.2f}, {in_255(median['high']):.2f}]   not broken {np.isinf(stars).sum()}",
              flush=True)
    print(f"{args.task}: 4 models x {args.n} images x {args.steps} steps: {total / 60:.2f} min "
          f"({total / 300:.2f} x the 5 min target)")
    spec = all_specs("demo", args.task)[0]
    model = load_model(spec)
    images, labels, _ = evaluation_data(spec, n=args.n)
    few = slice(0, 32)
    start = time.perf_counter()
    fmn(model, images[few], labels[few], steps=args.steps)
    native = time.perf_counter() - start
    start = time.perf_counter()
    fmn(model, images[few], labels[few], steps=args.steps, engine="foolbox")
    reference = time.perf_counter() - start
    print(f"{spec.model_id}, 32 images: native {native:.1f} s, foolbox {reference:.1f} s "
          f"(foolbox / native {reference / native:.1f}x)")
    figures = {"fmn_four_models": total, "native_32": native, "foolbox_32": reference, "foolbox_ratio": reference / native}
    if not args.no_strong:
        start = time.perf_counter()
        robustness_curve(model, images, labels, epsilons=spec.task_info.epsilons, attack=PRESETS["strong"])
        strong = time.perf_counter() - start
        print(f"{spec.model_id}: strong grid sweep {strong:.0f} s for {len(spec.task_info.epsilons)} epsilons; "
              f"FMN gives every epsilon in {total / 4:.0f} s per model ({strong / (total / 4):.1f}x faster)")
        figures.update(strong_one_model=strong, strong_ratio=strong / (total / 4))
    print("saved", record.save("fmn_speed", figures, label=f"{args.task}, {args.n} images, {args.steps} steps"))


if __name__ == "__main__":
    main()
