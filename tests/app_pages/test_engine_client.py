"""What the server warms as it starts: only the models the explorer shows first."""

from app_pages import engine_client as models
from app_pages.engine_client import explorer_default
from core.models.spec import ModelSpec


def _zoo(defences=("none", "pgd-at")):
    return [ModelSpec("derm", backbone, attention, defence=defence) for defence in defences
            for backbone in ("resnet50", "inception_resnet_v2") for attention in (False, True)]


def test_the_explorer_shows_the_papers_four_undefended_models_first():
    zoo = _zoo()
    assert explorer_default(zoo) == [s for s in zoo if s.defence == "none"]
    assert explorer_default(zoo[4:]) == zoo[4:]  # four or fewer: all of them, defended or not
    assert explorer_default(_zoo(("pgd-at", "trades"))) == _zoo(("pgd-at",))  # none undefended: the first four


class RecordingPool:
    def __init__(self) -> None:
        self.warmed = []

    def prewarm(self, refs) -> None:
        self.warmed = list(refs)


def test_the_server_warms_only_what_the_explorer_shows_first(monkeypatch):
    import threading

    from app_pages import common

    pool, drawn = RecordingPool(), []
    monkeypatch.setattr(models, "engine", lambda: pool)
    monkeypatch.setattr(common, "synthetic_gallery", lambda task, size: drawn.append((task, size)))
    monkeypatch.setattr(models.Selection, "specs", lambda self: _zoo())  # a task with defended twins too
    monkeypatch.setattr(models.ModelRef, "of", classmethod(lambda cls, spec, root=None: cls(spec, "-", "-")))
    models.warm_first_page()
    warmed = [ref.spec for ref in pool.warmed]
    assert sorted(warmed, key=str) == sorted(_zoo(("none",)), key=str)
    assert [s.attention for s in warmed] == [False, False, True, True]  # vanilla first: transfer sources
    for thread in threading.enumerate():
        if thread.name == "advattn-first-page":
            thread.join(10)
    assert drawn == [("derm", 96)]  # the first page's synthetic examples, computed as the server starts


def test_the_first_page_s_imports_are_paid_before_its_first_view():
    """In a fresh process, as a server would be: what the explorer's first view would import
    (Streamlit's data-frame and component code, what the drawing code imports) is imported by
    the warm-up, not by the page."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from app_pages.engine_client import FIRST_PAGE_IMPORTS as late, _prepare_first_page\n"
        "before = [m for m in late if m in sys.modules]\n"
        "_prepare_first_page(lambda task, size: None, 'derm', 96)\n"
        "print(before, [m for m in late if m not in sys.modules], 'app_pages.explorer_view' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    # none imported before the warm-up, all of them after; never the drawing code itself, whose
    # comparison slider is registered with the server only when a script run imports it
    assert done.stdout.strip() == "[] [] False"
    assert {"pandas", "pyarrow", "core.explain"} <= set(models.FIRST_PAGE_IMPORTS)
