"""The engine's own time for several sessions' ε changes arriving at once: their columns
gathered into one batch per model (core.engine.gather), against one pair of
columns after another as before (Engine.most_gathered = 1 turns the gathering off).

    .venv/bin/python bench/gathered.py [SESSIONS] [--label TEXT]     (default 5)

Four warm derm models in the engine process, SESSIONS images each at its own ε (no cache):
each session's four columns are submitted as the explorer's stream submits them (two pairs),
all sessions at the same moment. Reported per mode, alternating, REPEATS times: the time until
every column is back and the last session's wait. No browser and no Streamlit server: the
engine's part of issue 40's five sessions, measured apart from what the browsers take.
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import record  # noqa: E402

REPEATS = 3


def main() -> None:
    import argparse
    import os

    from core.data import synthetic
    from core.engine import Engine, ModelRef, Together, Warm
    from core.engine.gather import MOST_GATHERED
    from core.engine.stream import explore_requests
    from core.explore import explorer_attack
    from core.models.zoo import all_specs

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sessions", nargs="?", type=int, default=5)
    parser.add_argument("--label", default="", help="what this run tried (saved with its figures)")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    sessions = args.sessions
    refs = [ModelRef.of(spec) for spec in all_specs("demo", "derm")]
    images, labels, _ = synthetic.gallery("derm", per_class=2, size=96, with_truth=True)
    engine = Engine()
    times = {"gathered": [], "pairs": []}
    try:
        for ref in refs:
            engine.call(Warm(ref))
        for repeat in range(REPEATS + 1):  # the first round traces the batch shapes: not counted
            for mode in ("pairs", "gathered"):
                engine.most_gathered = MOST_GATHERED if mode == "gathered" else 1
                units = []
                for session in range(sessions):
                    epsilon = 0.001 + 0.0005 * session + 0.0001 * repeat + (0.00005 if mode == "gathered" else 0)
                    columns = explore_requests(refs, images[session], epsilon=epsilon, attack=explorer_attack(10),
                                               label=int(labels[session]), seed=session)
                    units += [Together(tuple(columns[:2])), Together(tuple(columns[2:]))]
                start = time.perf_counter()
                futures = [engine.submit(unit) for unit in units]
                for future in futures:
                    future.result(600)
                if repeat:
                    times[mode].append(time.perf_counter() - start)
    finally:
        engine.shutdown()
    for mode, seconds in times.items():
        print(f"{sessions} sessions' columns, {mode:8s}: {statistics.median(seconds):.2f} s median of "
              f"{[round(s, 2) for s in seconds]}")
    ratio = statistics.median(times["pairs"]) / statistics.median(times["gathered"])
    print(f"gathered is {ratio:.1f}x faster (the engine's own time, {sessions} sessions at once)")
    saved = record.save("gathered", {"pairs": times["pairs"], "gathered": times["gathered"], "speedup": ratio},
                        load=load, label="; ".join(filter(None, [f"{sessions} sessions, four derm models, 10 PGD steps",
                                                                                 args.label])))
    print(f"saved: {saved}")


if __name__ == "__main__":
    main()
