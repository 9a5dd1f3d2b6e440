"""Saved twin tests, computed again with the statistics as they are now.

A saved result keeps the twin test computed when it was saved (core.store.save). When the
statistics change (a corrected p-value, a new interval), every saved test must follow, or the
pages that read a saved test and the pages that compute one from the same per-image outcomes
disagree. `stale_twin_tests` finds the saved tests that differ from a fresh computation,
`retest` writes the fresh ones:

    python -m core.runs.retest [--task derm] [--check]
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from core.runs import RUN_KINDS
from core.tasks import TASKS


def _kind_of_key(key: str):
    """The registered kind whose saved files have `key` (core.store.run_key), or None."""
    from core.store import key_prefix

    return next((kind for kind in RUN_KINDS.values() if kind.prefix == key_prefix(key)), None)


def _as_saved(value) -> object:
    """`value` as the JSON core.atomic.write_json writes it (the same encoder), read back."""
    return json.loads(json.dumps(value, default=str))


def same(saved, fresh, *, rel: float = 1e-9) -> bool:
    """Whether two saved values agree: equal, numbers to `rel` (a sum taken in another order
    differs in its last digits), NaN equal to NaN."""
    if isinstance(saved, dict) and isinstance(fresh, dict):
        return saved.keys() == fresh.keys() and all(same(saved[k], fresh[k], rel=rel) for k in saved)
    if isinstance(saved, list) and isinstance(fresh, list):
        return len(saved) == len(fresh) and all(same(a, b, rel=rel) for a, b in zip(saved, fresh))
    if isinstance(saved, float) or isinstance(fresh, float):
        if not isinstance(saved, (int, float)) or not isinstance(fresh, (int, float)):
            return False
        return math.isclose(saved, fresh, rel_tol=rel, abs_tol=1e-15) or (math.isnan(saved) and math.isnan(fresh))
    return saved == fresh


def stale_twin_tests(task: str, *, profile: str = "demo", root=None, results_root=None) -> list[tuple[Path, dict]]:
    """(path, the result with its twin test computed now) for every saved result of `task`'s
    attentive models (beside the checkpoints under `root`, and under `results_root` where the
    results for a read-only zoo go) whose saved twin test differs from the fresh one."""
    from core.models.zoo import available
    from core.store import load, results_path, saved

    stale = []
    for spec in available(profile, root=root):
        if spec.task != task or not spec.attention:
            continue
        for folder_root in [*([results_root] if results_root is not None else []), root]:
            for key, result in saved(spec, root=folder_root):
                kind = _kind_of_key(key)
                if kind is None or kind.compare is None or "twin_test" not in result:
                    continue
                vanilla = load(spec.twin(), key, root=folder_root) or load(spec.twin(), key, root=root)
                if vanilla is None:
                    continue
                fresh = _as_saved(kind.compare(result, vanilla))
                if not same(result["twin_test"], fresh):
                    stale.append((results_path(spec, key, root=folder_root), {**result, "twin_test": fresh}))
    return stale


def retest(task: str, *, profile: str = "demo", root=None, results_root=None) -> list[Path]:
    """Write every stale twin test of `task` computed now (stale_twin_tests); the files written."""
    from core.atomic import write_json

    written = []
    for path, result in stale_twin_tests(task, profile=profile, root=root, results_root=results_root):
        write_json(path, result, compact=True)
        written.append(path)
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.runs.retest", description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=list(TASKS), help="one task (default: all)")
    parser.add_argument("--profile", default="demo")
    parser.add_argument("--root", help="checkpoint folder (default: the repository's checkpoints/)")
    parser.add_argument("--results-root", help="where results for a read-only zoo were written (python -m "
                        "core.evaluate --results-root)")
    parser.add_argument("--check", action="store_true", help="list the stale tests, write nothing; exit 1 if any")
    args = parser.parse_args(argv)
    found = 0
    for task in [args.task] if args.task else list(TASKS):
        if args.check:
            paths = [path for path, _ in stale_twin_tests(task, profile=args.profile, root=args.root,
                                                          results_root=args.results_root)]
        else:
            paths = retest(task, profile=args.profile, root=args.root, results_root=args.results_root)
        found += len(paths)
        for path in paths:
            print(("stale: " if args.check else "written: ") + str(path))
    print(f"{found} twin test(s) {'stale' if args.check else 'computed again'}")
    return 1 if args.check and found else 0


if __name__ == "__main__":
    raise SystemExit(main())
