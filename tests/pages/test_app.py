"""Every page under streamlit.testing.v1.AppTest, against the real bundled demo zoo."""

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGES = ["pages/explorer.py", "pages/curves.py", "pages/gallery.py", "pages/training.py", "pages/zoo.py"]


@pytest.fixture(autouse=True)
def private_workspace(tmp_path, monkeypatch):
    """Jobs and user-trained models go to a temporary folder, never the repository."""
    monkeypatch.setenv("ADVATTN_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("ADVATTN_USER_MODELS", str(tmp_path / "models"))


def _app(page=None, task="derm"):
    app = AppTest.from_file(APP, default_timeout=300)
    app.session_state["task"] = task
    app.run()
    assert any("not a diagnostic device" in m for m in _texts(app.info)), "the sidebar banner is missing"
    if page:
        app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def _texts(elements):
    return [e.value for e in elements]


def _problems(app):
    """Error messages, less the explorer's red "Prediction flipped" banners."""
    return [t for t in _texts(app.error) if not t.startswith("Prediction flipped")]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_without_error(page):
    app = _app(page)
    assert not _problems(app), _problems(app)
    assert app.title[0].value


def test_explorer_attacks_the_four_models():
    app = _app()
    banners = [t for t in _texts(app.success) + _texts(app.error) if t.startswith("Prediction")]
    assert len(banners) == 4, banners
    assert any("soft attention" in m for m in _texts(app.markdown))
    assert "ε = 0.0050" in _texts(app.subheader)[0]  # the middle of the paper's derm grid


def test_explorer_explains_a_bad_upload():
    app = _app()
    app.radio(key="image_source").set_value("Upload").run()
    app.file_uploader(key="upload").set_value(("scan.png", b"this is not an image", "image/png")).run()
    assert not app.exception
    assert any("Could not use this file" in t and "not an image format" in t for t in _texts(app.error))


def test_explorer_takes_a_dicom_upload(tmp_path):
    from tests.data.dicom_fixtures import write_dicom

    pixels = (np.indices((120, 100)).sum(axis=0) * 10).astype(np.uint16)
    data = write_dicom(tmp_path / "x.dcm", pixels, window=(1000, 2000)).read_bytes()
    app = _app(task="cxr")
    app.radio(key="image_source").set_value("Upload").run()
    app.file_uploader(key="upload").set_value(("x.dcm", data, "application/dicom")).run()
    assert not app.exception and not _problems(app), _problems(app)
    assert any("chest x-ray filter" in c for c in _texts(app.caption))
    assert len([t for t in _texts(app.success) + _texts(app.error) if t.startswith("Prediction")]) == 4


def test_curves_page_shows_the_bundled_curves_and_checks():
    app = _app("pages/curves.py", task="cxr")
    assert len(app.get("plotly_chart")) == 1
    assert len(app.dataframe) == 1 and len(app.dataframe[0].value) == 4 * 9
    assert any("Trustworthy" in e.label or "Usable" in e.label or "Not trustworthy" in e.label
               for e in app.expander)


def test_training_form_launches_a_job(tmp_path):
    from core.jobs import cancel_job, list_jobs, wait_for

    app = _app("pages/training.py", task="cxr")
    app.number_input(key="form_synthetic_train").set_value(16)
    app.sidebar.form_submit_button[0].click().run()
    assert not app.exception and not _problems(app), _problems(app)
    jobs = list_jobs()
    assert [j.key for j in jobs] == ["train-demo-cxr-resnet50-attention"]
    again = _app("pages/training.py", task="cxr")
    again.number_input(key="form_synthetic_train").set_value(16)
    again.sidebar.form_submit_button[0].click().run()
    assert any("already running" in t for t in _texts(again.error))  # one job per model
    cancel_job(jobs[0].key, grace_s=60)
    assert wait_for(jobs[0].key, timeout_s=120).status in ("cancelled", "done", "failed")


def test_zoo_page_lists_every_bundled_model_with_its_card():
    app = _app("pages/zoo.py", task="fundus")
    assert len(app.expander) >= 4
    labels = [m.label for m in app.metric]
    assert labels.count("Parameters") == 4 and "vs its twin" in labels
