"""Robustness sweeps: images/s of one process vs Ray with 2 workers on the same sweep, in one
run (goal >= 1.6x on a 2-core machine for the demo zoo), and the cost model of a sweep.

    .venv/bin/python bench/scale.py [--task cxr] [--n 100] [--steps 40]

The sweep: the task's 4 demo models, the paper's PGD (40 steps) at every epsilon of the grid,
every image attacked at every epsilon (so the work is fixed: n x epsilons x steps passes).
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

from core.evaluate import custom_pgd, evaluation_data  # noqa: E402
from core.evaluate.curve import sweep_shards  # noqa: E402
from bench import record  # noqa: E402
from core.models.zoo import all_specs, load_model  # noqa: E402
from core.tasks import TASKS  # noqa: E402


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="cxr", choices=list(TASKS))
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    specs = all_specs("demo", args.task)
    attack = custom_pgd(steps=args.steps)
    grid = specs[0].task_info.epsilons
    data = {spec: evaluation_data(spec, n=args.n)[:2] for spec in specs}
    passes = len(specs) * args.n * (len(grid) - 1) * args.steps

    models = {spec: load_model(spec) for spec in specs}
    for spec in specs:  # trace once, outside the timing
        sweep_shards(models[spec], data[spec][0][:2], data[spec][1][:2], epsilons=grid[:2], attack=custom_pgd(steps=1))
    start = time.perf_counter()
    for spec in specs:
        sweep_shards(models[spec], *data[spec], epsilons=grid, attack=attack, folder=Path(tempfile.mkdtemp()))
    single = time.perf_counter() - start

    from core.evaluate.distributed import RayPool

    started = time.perf_counter()
    pool = RayPool("local", workers=args.workers)
    for spec in specs:  # each actor loads the models and traces once, outside the timing
        pool.sweep(spec, data[spec][0][:100], data[spec][1][:100], epsilons=grid[:2], attack=custom_pgd(steps=1),
                   folder=Path(tempfile.mkdtemp()))
    ready = time.perf_counter() - started
    start = time.perf_counter()
    for spec in specs:
        pool.sweep(spec, *data[spec], epsilons=grid, attack=attack, folder=Path(tempfile.mkdtemp()))
    distributed = time.perf_counter() - start
    pool.shutdown()

    images = len(specs) * args.n
    print(f"{args.task}: {len(specs)} models x {args.n} images x {len(grid) - 1} epsilons x {args.steps} PGD steps "
          f"= {passes:,} forward+backward passes, {os.cpu_count()} CPU cores")
    print(f"  one process          {images / single:7.2f} images/s   {passes / single:8.0f} passes/s")
    print(f"  Ray, {args.workers} workers        {images / distributed:7.2f} images/s   "
          f"{passes / distributed:8.0f} passes/s   {single / distributed:.2f} x (goal >= 1.6)")
    print(f"  Ray start-up (cluster, actors, model loads and traces): {ready:.1f} s, not counted")
    print("saved", record.save("scale", {"one_process": passes / single, "ray": passes / distributed,
                                         "ray_ratio": single / distributed, "ray_start": ready},
                               label=f"{args.task}, {len(specs)} models × {args.n} images, {args.steps} PGD steps, "
                                     f"{args.workers} Ray workers"))


if __name__ == "__main__":
    main()
