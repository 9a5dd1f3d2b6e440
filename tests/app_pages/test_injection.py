"""Text that comes from a file is shown as text, never as Markdown (issue 40): a DICOM Modality
of `![X](http://…)` must not become an image the browser fetches."""

import re

import pytest
from streamlit.testing.v1 import AppTest

from app_pages.common import plain
from tests.app_pages.apptest import texts

BEACON = "![X](http://127.0.0.1:8765/BEACON.PNG)"


def _ood_page():
    from types import SimpleNamespace

    from app_pages.explorer_view import ood_ui

    beacon = "![X](http://127.0.0.1:8765/BEACON.PNG)"  # the page runs alone: BEACON is not in its scope
    outcome = SimpleNamespace(spec=SimpleNamespace(title="ResNet-50"),
                              ood={"flagged": True, "reasons": [f"its DICOM Modality is {beacon}"]})
    ood_ui(SimpleNamespace(outcomes={"m": outcome}))


def _unescaped_markdown(text: str) -> bool:
    """Whether `text` holds an image, link or directive that Markdown would act on."""
    return bool(re.search(r"(?<!\\)!(?<!\\)\[|(?<!\\)\]\(|(?<!\\):[a-z]+(?<!\\)\[", text))


def test_a_dicom_tag_in_the_caution_is_shown_as_text():
    app = AppTest.from_function(_ood_page, default_timeout=60).run()
    shown = app.warning[0].value
    assert not _unescaped_markdown(shown) and "BEACON" in shown
    assert BEACON in texts(app.warning)[0]  # what a person reads is the tag as it is


@pytest.mark.parametrize("text", [BEACON, ":red[alarm]", "[link](javascript:alert(1))", "$x$ <b>bold</b> `code`",
                                  "line one\nline two"])
def test_plain_leaves_nothing_for_markdown_to_act_on(text):
    assert not _unescaped_markdown(plain(text)) and "\n" not in plain(text)
