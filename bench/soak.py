"""Soak: many explorations over many user checkpoints, from concurrent sessions; the server's
memory must stay bounded (the warm model cache keeps one version per file, at most 12 files).

    .venv/bin/python bench/soak.py [--sessions 5] [--explores 50] [--checkpoints 20]

Sessions are streamlit.testing.v1.AppTest runs in threads of this one process, which plays the
server: they share its model cache as browser sessions share a server's. The user zoo is the
bundled cxr models copied into a temporary "My models", rewritten `--checkpoints` / 4 times (a
training job rewriting its checkpoints every improving epoch: each rewrite is a new file
version). Reports p50 / p95 latency of one exploration with 1 and with N sessions (their ratio)
and the growth of the process's resident memory.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def rewrite_user_zoo(folder: Path) -> None:
    """Copy the bundled cxr models into the user zoo: new files, so new versions for the cache."""
    target = folder / "demo" / "cxr"
    target.mkdir(parents=True, exist_ok=True)
    for path in (ROOT / "checkpoints" / "demo" / "cxr").glob("*.*"):
        if path.is_file():
            shutil.copy2(path, target / path.name)
            os.utime(target / path.name)  # a new modification time: a new version of the file


def explore_once(epsilon_index: int) -> float:
    """One session opening the explorer on the user's cxr models at one of the paper's epsilons."""
    from streamlit.testing.v1 import AppTest

    from core.tasks import get_task

    grid = [e for e in get_task("cxr").epsilons if e > 0]
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
    app.session_state["task"] = "cxr"
    app.session_state["zoo"] = "My models"
    app.session_state["epsilon_preset_cxr"] = app.session_state["epsilon_value_cxr"] = grid[epsilon_index % len(grid)]
    app.switch_page("app_pages/explorer.py")
    start = time.perf_counter()
    app.run()
    if app.exception:
        raise RuntimeError(app.exception[0].message)
    return time.perf_counter() - start


def run_sessions(sessions: int, explores: int, folder: Path, checkpoints: int) -> list[float]:
    latencies, lock, counter = [], threading.Lock(), iter(range(explores))
    rewrites_every = max(1, explores // max(1, checkpoints // 4))

    def worker():
        for index in counter:
            if index % rewrites_every == 0:
                with lock:
                    rewrite_user_zoo(folder)
            elapsed = explore_once(index)
            with lock:
                latencies.append(elapsed)

    threads = [threading.Thread(target=worker) for _ in range(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=5)
    parser.add_argument("--explores", type=int, default=50)
    parser.add_argument("--checkpoints", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "models"
        os.environ.update(ADVATTN_USER_MODELS=str(folder), ADVATTN_RUNS=str(Path(scratch) / "runs"))
        rewrite_user_zoo(folder)
        explore_once(0)  # warm: TensorFlow imported, the first models traced
        before = rss_mib()
        single = run_sessions(1, max(5, args.explores // 5), folder, args.checkpoints // 5)
        many = run_sessions(args.sessions, args.explores, folder, args.checkpoints)
        after = rss_mib()
    p = lambda values, q: statistics.quantiles(values, n=20)[q] if len(values) > 1 else values[0]  # noqa: E731
    print(f"one session:  p50 {statistics.median(single):5.2f} s   p95 {p(single, 18):5.2f} s   ({len(single)} explores)")
    print(f"{args.sessions} sessions:   p50 {statistics.median(many):5.2f} s   p95 {p(many, 18):5.2f} s   "
          f"({len(many)} explores over {args.checkpoints} checkpoint versions)")
    print(f"latency ratio, {args.sessions} sessions / one: p50 {statistics.median(many) / statistics.median(single):.2f}x, "
          f"p95 {p(many, 18) / p(single, 18):.2f}x")
    print(f"resident memory: {before:.0f} MiB after warm-up -> {after:.0f} MiB ({after - before:+.0f} MiB; target < 1 GiB)")


if __name__ == "__main__":
    main()
