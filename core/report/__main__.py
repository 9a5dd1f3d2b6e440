"""python -m core.report --task cxr --out report.html"""

from __future__ import annotations

import argparse

from core.jobs import run_cli
from core.models.backbones import PROFILES
from core.tasks import TASKS


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.report", description="One self-contained HTML report "
                                     "of a task's saved results (and a PDF beside it where Chromium is installed).")
    parser.add_argument("--task", required=True, choices=list(TASKS))
    parser.add_argument("--out", required=True, help="the HTML file to write")
    parser.add_argument("--profile", choices=list(PROFILES), default="demo")
    parser.add_argument("--n", type=int, default=200, help="the test images the results were computed on")
    parser.add_argument("--root", help="checkpoint folder (default: the repository's checkpoints/)")
    parser.add_argument("--results-root", help="where results for the read-only bundled zoo were written")
    parser.add_argument("--no-pdf", action="store_true", help="only the HTML")
    args = parser.parse_args(argv)
    from core.report import write_report

    written = write_report(args.task, args.out, pdf=not args.no_pdf, profile=args.profile, n=args.n, root=args.root,
                           results_root=args.results_root)
    print(f"report: {written['html']}" + (f"\nPDF: {written['pdf']}" if written["pdf"] else
                                           "\nno PDF: Chromium is not installed" if not args.no_pdf else ""))
    print(f"configuration SHA-256: {written['configuration_sha256']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))
