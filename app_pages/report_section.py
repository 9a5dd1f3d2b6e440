"""The curves page's last section: one click writes the task's report (core.report: one
self-contained HTML file, and a PDF where Chromium is installed), then downloads it."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core.jobs import runs_root
from app_pages.common import results_root, show_error


def report_ui(selection, *, n: int) -> None:
    st.subheader("Take the evidence away")
    st.caption(f"One HTML file that opens offline: the models and their cards, the curves with their intervals, the "
               f"twin tests, the checks, the corruption curves, which way each model is fooled, the saliency audit, "
               f"the protocol, seeds, package versions and a hash of the configuration; for the results saved on "
               f"these {n} images.")
    key = (selection.task, selection.zoo, selection.profile, n)
    if st.button("Write the report", key="write_report", icon=":material/description:"):
        from core.report import write_report

        out = runs_root() / "reports" / f"{selection.task}-{selection.zoo}-{selection.profile}-{n}.html"
        with st.spinner("Writing the report (and printing it to PDF)…"):
            try:
                written = write_report(selection.task, out, profile=selection.profile, root=selection.root,
                                       results_root=results_root(selection), n=n)
            except (ValueError, RuntimeError) as error:
                show_error(error if isinstance(error, ValueError) else ValueError(str(error)))
                return
        st.session_state["report"] = {"key": key, **{k: str(v) if v else None for k, v in written.items()}}
    written = st.session_state.get("report")
    if not written or written["key"] != key:
        return
    html_path = Path(written["html"])
    left, right = st.columns(2)
    left.download_button("Download the report (HTML)", html_path.read_bytes(), file_name=html_path.name,
                         mime="text/html", key="report_html")
    if written["pdf"]:
        right.download_button("Download the report (PDF)", Path(written["pdf"]).read_bytes(),
                              file_name=Path(written["pdf"]).name, mime="application/pdf", key="report_pdf")
    else:
        right.caption("No PDF: Chromium is not installed on the server.")
    st.caption(f"Configuration SHA-256 {written['configuration_sha256']}.")
