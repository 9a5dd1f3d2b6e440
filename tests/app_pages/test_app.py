"""The app as a whole under AppTest: every page runs, the zoo page, the user's zoo, the method registry."""

from pathlib import Path

import pytest

from tests.app_pages.apptest import PAGES, open_app, problems, texts, user_app, verdicts


@pytest.mark.parametrize("page", [p for p in PAGES if p != "app_pages/explorer.py"])  # explorer: test_explorer.py
def test_every_page_runs_without_error(page):
    app = open_app(page)
    assert not problems(app), problems(app)
    assert app.title[0].value


def test_zoo_page_lists_every_bundled_model_with_its_card():
    from core.models.zoo import scan

    bundled = [spec for spec, _, _ in scan("demo") if spec.task == "fundus"]  # the four, and defended twins
    app = open_app("app_pages/zoo.py", task="fundus")
    assert len(bundled) >= 4 and len(app.expander) >= len(bundled)
    labels = [m.label for m in app.metric]
    assert labels.count("Parameters") == len(bundled) and "Added by attention" in labels
    added = next(m for m in app.metric if m.label == "Added by attention")
    assert added.value.startswith("+") and "parameters" in added.proto.delta  # a count of weights, not a score
    targets = [c for c in texts(app.caption) if c.startswith("Demo target")]  # the undefended four, calibrated
    assert len(targets) == 4 and all("its 95 % interval meets the band" in c for c in targets)
    assert "Demo target (clean accuracy (real mix) 0.79–0.87" in targets[0]


@pytest.fixture
def user_zoo_with_a_broken_model(tmp_path):
    """The bundled cxr models copied into "My models", one of them truncated."""
    import shutil

    source = Path(__file__).resolve().parents[2] / "checkpoints" / "demo" / "cxr"
    target = tmp_path / "models" / "demo" / "cxr"
    target.mkdir(parents=True)
    for path in source.glob("*.*"):
        shutil.copy(path, target / path.name)
    broken = target / "inception_resnet_v2_attention.keras"
    broken.write_bytes(broken.read_bytes()[:5000])
    return broken




def test_a_bad_checkpoint_is_listed_with_its_error_and_skipped(user_zoo_with_a_broken_model):
    zoo = user_app("app_pages/zoo.py")
    errors = [t for t in texts(zoo.error) if "cannot be used" in t]
    assert len(errors) == 1 and "InceptionResNetV2" in errors[0]
    explorer = user_app()
    skipped = [t for t in texts(explorer.warning) if "is skipped" in t]
    assert len(skipped) == 1 and "safe_mode" not in skipped[0] and "unsafe" not in skipped[0]
    assert len(verdicts(explorer)) == 3  # the other three models carry on
    assert any("without its twin" in t for t in texts(explorer.info))


def test_the_method_registry_drives_the_selectors(monkeypatch):
    from core.explain import METHODS

    titles = [m.title for m in METHODS.values()]
    monkeypatch.delenv("ADVATTN_BUNDLED_VIEWS")  # the explorer's opening view: its selectors are the question here
    explorer = open_app()
    assert list(explorer.selectbox(key="explorer_method").options) == titles
    gallery = open_app("app_pages/gallery.py", task="cxr", state={"gallery_count": 2, "gallery_steps": 2})
    assert list(gallery.selectbox(key="gallery_method").options) == titles
    gallery.toggle(key="gallery_two_methods").set_value(True).run()
    gallery.selectbox(key="gallery_method_2").set_value("grad_cam_pp").run()
    assert not gallery.exception and not problems(gallery)
    methods = set(gallery.dataframe[0].value["method"])
    assert methods == {"Grad-CAM", "Grad-CAM++"}  # the shift table is per method
    moved = gallery.dataframe[0].value
    assert set(moved["right under attack"]) <= {"0 of 2", "1 of 2", "2 of 2"}  # a count, not a bare 0.5 ...
    assert all(float(low) <= float(high) for low, high in (ci.split("–") for ci in moved["95 % CI"]))  # its interval
    # cxr bundles each backbone's defended twins too: the gallery shows one twin pair, undefended first
    assert list(gallery.selectbox(key="gallery_defence_inception_resnet_v2").options) == ["undefended", "adversarially trained (PGD-AT)"]
    shown = set(gallery.dataframe[0].value["model"])
    assert len(shown) == 2 and not any("PGD-AT" in title for title in shown)
