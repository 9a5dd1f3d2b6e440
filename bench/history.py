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

# bench -> (document, [(figure, what the row says[, unit])]), rows in the order a visitor meets them;
# the unit is seconds unless the row names another (" ms", " per s") or the figure is a ratio ("x")
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
    "attack_speed": ("architecture.md", [
        ("pass_per_image", "one forward+backward pass, per image", " ms"),
        ("forward_backward", "one forward+backward pass of the batch", " ms"),
        ("pgd_step", "a native PGD step (target ≤ 1.15 × the pass)", " ms"),
        ("foolbox_eager_step", "foolbox's LinfPGD step, eager model", " ms"),
        ("foolbox_compiled_step", "foolbox's LinfPGD step, compiled forward", " ms"),
        ("apgd_step", "a native APGD step", " ms"),
        ("art_apgd_step", "ART's APGD step (target ≥ 3 × the native one)", " ms"),
        ("live", "the explorer's work for one image: 4 models × (10-step PGD + predictions + 2 Grad-CAMs), warm",
         " ms"),
    ]),
    "scale": ("architecture.md", [
        ("one_process", "one process, forward+backward passes per second", " per s"),
        ("ray", "two local Ray workers, passes per second", " per s"),
        ("ray_ratio", "Ray ÷ one process", "x"),
        ("ray_start", "Ray's start (cluster, actors, model loads and traces), not counted above"),
    ]),
    "synthetic_speed": ("data.md", [
        ("derm", "derm, one image with its ground truth", " ms"),
        ("fundus", "fundus, one image with its ground truth", " ms"),
        ("cxr", "cxr, one image with its ground truth", " ms"),
    ]),
    "fmn_speed": ("methods.md", [
        ("fmn_four_models", "FMN on the task's four bundled models (target < 300 s)"),
        ("native_32", "the compiled FMN on one model, 32 images"),
        ("foolbox_32", "foolbox's LInfFMNAttack on the same images"),
        ("foolbox_ratio", "foolbox ÷ compiled", "x"),
        ("strong_one_model", "the strong protocol's grid sweep, one model"),
        ("strong_ratio", "the grid sweep ÷ FMN's time per model", "x"),
    ]),
    "defence_cost": ("methods.md", [
        ("epoch_none", "an undefended epoch"),
        ("epoch_pgd-at", "a PGD-AT epoch"),
        ("epoch_trades", "a TRADES epoch"),
        ("pgdat_ratio", "PGD-AT ÷ undefended (at most steps + 1)", "x"),
        ("trades_ratio", "TRADES ÷ undefended (at most steps + 2)", "x"),
    ]),
}
SCALES = {" ms": 1000.0}  # a unit's factor from the saved seconds


def _unit(row: tuple) -> str:
    """A row's unit: its third element, else a ratio ("x") by name, else seconds."""
    if len(row) > 2:
        return row[2]
    return "x" if "ratio" in row[0] or row[0] == "speedup" else " s"


GPU_PASSES_PER_S = 1000  # an assumption, not a measurement: a data-centre GPU at 224 px, both backbones
GPUS = (1, 8, 64)
MODELS = 4  # the paper's two backbones, each with and without attention


def test_images(task) -> int:
    """The real test set the loaders cut: ChestX-ray14's official test_list.txt, otherwise the
    default stratified 20 % (core.data.datasets.split_indices)."""
    return 25_596 if task.name == "cxr" else round(0.2 * sum(task.class_counts))


def _duration(seconds: float) -> str:
    for unit, size in (("h", 3600), ("min", 60)):
        if seconds >= size:
            value = seconds / size
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    return f"{seconds:.0f} s"


def sweep_cost_table() -> str:
    """What evaluating the paper's four models on each real test set costs, in forward+backward
    passes (core.evaluate.presets: the paper's protocol and the strong one's upper bound) and in
    time at GPU_PASSES_PER_S a GPU."""
    from core.evaluate.presets import PRESETS
    from core.tasks import TASKS

    lines = [f"| the paper's test sets, {MODELS} models | `paper` protocol | `strong`, upper bound | at "
             f"{GPU_PASSES_PER_S:,} passes/s a GPU: {' / '.join(map(str, GPUS))} GPUs |", "| --- | --- | --- | --- |"]
    for task in sorted(TASKS.values(), key=lambda t: -test_images(t)):
        attacked = sum(1 for e in task.epsilons if e > 0)
        passes = {name: MODELS * test_images(task) * attacked * PRESETS[name].passes(task.num_classes)
                  for name in ("paper", "strong")}
        times = "; ".join(f"{name} " + " / ".join(_duration(count / GPU_PASSES_PER_S / gpus) for gpus in GPUS)
                          for name, count in passes.items())
        lines.append(f"| {task.dataset}, {test_images(task):,} test images × {attacked} ε | "
                     f"{passes['paper'] / 1e6:.1f} M passes | {passes['strong'] / 1e6:.0f} M | {times} |")
    return "\n".join(lines)


COMPUTED = {"sweep_cost": ("architecture.md", sweep_cost_table)}  # tables drawn from code, not from runs


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:.0f}"
    return f"{value:.2f}" if value < 2 else f"{value:.1f}"  # hundredths only where they are read


def cell(values: list[float] | None, *, unit: str = " s") -> str:
    """One figure as the table shows it."""
    if not values:
        return ""
    values = [v * SCALES.get(unit, 1.0) for v in values]
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
    for row in rows:
        figure, name, unit = row[0], row[1], _unit(row)
        if not any(figure in run["figures"] for run in runs):
            continue
        lines.append(f"| {name} | " + " | ".join(cell(run["figures"].get(figure), unit=unit) for run in runs) + " |")
    return "\n".join(lines)


def rewritten(text: str, bench: str, *, results: Path = record.RESULTS) -> str:
    """`text` with the table between bench's markers drawn again from its records (or, for a
    COMPUTED table, from the code)."""
    start, end = f"<!-- bench:{bench} -->", f"<!-- /bench:{bench} -->"
    if text.count(start) != 1 or text.count(end) != 1 or text.index(start) > text.index(end):
        raise ValueError(f"the document must hold {start} ... {end} once, in that order")
    before, rest = text.split(start)
    _, after = rest.split(end)
    drawn = COMPUTED[bench][1]() if bench in COMPUTED else table(bench, results=results)
    return f"{before}{start}\n{drawn}\n{end}{after}"


def write(*, check: bool = False, docs: Path = DOCS, results: Path = record.RESULTS) -> list[Path]:
    """Rewrite every table (or, with `check`, only list the documents whose tables are stale)."""
    stale = []
    homes = {bench: home for bench, (home, _) in {**TABLES, **COMPUTED}.items()}
    for document in sorted(set(homes.values())):
        path = docs / document
        text = path.read_text(encoding="utf-8")
        new = text
        for bench, home in homes.items():
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
