"""Wall time of a "strong" robustness sweep: one task's four demo models on the synthetic
test split (target < 10 min on a 2-core CPU), with the per-attack breakdown.

    .venv/bin/python bench/strong_sweep.py [--task cxr] [--n 200] [--checks]

Progress is printed as it goes; Ctrl-C cancels between attacks.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.evaluate.checks import robustness_checks  # noqa: E402
from core.evaluate import CHECK_IMAGES, PRESETS, evaluation_data, robustness_curve  # noqa: E402
from core.models.zoo import all_specs, load_model  # noqa: E402
from core.tasks import TASKS  # noqa: E402


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="cxr", choices=list(TASKS))
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--checks", action="store_true", help="also time the checks (first 64 images)")
    args = parser.parse_args(argv)
    total_start = time.perf_counter()
    for spec in all_specs("demo", args.task):
        model = load_model(spec)
        images, labels, _ = evaluation_data(spec, n=args.n)
        start = time.perf_counter()

        def progress(done, total, spec=spec, start=start):
            elapsed = time.perf_counter() - start
            print(f"\r  {spec.model_id}: {done / total:5.1%} after {elapsed:5.0f} s", end="", flush=True)

        rows = robustness_curve(model, images, labels, epsilons=spec.task_info.epsilons,
                                attack=PRESETS["strong"], progress=progress)
        sweep = time.perf_counter() - start
        line = f"\r{spec.model_id:45s} sweep {sweep:6.0f} s"
        if args.checks:
            checked = time.perf_counter()
            robustness_checks(model, images[:CHECK_IMAGES], labels[:CHECK_IMAGES],
                              epsilons=spec.task_info.epsilons, curve=rows)
            line += f"   checks {time.perf_counter() - checked:6.0f} s"
        print(line + "   robust: " + " ".join(f"{r['accuracy']:.2f}" for r in rows), flush=True)
    total = time.perf_counter() - total_start
    print(f"{args.task}: 4 models x {args.n} images, strong protocol: {total / 60:.1f} min "
          f"({total / 600:.2f} x the 10 min target)")


if __name__ == "__main__":
    main()
