"""The report as one self-contained HTML file: plotly's JavaScript inlined once (no CDN, no
request leaves the file), every figure and table drawn from the gathered evidence."""

from __future__ import annotations

import html
import json

from core.report.gather import Evidence, provenance
from core.report.parts import paragraph
from core.report.sections import SECTIONS

STYLE = """
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; max-width: 1100px; margin: 2em auto;
       padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; border-bottom: 1px solid #ddd; padding-bottom: .2em;
margin-top: 2em; }
table { border-collapse: collapse; font-size: .85em; margin: .5em 0 1em; }
th, td { border: 1px solid #ddd; padding: .25em .5em; text-align: left; vertical-align: top; }
th { background: #f5f5f5; } .note { color: #555; font-size: .9em; } .warn { background: #fff4e5; padding: .5em; }
.figure { margin: .5em 0 1em; } pre { background: #f7f7f7; padding: .5em; overflow-x: auto; font-size: .8em; }
@media print { .figure { page-break-inside: avoid; } }
"""
def render_html(evidence: Evidence) -> str:
    """The whole report (one string of HTML)."""
    import plotly.offline

    from core.tasks import get_task

    task = get_task(evidence.task)
    body = [f"<h1>Attention under attack: {html.escape(task.title)}</h1>",
            paragraph(f"Written {evidence.created_at} for the {evidence.profile} profile's {len(evidence.models)} "
                      f"models, on {evidence.n} images of the {evidence.data}. Configuration SHA-256 "
                      f"{evidence.configuration_sha256}.", "note"),
            paragraph("Research and teaching tool, not a diagnostic device." + (
                " The images are synthetic: they look like their modality but are not medical data."
                if evidence.data.startswith("synthetic") else ""), "warn")]
    for title, section in SECTIONS:
        parts = section(evidence)
        if parts:
            body.append(f"<h2>{html.escape(title)}</h2>")
            body.extend(parts)
    body.append("<h2>Provenance (JSON)</h2><pre>" + html.escape(json.dumps(provenance(evidence), indent=1)) + "</pre>")
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(task.title)}: robustness report</title><style>{STYLE}</style>"
            f"<script type='text/javascript'>{plotly.offline.get_plotlyjs()}</script></head><body>"
            + "\n".join(body) + "</body></html>")
