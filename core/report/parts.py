"""The report's building blocks, in a few plain types (a heading, a sentence, a table, a list, a
figure), and how each is written as HTML (the report), as Markdown (the findings in docs/) and as
plain text (the command line; the pages draw them with app_pages.blocks). A section is a list of
blocks: the numbers are computed once, in the section, and each renderer only writes them out,
so they cannot disagree."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

FIGURE_CONFIG = {"displaylogo": False, "responsive": True}


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Sentence:
    text: str
    tone: str = ""  # "" (a finding), "note" (how it was measured) or "warn" (a caution)


@dataclass(frozen=True)
class Items:
    entries: tuple[tuple[str, str], ...]  # (label, text): "[pass] Gradient masking", "..."


@dataclass(frozen=True, eq=False)
class Table:
    frame: pd.DataFrame
    float_format: str = "{:.3f}"
    # Column -> its format, instead of float_format and the small-value rule (cells): ε as given
    # ("{:g}"), an estimate at the decimals its interval is shown with.
    formats: dict = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class Figure:
    figure: object  # a plotly figure
    caption: str = field(default="")


# ------------------------------------------------------------------------------ HTML

def to_html(block) -> str:
    """One block as escaped HTML."""
    if isinstance(block, Heading):
        return f"<h3>{html.escape(block.text)}</h3>"
    if isinstance(block, Sentence):
        return paragraph(block.text, block.tone)
    if isinstance(block, Items):
        return "<ul>" + "".join(f"<li><b>{html.escape(label)}</b>: {html.escape(text)}</li>"
                                for label, text in block.entries) + "</ul>"
    if isinstance(block, Table):
        return table_html(block.frame, block.float_format, block.formats)
    if isinstance(block, Figure):
        return figure_html(block.figure)
    raise TypeError(f"not a report block: {block!r}")


def figure_html(figure) -> str:
    """A plotly figure as a div and its script, relying on the plotly.js inlined in the head."""
    return '<div class="figure">' + figure.to_html(full_html=False, include_plotlyjs=False,
                                                   config=FIGURE_CONFIG) + "</div>"


def table_html(frame: pd.DataFrame, float_format: str = "{:.3f}", formats: dict | None = None) -> str:
    """A table with its text escaped; a missing value (None or NaN) shows as a dash."""
    return cells(frame, float_format, formats).to_html(index=False, escape=True, border=0)


def paragraph(text: str, css: str = "") -> str:
    """`text`, escaped, as a paragraph of CSS class `css`."""
    return f'<p class="{css}">{html.escape(text)}</p>' if css else f"<p>{html.escape(text)}</p>"


def small(value) -> bool:
    """A value shown with its significant digits, not the table's decimals: ε of the derm grid
    (0.00125) reads 0.00125, not 0.001."""
    return value != 0 and abs(value) < 0.01


def cells(frame: pd.DataFrame, float_format: str = "{:.3f}", formats: dict | None = None) -> pd.DataFrame:
    """Every cell as the text a reader sees: floats formatted (a column named in `formats` by
    its own format, any other by float_format, small values by their significant digits), a
    missing value a dash."""
    def cell(value, given=None):
        if value is None or (isinstance(value, (float, np.floating)) and value != value):
            return "–"
        if isinstance(value, (float, np.floating)):
            if given:
                return given.format(float(value))
            return f"{float(value):.3g}" if small(value) else float_format.format(float(value))
        return str(value)

    shown = frame.astype(object)
    for position, column in enumerate(shown.columns):
        given = (formats or {}).get(column)
        shown.iloc[:, position] = shown.iloc[:, position].map(lambda value: cell(value, given))
    return shown


# ------------------------------------------------------------------------------ Markdown

def to_markdown(block) -> str:
    """One block as Markdown that reads well on a code host. A figure is named by its caption
    (the HTML report draws it): the findings keep every number, in tables and sentences."""
    if isinstance(block, Heading):
        return f"### {_md(block.text)}"
    if isinstance(block, Sentence):
        text = _md(block.text)
        return {"note": f"*{text}*", "warn": f"> **Note.** {text}"}.get(block.tone, text)
    if isinstance(block, Items):
        return "\n".join(f"- **{_md(label)}**: {_md(text)}" for label, text in block.entries)
    if isinstance(block, Table):
        shown = cells(block.frame, block.float_format, block.formats)
        header = "| " + " | ".join(_md(str(c)) for c in shown.columns) + " |"
        rule = "|" + "---|" * len(shown.columns)
        rows = ["| " + " | ".join(_md(v) for v in row) + " |" for row in shown.itertuples(index=False)]
        return "\n".join([header, rule, *rows])
    if isinstance(block, Figure):
        return f"*Figure{': ' + _md(block.caption) if block.caption else ''} (drawn in the HTML report).*"
    raise TypeError(f"not a report block: {block!r}")


def _md(text: str) -> str:
    """Text with the characters Markdown would act on escaped, on one line."""
    for character in "\\`*_[]|<>#":
        text = text.replace(character, "\\" + character)
    return " ".join(text.split())


# ------------------------------------------------------------------------------ plain text

def to_text(block) -> str:
    """One block as plain text for a terminal: a table's columns aligned, a figure named."""
    if isinstance(block, Heading):
        return f"{block.text}\n{'-' * min(len(block.text), 100)}"
    if isinstance(block, Sentence):
        return {"note": f"({block.text})", "warn": f"Note. {block.text}"}.get(block.tone, block.text)
    if isinstance(block, Items):
        return "\n".join(f"- {label}: {text}" for label, text in block.entries)
    if isinstance(block, Table):
        return cells(block.frame, block.float_format, block.formats).to_string(index=False)
    if isinstance(block, Figure):
        return f"[figure{': ' + block.caption if block.caption else ''}: drawn in the HTML report]"
    raise TypeError(f"not a report block: {block!r}")
