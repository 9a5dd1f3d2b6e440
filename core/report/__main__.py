"""python -m core.report --task cxr --out report.html; --text prints it; python -m core.report --findings"""

from __future__ import annotations

import argparse

from core.jobs import run_cli
from core.models.backbones import PROFILES
from core.models.spec import USER_PROFILE
from core.tasks import TASKS


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.report", description="One self-contained HTML report "
                                     "of a task's saved results (and a PDF beside it where Chromium is installed).")
    parser.add_argument("--task", choices=list(TASKS))
    parser.add_argument("--out", help="the HTML file to write")
    parser.add_argument("--markdown", help="write the task's findings as Markdown to this file instead")
    parser.add_argument("--text", action="store_true", help="print the task's sections as plain text instead")
    parser.add_argument("--findings", action="store_true",
                        help="write docs/findings/<task>.md for every task from the bundled results")
    parser.add_argument("--profile", choices=[*PROFILES, USER_PROFILE], default="demo",
                        help="'user': the models imported with python -m core.models.imported")
    parser.add_argument("--n", type=int, default=200, help="the test images the results were computed on")
    parser.add_argument("--root", help="checkpoint folder (default: the repository's checkpoints/)")
    parser.add_argument("--results-root", help="where results for the read-only bundled zoo were written")
    parser.add_argument("--no-pdf", action="store_true", help="only the HTML")
    args = parser.parse_args(argv)
    from core.report import write_findings, write_report

    if args.findings:
        for path in write_findings():
            print(f"findings: {path}")
        return 0
    if not args.task or not (args.out or args.markdown or args.text):
        parser.error("give --task and --out (or --markdown, or --text), or --findings")
    if args.text:
        from core.report import gather, render_text

        print(render_text(gather(args.task, profile=args.profile, n=args.n, root=args.root,
                                 results_root=args.results_root)), end="")
        return 0
    if args.markdown:
        from core.atomic import write_text
        from core.report import gather, render_markdown

        evidence = gather(args.task, profile=args.profile, n=args.n, root=args.root, results_root=args.results_root)
        print(f"findings: {write_text(args.markdown, render_markdown(evidence))}")
        return 0

    written = write_report(args.task, args.out, pdf=not args.no_pdf, profile=args.profile, n=args.n, root=args.root,
                           results_root=args.results_root)
    print(f"report: {written['html']}" + (f"\nPDF: {written['pdf']}" if written["pdf"] else
                                           "\nno PDF: Chromium is not installed" if not args.no_pdf else ""))
    print(f"configuration SHA-256: {written['configuration_sha256']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))
