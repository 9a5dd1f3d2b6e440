"""The explorer page (app_pages/explorer.py) under AppTest, on the real bundled zoo and engine."""

import numpy as np
import pytest

from tests.app_pages.apptest import VERDICT_WORDS, grid_rows, open_app, problems, texts, verdicts


def test_explorer_attacks_the_four_models_in_one_grid_then_finds_the_smallest_flipping_epsilon():
    app = open_app()
    assert not problems(app), problems(app)
    assert app.title[0].value == "Attack explorer"
    assert len(verdicts(app)) == 4, verdicts(app)
    assert "ε = 0.005 (1.28/255)" in texts(app.subheader)[0]  # the middle of the paper's derm grid
    assert len(app.get("download_button")) == 2
    rows = [r for r in grid_rows(app) if len(r) == 4]
    assert len(rows) >= 5  # clean and adversarial saliency, two attention rows, perturbation
    assert sum("No soft-attention block" in c for c in texts(app.caption)) == 4  # 2 vanilla x 2 rows
    assert any(t.startswith("Perturbation ×") and "/255" in t for t in texts(app.caption))
    charts = len(app.get("plotly_chart"))
    app.button(key="find_minimal").click().run()
    assert not app.exception and not problems(app)
    assert len(app.get("plotly_chart")) == charts + 1  # the bar chart, vanilla vs attentive
    assert any("Bisection over ε in steps of 0.25/255" in c for c in texts(app.caption))


def test_a_first_visitor_sees_the_bundled_opening_view_without_waiting_for_the_engine(monkeypatch):
    """The explorer's opening view is bundled (checkpoints/demo/views): drawn with the engine
    refusing every request. Fails when a model it opens on was retrained without writing the
    view again (python -m app_pages.first_view)."""
    from concurrent.futures import Future

    from core.engine import EngineError
    from core.engine.client import Engine

    asked = []

    def refuse(self, request, *, background=False):
        asked.append(request)
        refused = Future()
        refused.set_exception(EngineError("the test's engine answers nothing"))
        return refused

    monkeypatch.delenv("ADVATTN_BUNDLED_VIEWS")
    monkeypatch.setattr(Engine, "submit", refuse)
    app = open_app()
    cautions = [t for t in texts(app.warning) if not t.startswith(VERDICT_WORDS)]  # "Already wrong" is a verdict
    assert not problems(app) and not cautions, (problems(app), cautions)
    assert len(verdicts(app)) == 4, "the bundled opening view is stale: run python -m app_pages.first_view"
    assert "ε = 0.005 (1.28/255)" in texts(app.subheader)[0]
    assert len(app.get("download_button")) == 2
    # the engine only primed and prefetching (models warmed by earlier tests go in pairs)
    assert {type(r).__name__ for r in asked} <= {"Prime", "Explore", "Together"}
    explores = [e for r in asked for e in getattr(r, "requests", [r]) if type(e).__name__ == "Explore"]
    assert all(e.epsilon != 0.005 for e in explores)
    for epsilon in (0.00125, 0.0025, 0.01):  # every other preset of the opening image is bundled too
        app.session_state["epsilon_preset_derm"] = app.session_state["epsilon_value_derm"] = epsilon
        app.run()
        assert len(verdicts(app)) == 4 and f"ε = {epsilon:g} (" in texts(app.subheader)[0], (
            f"the bundled view at ε {epsilon:g} is missing or stale: run python -m app_pages.first_view")


