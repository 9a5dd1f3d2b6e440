"""Plain language for newcomers (issue 45): every control of the explorer and the curves page
has a one-line help, and every term of the field the pages use is in the glossary, which every
page reaches from the sidebar."""

import ast
from pathlib import Path

import pytest

from app_pages.words import GLOSSARY, HELP, TERMS
from tests.app_pages.apptest import open_app

PAGES = Path(__file__).resolve().parents[2] / "app_pages"
CONTROLS = {"selectbox", "slider", "radio", "toggle", "number_input", "multiselect", "segmented_control", "text_input",
            "pills", "select_slider", "checkbox", "file_uploader"}


@pytest.mark.parametrize("page", ["explorer.py", "explorer_image.py", "explorer_settings.py", "explorer_view.py",
                                  "curves.py", "common.py", "which_way.py", "mechanism.py", "comparisons.py"])
def test_every_control_has_a_one_line_help(page):
    missing = []
    for node in ast.walk(ast.parse((PAGES / page).read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in CONTROLS:
            help_ = next((k.value for k in node.keywords if k.arg == "help"), None)
            if help_ is None:
                missing.append(f"{page}:{node.lineno} {ast.unparse(node.args[0]) if node.args else node.func.attr}")
    assert not missing, missing


def test_the_help_texts_are_one_plain_line_each():
    for name, text in HELP.items():
        assert 20 < len(text) < 260 and "\n" not in text, name


def test_every_term_the_pages_use_is_in_the_glossary():
    text = "\n".join(path.read_text() for path in PAGES.glob("*.py") if path.name != "words.py")
    used = [term for term in TERMS if term in text]
    assert len(used) > 15
    assert [TERMS[t] for t in used if TERMS[t] not in GLOSSARY] == []


def test_the_glossary_is_reached_from_every_page():
    for page in ("app_pages/explorer.py", "app_pages/curves.py"):
        app = open_app(page, task="cxr")
        entries = [m.value for m in app.sidebar.markdown if "**McNemar test**" in m.value]
        assert entries and "**ε (epsilon)**" in entries[0]


def test_every_chart_on_the_pages_is_followed_by_a_caption_saying_what_it_shows():
    """Accessibility: a figure is read by its caption too (a screen reader cannot read a chart)."""
    import re
    from pathlib import Path

    for page in sorted((Path(__file__).resolve().parents[2] / "app_pages").glob("*.py")):
        lines = page.read_text().splitlines()
        for number, line in enumerate(lines):
            if "st.plotly_chart(" in line:
                following = "\n".join(lines[number:number + 8])
                assert re.search(r"st\.caption\(", following), f"{page.name}:{number + 1} has a chart without a caption"
