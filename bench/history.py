"""The docs' benchmark tables, drawn from the saved records (bench/record.py).

    .venv/bin/python bench/history.py            rewrite the tables in docs/architecture.md
    .venv/bin/python bench/history.py --check    exit 1 if they differ from the records

Each table sits between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` in its document: one
row per figure, one column per saved run (the newest MAX_COLUMNS), each column headed by its
date, commit, the machine's load as it started and the run's label. A figure measured several
times reads "median (lowest-highest)", twice "a and b"; a figure a run did not measure is blank.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import record  # noqa: E402

DOCS = Path(__file__).resolve().parents[1] / "docs"
MAX_COLUMNS = 7

# bench -> (document, [(figure, what the row says)]), rows in the order a visitor meets them
TABLES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "interaction": ("architecture.md", [
        ("first_paint", "first paint"),
        ("first_verdict", "first verdict (target < 8 s)"),
        ("all_four", "all four verdicts (target < 15 s)"),
        ("first_minute", "first minute: each preset, then four slider steps (target each ≤ 1.5 s, median ≤ 0.8 s)"),
        ("first_change_at_once", "the first ε change, made the moment the opening view is drawn"),
        ("slider_new", "ε change to a value computed on the change (target ≤ 1.0 s)"),
        ("engine", "the engine's own time for those four columns (warm, no cache)"),
        ("preset_first", "ε change to a preset clicked for the first time"),
        ("seen", "ε change, value seen before"),
        ("restarted", "restarted server, all four (target < 6 s)"),
        ("computed_first_verdict", "a view not bundled: first verdict"),
        ("computed_all_four", "a view not bundled: all four verdicts"),
    ]),
    "gathered": ("architecture.md", [
        ("pairs", "five sessions' ε changes at once, one pair of columns after another"),
        ("gathered", "the same, each model's columns gathered into one batch"),
        ("speedup", "the engine's own time, pairs ÷ gathered"),
    ]),
    "sessions": ("architecture.md", [
        ("one_session", "ε change in the browser, one session"),
        ("many_sessions", "ε change in the browser, five sessions at once"),
        ("p95_ratio", "p95 with five sessions ÷ p95 with one, in the browsers"),
        ("one_session_server", "the server's own time for an ε change, one session"),
        ("many_sessions_server", "the server's own time, five sessions at once"),
        ("p95_ratio_server", "p95 with five sessions ÷ p95 with one, the server's own time (target < 3)"),
    ]),
}


def _number(value: float) -> str:
    return f"{value:.2f}" if value < 2 else f"{value:.1f}"  # hundredths only where they are read


def cell(values: list[float] | None, *, unit: str = " s") -> str:
    """One figure as the table shows it."""
    if not values:
        return ""
    if len(values) == 1:
        return f"{_number(values[0])}{unit}"
    if len(values) == 2:
        return f"{_number(values[0])} and {_number(values[1])}{unit}"
    return f"median {_number(statistics.median(values))}{unit} ({_number(min(values))}-{_number(max(values))})"


def heading(run: dict) -> str:
    load = run.get("load_before")
    busy = "" if load is None else f", load {load:.1f}"
    label = f": {run['label']}" if run.get("label") else ""
    copied = " (transcribed)" if run.get("transcribed") else ""
    return f"{run['measured_at'][:16].replace('T', ' ')} UTC, {run['commit']}{copied}{busy}{label}"


def table(bench: str, *, results: Path = record.RESULTS) -> str:
    """The Markdown table of `bench`'s newest MAX_COLUMNS records ('' when none is saved)."""
    runs = record.load(bench, results=results)[-MAX_COLUMNS:]
    if not runs:
        return ""
    _, rows = TABLES[bench]
    lines = ["| | " + " | ".join(heading(run).replace("|", "/") for run in runs) + " |",
             "|---" * (len(runs) + 1) + "|"]
    for figure, name in rows:
        if not any(figure in run["figures"] for run in runs):
            continue
        unit = "x" if "ratio" in figure or figure == "speedup" else " s"
        lines.append(f"| {name} | " + " | ".join(cell(run["figures"].get(figure), unit=unit) for run in runs) + " |")
    return "\n".join(lines)


def rewritten(text: str, bench: str, *, results: Path = record.RESULTS) -> str:
    """`text` with the table between bench's markers drawn again from its records."""
    start, end = f"<!-- bench:{bench} -->", f"<!-- /bench:{bench} -->"
    if text.count(start) != 1 or text.count(end) != 1 or text.index(start) > text.index(end):
        raise ValueError(f"the document must hold {start} ... {end} once, in that order")
    before, rest = text.split(start)
    _, after = rest.split(end)
    return f"{before}{start}\n{table(bench, results=results)}\n{end}{after}"


def write(*, check: bool = False, docs: Path = DOCS, results: Path = record.RESULTS) -> list[Path]:
    """Rewrite every table (or, with `check`, only list the documents whose tables are stale)."""
    stale = []
    for document in sorted({document for document, _ in TABLES.values()}):
        path = docs / document
        text = path.read_text(encoding="utf-8")
        new = text
        for bench, (home, _) in TABLES.items():
            if home == document:
                new = rewritten(new, bench, results=results)
        if new != text:
            stale.append(path)
            if not check:
                path.write_text(new, encoding="utf-8")
    return stale


def main() -> None:
    check = "--check" in sys.argv[1:]
    stale = write(check=check)
    for path in stale:
        print(f"{'stale' if check else 'rewritten'}: {path}")
    if check and stale:
        sys.exit(1)


if __name__ == "__main__":
    main()