def test_explorer_natural_mode_shows_the_same_grid_under_a_corruption():
    app = open_app(task="cxr")
    app.segmented_control(key="explorer_mode").set_value("natural").run()
    app.selectbox(key="explorer_corruption").set_value("cxr_grid_lines").run()
    app.slider(key="explorer_severity").set_value(5).run()
    assert not problems(app), problems(app)
    assert "Anti-scatter grid lines · severity 5" in texts(app.subheader)[0]
    assert len(verdicts(app)) == 4
    assert any(t.startswith("Corrupted ·") for t in texts(app.caption))
    assert any(t.startswith("Change, amplified to its largest") for t in texts(app.caption))
    assert "find_minimal" not in [b.key for b in app.button]  # the smallest ε is the attack's question
    numbers = [t for t in texts(app.caption) if t.startswith("L∞ ")]
    assert len(numbers) == 4 and len({t.split(" · ")[0] for t in numbers}) == 1  # the same change for every model
    offered = app.selectbox(key="explorer_corruption").options  # the task's own and the general ones
    assert "Anti-scatter grid lines" in offered and "Hairs" not in offered  # never another modality's


def test_a_natural_setting_runs_its_corruption_whatever_the_model(tiny):
    from core.attack_settings import Natural
    from core.attacks import run_attack
    from core.corruptions import corrupt

    model, images, labels, _ = tiny
    changed = run_attack(Natural("jpeg", 4), model, images[:3], labels[:3], epsilon=0.0, seed=1)
    np.testing.assert_array_equal(changed, corrupt(images[:3], "jpeg", 4, seed=1))
    with pytest.raises(ValueError, match="severity must be a whole number from 1 to 5"):
        run_attack(Natural("jpeg", 6), model, images[:3], labels[:3], epsilon=0.0)
    with pytest.raises(ValueError, match="derm_hair is a derm corruption"):
        run_attack(Natural("derm_hair", 2, "cxr"), model, images[:3], labels[:3], epsilon=0.0)


def test_grid_tiles_are_all_of_one_size_in_twin_order():
    from core.explore import explore, explorer_attack
    from core.models.zoo import all_specs, load_model
    from app_pages.explorer_view import column_tiles, grid_order, tile_titles

    models = {spec: load_model(spec) for spec in all_specs("demo", "cxr")}
    image = np.random.default_rng(0).random((96, 96, 3), dtype=np.float32)
    result = explore(models, image, epsilon=0.01, attack=explorer_attack(2))
    assert [(o.spec.backbone, o.spec.attention) for o in grid_order(result.outcomes)] == [
        ("resnet50", False), ("resnet50", True), ("inception_resnet_v2", False), ("inception_resnet_v2", True)]
    columns = [column_tiles(result.image, o, epsilon=result.epsilon) for o in grid_order(result.outcomes)]
    rows = [(title, [column[row] for column in columns])  # as GridView lays them out
            for row, title in enumerate(tile_titles("Grad-CAM", epsilon=result.epsilon))]
    shapes = {tile.shape for _, tiles in rows for tile in tiles if tile is not None}
    assert len(rows) == 5 and all(len(tiles) == 4 for _, tiles in rows) and shapes == {(96, 96, 3)}
    assert [tile is None for tile in rows[2][1]] == [True, False, True, False]  # vanilla: no attention


@pytest.mark.parametrize("name,data,message", [
    ("badVR.dcm", None, "not a whole number"),
    ("notes.dcm", b"Patient notes, not an image" * 20, "not a DICOM file"),
    ("noise.dcm", bytes(range(256)) * 20, "not a DICOM file"),
    ("scan.png", b"this is not an image", "not an image format"),
])
def test_bad_uploads_show_an_error_never_a_traceback(name, data, message):
    if data is None:
        from pydicom.data import get_testdata_file

        data = open(get_testdata_file(name), "rb").read()
    app = open_app()
    app.radio(key="image_source").set_value("Upload").run()
    app.file_uploader(key="upload").set_value((name, data, "application/octet-stream")).run()
    assert not app.exception
    assert any("Could not use this file" in t and message in t for t in texts(app.error)), texts(app.error)


def test_a_dataset_path_outside_the_data_root_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("ADVATTN_DATA_ROOT", str(tmp_path))
    app = open_app()
    app.radio(key="image_source").set_value("Dataset sample").run()
    app.text_input(key="dataset_path").set_value("/root").run()
    assert not app.exception
    errors = texts(app.error)
    assert any("outside the data folder" in t for t in errors) and not any(".ssh" in t for t in errors)


