"""A report to take away: one self-contained HTML file per task (and a PDF beside it where
Chromium is installed) with the models and their cards, the robustness curves with their
intervals, the twin tests, the checks and their verdicts, the smallest-ε runs, the corruption
curves, which way each model is fooled, the saliency audit, and the protocol, seeds, package
versions and a hash of the configuration.

    python -m core.report --task cxr --out report.html
    python -m core.report --findings                 docs/findings/<task>.md for every task, from the bundled results
    python -m core.report --task cxr --text          the same sections in the terminal

    gather(task, ...)              -> Evidence      what is saved for the task's models
    sections.build(evidence)       -> [Section]     its sections (title, blocks), in order: what every renderer writes
    render_html(evidence)          -> str           the report
    render_markdown(evidence)      -> str           the findings: the same sections' numbers as Markdown
    render_text(evidence)          -> str           the same sections as plain text (the command line)
    write_report(task, out, ...)   -> paths         both files
    write_findings(folder)         -> paths         one Markdown file per task
"""

from __future__ import annotations

from pathlib import Path

from core.report.gather import Evidence, gather, provenance
from core.report.pdf import print_pdf
from core.report.render import render_html, render_markdown, render_text

__all__ = ["Evidence", "gather", "print_pdf", "provenance", "render_html", "render_markdown", "render_text",
           "write_findings", "write_report"]

FINDINGS = Path(__file__).resolve().parents[2] / "docs" / "findings"


def write_report(task: str, out, *, pdf: bool = True, **where) -> dict:
    """Write `task`'s report to `out` (HTML) and, with `pdf` and Chromium present, a PDF beside
    it; returns {"html": path, "pdf": path or None, "configuration_sha256": ...}. `where`:
    gather's profile, root, results_root, n, data, epsilons. ValueError when nothing is saved."""
    from core.atomic import write_text

    evidence = gather(task, **where)
    out = Path(out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"the report is HTML: give a file name ending in .html, got {out.name!r}")
    write_text(out, render_html(evidence))
    return {"html": out, "pdf": print_pdf(out) if pdf else None,
            "configuration_sha256": evidence.configuration_sha256}


def write_findings(folder=FINDINGS, *, tasks=None) -> list[Path]:
    """docs/findings/<task>.md for each task (default all), from the bundled demo zoo's saved
    results on its 200 test images: what the README's map of docs/ points to (docs/findings)."""
    from core.atomic import write_text
    from core.tasks import TASKS

    written = []
    for task in tasks or TASKS:
        written.append(write_text(Path(folder) / f"{task}.md", render_markdown(gather(task))))
    return written
