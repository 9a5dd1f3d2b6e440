"""A core.report section drawn on a page: its blocks (headings, sentences, tables, lists,
figures) as Streamlit elements, so a page shows the same numbers, computed in the same place, as
the HTML report, the findings and the command line (core.report.parts)."""

from __future__ import annotations

import re

import streamlit as st
from pandas.api.types import is_bool_dtype, is_float_dtype, is_numeric_dtype

from app_pages.common import plain
from core.report.parts import Figure, Heading, Items, Sentence, Table, cells, small

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


def table_ui(frame, float_format: str = "{:.3f}", formats: dict | None = None) -> None:
    """A section's table: its number columns stay numbers (a click on the header sorts them by
    value, not as text), shown as the report shows them; every other column as its text."""
    numbers = [column for column in frame.columns
               if is_numeric_dtype(frame[column]) and not is_bool_dtype(frame[column])]
    others = [column for column in frame.columns if column not in numbers]
    shown = frame.copy()
    if others:
        shown[others] = cells(frame[others], float_format)
    formats = formats or {}
    config = {column: st.column_config.NumberColumn(
        format=printf_format(frame[column], formats.get(column, float_format), given=column in formats)
        if is_float_dtype(frame[column]) else "%d") for column in numbers}
    st.dataframe(shown, column_config=config, hide_index=True, width="stretch")


def printf_format(values, float_format: str, *, given: bool = False) -> str:
    """The report's Python format of a float column ("{:.3f}", "{:g}") as the printf format
    Streamlit's number columns take ("%.3f", "%g"); unless the format is the column's own
    (`given`, core.report.parts.Table.formats), a column of small values (ε of the derm grid,
    0.00125) keeps its digits ("%.3g"), as core.report.parts.cells does (small)."""
    found = re.fullmatch(r"\{:(?:\.(\d+))?([fg])\}", float_format)
    if found is None or (not given and any(small(value) for value in values.dropna())):
        return "%.3g"
    return f"%.{found.group(1)}{found.group(2)}" if found.group(1) else f"%{found.group(2)}"


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
            table_ui(block.frame, block.float_format, block.formats)
        elif isinstance(block, Figure):
            st.plotly_chart(block.figure, width="stretch", key=f"{key}_{index}")
            st.caption(plain(f"Figure: {block.caption}." if block.caption else "Figure."))  # what it shows, in words
        else:
            raise TypeError(f"not a report block: {block!r}")