def test_a_real_fundus_photograph_loads_with_its_source_licence_and_a_caution():
    app = open_app(task="fundus")
    app.radio(key="image_source").set_value("Real photographs").run()
    assert not app.exception and not problems(app), problems(app)
    captions = " ".join(texts(app.caption))
    assert "skimage.data.retina" in captions and "CC0" in captions
    assert any("trained on synthetic images" in t for t in texts(app.info))
    assert any("unlike what the models were trained on" in t for t in texts(app.warning))
    assert len(verdicts(app)) == 4
    assert all("referable DR" in v and "_" not in v for v in verdicts(app))  # short names, not the file keys


def test_explorer_takes_a_dicom_upload(tmp_path):
    from tests.data.dicom_fixtures import write_dicom

    pixels = (np.indices((120, 100)).sum(axis=0) * 10).astype(np.uint16)
    data = write_dicom(tmp_path / "x.dcm", pixels, window=(1000, 2000)).read_bytes()
    app = open_app(task="cxr")
    app.radio(key="image_source").set_value("Upload").run()
    app.file_uploader(key="upload").set_value(("x.dcm", data, "application/dicom")).run()
    assert not app.exception and not problems(app), problems(app)
    assert any("chest x-ray filter" in c for c in texts(app.caption))
    assert len(verdicts(app)) == 4
    assert any("DICOM Modality is OT" in t for t in texts(app.warning))  # not a radiograph


def test_explorer_l2_threat_then_a_patch_in_one_session():
    """The Threat switch's L2 spends the lesion-sized budget anywhere; the patch mode places a
    visible square on every model. One session, as a user switches threats."""
    from core.attack_settings import l2_radius

    app = open_app(task="derm")
    assert app.slider(key="epsilon_value_derm").label.startswith("ε (L∞ radius")
    app.segmented_control(key="explorer_threat").set_value("l2").run()
    assert not problems(app), problems(app)
    slider = app.slider(key="epsilon_value_derm")
    assert slider.label.startswith("ε (sets the L2 radius") and slider.value == 0.005  # same ε, kept, labelled
    radius = l2_radius(0.005, 96)  # the opening ε over a quarter-side square of a 96 px image
    assert f"L2 radius {radius:.3g}" in texts(app.subheader)[0]
    assert len(verdicts(app)) == 4
    assert "find_minimal" not in [b.key for b in app.button]  # the smallest-ε search is the L∞ one
    for number in (t for t in texts(app.caption) if t.startswith("L∞ ")):
        assert float(number.split("L2 ")[1].split(" ")[0]) <= radius + 1e-3
    app.segmented_control(key="explorer_mode").set_value("patch").run()
    app.select_slider(key="patch_area").set_value(0.04)
    app.radio(key="patch_placement").set_value("centre")  # one location: the four of "task" are the attack's tests
    app.slider(key="patch_steps").set_value(10).run()
    assert not problems(app), problems(app)
    assert "adversarial patch of 4% of the image" in texts(app.subheader)[0]
    assert len(verdicts(app)) == 4
    assert any(t.startswith("Patched ·") for t in texts(app.caption))
    assert "find_minimal" not in [b.key for b in app.button]  # no ε: its size is its area
    side = round(0.2 * 96)  # 4 % of a 96 px image: a 19 px square
    for number in (t for t in texts(app.caption) if t.startswith("L∞ ")):
        l2 = float(number.split("L2 ")[1].split(" ")[0])
        assert 0 < l2 <= np.sqrt(side * side * 3)  # only the square's pixels changed, each by at most 1
    on_patch = [m for m in texts(app.markdown) if "**patch**" in m]  # each model's map scored on the sticker
    assert len(on_patch) == 4 and all("% inside" in m for m in on_patch)
