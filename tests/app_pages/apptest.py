"""The app under streamlit.testing.v1.AppTest, as the page tests open it, and what they read off it."""

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "dashboard.py")
PAGES = ["app_pages/start.py", "app_pages/explorer.py", "app_pages/curves.py", "app_pages/gallery.py", "app_pages/training.py", "app_pages/zoo.py"]


def open_app(page=None, task="derm", zoo=None, state=None):
    """The app opened on `page` (default: the explorer), as a deep link would open it, on the
    bundled zoo or on `zoo` ("My models"); `state` presets widgets by key before the first run."""
    app = AppTest.from_file(APP, default_timeout=300)
    app.session_state["task"] = task
    if zoo:
        app.session_state["zoo"] = zoo
    for key, value in (state or {}).items():
        app.session_state[key] = value
    app.switch_page(page or "app_pages/explorer.py")  # before the first run: the Start page does not run first
    app.run()
    assert any("not a diagnostic device" in m for m in texts(app.info)), "the sidebar banner is missing"
    assert not app.exception, app.exception
    return app


VERDICT_WORDS = tuple(f"**{word}**" for word in ("Held", "Fooled", "Already wrong", "Corrected", "Flipped"))


def texts(elements):
    """What each element says as a person reads it: Markdown's backslash escapes removed (text from
    files and errors is escaped before it is shown: app_pages.common.plain)."""
    return [re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", e.value) if isinstance(e.value, str) else e.value
            for e in elements]


def problems(app):
    """Error messages, less the explorer's red verdicts ("Fooled", "Flipped")."""
    return [t for t in texts(app.error) if not t.startswith(("**Flipped**", "**Fooled**"))]


def verdicts(app):
    return [t for t in texts(app.success) + texts(app.error) + texts(app.warning) + texts(app.info)
            if t.startswith(VERDICT_WORDS)]


def grid_rows(app):
    """The explorer's tile rows: horizontal blocks of one image per column."""
    rows = []
    for block in app.get("flex_container"):
        columns = [c for c in block.children.values() if getattr(c, "type", "") == "column"]
        images = [[e for e in c.children.values() if getattr(e, "type", "") == "image"] for c in columns]
        if columns and all(len(i) == 1 for i in images):
            rows.append([i[0] for i in images])
    return rows


def user_app(page=None):
    """The app on the user's own models ("My models"), cxr."""
    return open_app(page, task="cxr", zoo="My models")
