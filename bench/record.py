"""What a bench measured, saved as one JSON record per run, so the docs' tables are drawn from
saved results instead of numbers copied by hand.

    bench/results/<bench>/<UTC time>-<commit>.json

A record holds the bench's name, when and on which commit and CPU it ran, how busy the machine
was as it started (the 1-minute load average: timings on a shared 2-core machine are noisy, so
a figure is only read beside it), a short label, and its figures: name -> list of seconds, ratios
or rates (one value per repetition; a figure measured once is a list of one; bench/history.py's
rows say which unit each figure is in). bench/history.py draws the tables.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def _commit() -> str:
    """The short commit the bench ran on, with '+' when the work tree had changes."""
    root = Path(__file__).resolve().parents[1]
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("+" if dirty else "")


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return f"{os.cpu_count()} x {line.split(':', 1)[1].strip()}"
    except OSError:
        pass
    return f"{os.cpu_count()} x {platform.processor() or platform.machine()}"


def figures_of(values: dict) -> dict[str, list[float]]:
    """`values` (name -> a number or a list of numbers) as a record's figures, checked: every
    value finite seconds, at least one per figure."""
    figures = {}
    for name, given in values.items():
        seconds = [float(v) for v in (given if isinstance(given, (list, tuple)) else [given])]
        if not seconds or any(not (s >= 0 and s < float("inf")) for s in seconds):
            raise ValueError(f"figure {name!r} must be one or more finite non-negative numbers, got {given!r}")
        figures[name] = [float(f"{s:.4g}") for s in seconds]  # four significant digits: ms stay ms
    return figures


def save(bench: str, values: dict, *, label: str = "", results: Path = RESULTS, load: float | None = None,
         when: dt.datetime | None = None) -> Path:
    """Write one run of `bench` (values: figure name -> seconds or a ratio, or a list of them) as a record;
    returns its path."""
    when = when or dt.datetime.now(dt.timezone.utc)
    record = {
        "bench": bench,
        "measured_at": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": _commit(),
        "cpu": _cpu(),
        "load_before": round(os.getloadavg()[0] if load is None else load, 2),
        "label": label,
        "figures": figures_of(values),
    }
    folder = results / bench
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{when.strftime('%Y%m%dT%H%M%SZ')}-{record['commit'].rstrip('+')}.json"
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    temporary.replace(path)
    return path


def load(bench: str, *, results: Path = RESULTS) -> list[dict]:
    """Every saved record of `bench`, oldest first."""
    records = []
    for path in sorted((results / bench).glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        record["figures"] = figures_of(record["figures"])
        records.append(record)
    return sorted(records, key=lambda r: r["measured_at"])
