"""A core.report section drawn on a page: its blocks (headings, sentences, tables, lists,
figures) as Streamlit elements, so a page shows the same numbers, computed in the same place, as
the HTML report, the findings and the command line (core.report.parts)."""

from __future__ import annotations

import re

import streamlit as st

from app_pages.common import plain
from core.report.parts import Figure, Heading, Items, Sentence, Table, cells

# A list entry labelled "[pass] …" (a check's status, core.evaluate.checks) is shown with its icon.
CHECK_ICONS = {"pass": ":material/check_circle:", "warn": ":material/warning:", "fail": ":material/cancel:",
               "skip": ":material/remove_circle_outline:", "info": ":material/info:"}
_STATUS = re.compile(r"^\[(\w+)\] (.*)$")


def _entry(label: str, text: str) -> str:
    """One list entry as Markdown: a check's status as its icon, every text shown as text."""
    status = _STATUS.match(label)
    if status and status.group(1) in CHECK_ICONS:
        return f"{CHECK_ICONS[status.group(1)]} **{plain(status.group(2))}**: {plain(text)}"
    return f"- **{plain(label)}**: {plain(text)}"


def blocks_ui(blocks: list, *, key: str) -> None:
    """Draw `blocks` in order; `key` names the section's charts. Every text is shown as the text
    it is (plain): a model's title comes from its card."""
    for index, block in enumerate(blocks):
        if isinstance(block, Heading):
            st.markdown(f"**{plain(block.text)}**")
        elif isinstance(block, Sentence):
            {"note": st.caption, "warn": st.warning}.get(block.tone, st.markdown)(plain(block.text))
        elif isinstance(block, Items):
            st.markdown("  \n".join(_entry(label, text) for label, text in block.entries))
        elif isinstance(block, Table):
            st.dataframe(cells(block.frame, block.float_format), hide_index=True, width="stretch")
        elif isinstance(block, Figure):
            st.plotly_chart(block.figure, width="stretch", key=f"{key}_{index}")
            st.caption(plain(f"Figure: {block.caption}." if block.caption else "Figure."))  # what it shows, in words
        else:
            raise TypeError(f"not a report block: {block!r}")
