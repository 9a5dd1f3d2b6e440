"""python -m core.mechanism [--n 200]: which measure separates the twins where attention helps
from those where it hurts, over every task of the zoo with saved runs (core.mechanism.agreement)."""

from __future__ import annotations

import argparse

from core.jobs import run_cli

ARROWS = {1: "harder", -1: "easier", 0: "·"}


def main(argv=None) -> int:
    from core.mechanism.agreement import gather_pairs, separating_measures
    from core.mechanism.profile import MEASURES
    from core.tasks import TASKS

    parser = argparse.ArgumentParser(prog="python -m core.mechanism", description=__doc__.split(":")[1].strip())
    parser.add_argument("--task", action="append", choices=list(TASKS), help="default: every task")
    parser.add_argument("--n", type=int, default=200, help="test images of the saved runs")
    parser.add_argument("--profile", default="demo")
    parser.add_argument("--root")
    parser.add_argument("--results-root")
    args = parser.parse_args(argv)
    pairs = gather_pairs(args.task or list(TASKS), n=args.n, profile=args.profile, root=args.root,
                         results_root=args.results_root)
    if not pairs:
        print("no twin pair has both its minimum-norm runs and mechanism profiles saved: run python -m "
              f"core.evaluate --task T --n {args.n} --fmn, then --mechanism")
        return 1
    names = [n for n in MEASURES if MEASURES[n][1]]
    print(f"{'twins':34s} {'attention (eps*)':18s} " + " ".join(f"{n:16s}" for n in names))
    for p in pairs:
        cells = " ".join(f"{ARROWS[p['measures'][n]['direction']] if n in p['measures'] else '-':16s}" for n in names)
        robustness = f"{ARROWS[p['robustness']]} (p={p['robust_p']:.2g})"
        print(f"{p['task'] + ' ' + p['family']:34s} {robustness:18s} {cells}")
    print()
    for row in separating_measures(pairs):
        print(row["sentence"])
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))
