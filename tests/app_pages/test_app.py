"""Every page under streamlit.testing.v1.AppTest, against the real bundled demo zoo."""

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "dashboard.py")
PAGES = ["app_pages/explorer.py", "app_pages/curves.py", "app_pages/gallery.py", "app_pages/training.py", "app_pages/zoo.py"]


@pytest.fixture(autouse=True)
def private_workspace(tmp_path, monkeypatch):
    """Jobs and user-trained models go to a temporary folder, never the repository; the
    explorer computes its views on the engine (not from the bundled opening view)."""
    monkeypatch.setenv("ADVATTN_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("ADVATTN_USER_MODELS", str(tmp_path / "models"))
    monkeypatch.setenv("ADVATTN_BUNDLED_VIEWS", "")


def _app(page=None, task="derm", zoo=None):
    """The app opened on `page` (default: the explorer), as a deep link would open it, on the
    bundled zoo or on `zoo` ("My models")."""
    app = AppTest.from_file(APP, default_timeout=300)
    app.session_state["task"] = task
    if zoo:
        app.session_state["zoo"] = zoo
    if page:
        app.switch_page(page)  # before the first run: the explorer does not run first
    app.run()
    assert any("not a diagnostic device" in m for m in _texts(app.info)), "the sidebar banner is missing"
    assert not app.exception, app.exception
    return app


def _texts(elements):
    return [e.value for e in elements]


def _problems(app):
    """Error messages, less the explorer's red "Flipped" verdicts."""
    return [t for t in _texts(app.error) if not t.startswith("**Flipped**")]


def _verdicts(app):
    return [t for t in _texts(app.success) + _texts(app.error) if t.startswith(("**Held**", "**Flipped**"))]


@pytest.mark.parametrize("page", [p for p in PAGES if p != "app_pages/explorer.py"])  # explorer: below
def test_every_page_runs_without_error(page):
    app = _app(page)
    assert not _problems(app), _problems(app)
    assert app.title[0].value


def _grid_rows(app):
    """The explorer's tile rows: horizontal blocks of one image per column."""
    rows = []
    for block in app.get("flex_container"):
        columns = [c for c in block.children.values() if getattr(c, "type", "") == "column"]
        images = [[e for e in c.children.values() if getattr(e, "type", "") == "image"] for c in columns]
        if columns and all(len(i) == 1 for i in images):
            rows.append([i[0] for i in images])
    return rows


def test_explorer_attacks_the_four_models_in_one_grid_then_finds_the_smallest_flipping_epsilon():
    app = _app()
    assert not _problems(app), _problems(app)
    assert app.title[0].value == "Attack explorer"
    assert len(_verdicts(app)) == 4, _verdicts(app)
    assert "ε = 0.005 (1.28/255)" in _texts(app.subheader)[0]  # the middle of the paper's derm grid
    assert len(app.get("download_button")) == 2
    rows = [r for r in _grid_rows(app) if len(r) == 4]
    assert len(rows) >= 5  # clean and adversarial saliency, two attention rows, perturbation
    assert sum("No soft-attention block" in c for c in _texts(app.caption)) == 4  # 2 vanilla x 2 rows
    assert any(t.startswith("Perturbation ×") and "/255" in t for t in _texts(app.caption))
    charts = len(app.get("plotly_chart"))
    app.button(key="find_minimal").click().run()
    assert not app.exception and not _problems(app)
    assert len(app.get("plotly_chart")) == charts + 1  # the bar chart, vanilla vs attentive
    assert any("Bisection over ε in steps of 0.25/255" in c for c in _texts(app.caption))


def test_a_first_visitor_sees_the_bundled_opening_view_without_waiting_for_the_engine(monkeypatch):
    """The explorer's opening view is bundled (checkpoints/demo/views): drawn with the engine
    refusing every request. Fails when a model it opens on was retrained without writing the
    view again (python -m app_pages.first_view)."""
    from concurrent.futures import Future

    from core.engine import EngineError
    from core.engine.client import Engine

    asked = []

    def refuse(self, request):
        asked.append(request)
        refused = Future()
        refused.set_exception(EngineError("the test's engine answers nothing"))
        return refused

    monkeypatch.delenv("ADVATTN_BUNDLED_VIEWS")
    monkeypatch.setattr(Engine, "submit", refuse)
    app = _app()
    assert not _problems(app) and not app.warning, (_problems(app), _texts(app.warning))
    assert len(_verdicts(app)) == 4, "the bundled opening view is stale: run python -m app_pages.first_view"
    assert "ε = 0.005 (1.28/255)" in _texts(app.subheader)[0]
    assert len(app.get("download_button")) == 2
    assert {type(r).__name__ for r in asked} <= {"Prime", "Explore"}  # the engine only primed and prefetching
    assert all(r.epsilon != 0.005 for r in asked if type(r).__name__ == "Explore")


def test_explorer_natural_mode_shows_the_same_grid_under_a_corruption():
    app = _app(task="cxr")
    app.segmented_control(key="explorer_mode").set_value("natural").run()
    app.selectbox(key="explorer_corruption").set_value("cxr_grid_lines").run()
    app.slider(key="explorer_severity").set_value(5).run()
    assert not _problems(app), _problems(app)
    assert "Anti-scatter grid lines · severity 5" in _texts(app.subheader)[0]
    assert len(_verdicts(app)) == 4
    assert any(t.startswith("Corrupted ·") for t in _texts(app.caption))
    assert any(t.startswith("Change, amplified to its largest") for t in _texts(app.caption))
    assert "find_minimal" not in [b.key for b in app.button]  # the smallest ε is the attack's question
    numbers = [t for t in _texts(app.caption) if t.startswith("L∞ ")]
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
    columns = [column_tiles(result.image, o, result.epsilon) for o in grid_order(result.outcomes)]
    rows = [(title, [column[row] for column in columns])  # as GridView lays them out
            for row, title in enumerate(tile_titles(result.epsilon, "Grad-CAM"))]
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
    app = _app()
    app.radio(key="image_source").set_value("Upload").run()
    app.file_uploader(key="upload").set_value((name, data, "application/octet-stream")).run()
    assert not app.exception
    assert any("Could not use this file" in t and message in t for t in _texts(app.error)), _texts(app.error)


def test_a_dataset_path_outside_the_data_root_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("ADVATTN_DATA_ROOT", str(tmp_path))
    app = _app()
    app.radio(key="image_source").set_value("Dataset sample").run()
    app.text_input(key="dataset_path").set_value("/root").run()
    assert not app.exception
    errors = _texts(app.error)
    assert any("outside the data folder" in t for t in errors) and not any(".ssh" in t for t in errors)


def test_a_real_fundus_photograph_loads_with_its_source_licence_and_a_caution():
    app = _app(task="fundus")
    app.radio(key="image_source").set_value("Real photographs").run()
    assert not app.exception and not _problems(app), _problems(app)
    captions = " ".join(_texts(app.caption))
    assert "skimage.data.retina" in captions and "CC0" in captions
    assert any("trained on synthetic images" in t for t in _texts(app.info))
    assert any("unlike what the models were trained on" in t for t in _texts(app.warning))
    assert len(_verdicts(app)) == 4


def test_explorer_takes_a_dicom_upload(tmp_path):
    from tests.data.dicom_fixtures import write_dicom

    pixels = (np.indices((120, 100)).sum(axis=0) * 10).astype(np.uint16)
    data = write_dicom(tmp_path / "x.dcm", pixels, window=(1000, 2000)).read_bytes()
    app = _app(task="cxr")
    app.radio(key="image_source").set_value("Upload").run()
    app.file_uploader(key="upload").set_value(("x.dcm", data, "application/dicom")).run()
    assert not app.exception and not _problems(app), _problems(app)
    assert any("chest x-ray filter" in c for c in _texts(app.caption))
    assert len(_verdicts(app)) == 4
    assert any("DICOM Modality is OT" in t for t in _texts(app.warning))  # not a radiograph


def _bundled_zoo_without(tmp_path, monkeypatch, *kinds):
    """The app's bundled zoo, less its saved runs of `kinds` (e.g. "fmn", "mechanism") and, with
    "defended", its adversarially trained models and their runs: a copy of checkpoints/ made of
    links, so that a page test of a missing run, or one that counts the task's models, does not
    depend on what happens to be bundled."""
    import os
    import shutil

    from core.models.spec import DEFENCES
    from core.models.zoo import CHECKPOINT_ROOT

    defended = tuple(f"_{tag}" for tag, _ in DEFENCES.values() if tag) if "defended" in kinds else ()

    def hidden(folder, names):  # a model's run (<stem>-fmn-<key>.json) or a task's (seeds-<key>.json)
        runs = {n for n in names if any(f"-{kind}-" in n or n.startswith(f"{kind}-") for kind in kinds)}
        models = {n for n in names if defended and any(f"{tag}." in n or f"{tag}-" in n or f"{tag}_" in n
                                                       for tag in defended)}
        return runs | models | ({"user"} if folder == str(CHECKPOINT_ROOT) else set())

    copy = tmp_path / "checkpoints"
    shutil.copytree(CHECKPOINT_ROOT, copy, ignore=hidden, copy_function=os.symlink)
    monkeypatch.setattr("app_pages.common.CHECKPOINT_ROOT", copy)
    return copy


def test_bundled_zoo_without_hides_only_the_named_runs(tmp_path, monkeypatch):
    from app_pages.common import CHECKPOINT_ROOT as bundled

    copy = _bundled_zoo_without(tmp_path, monkeypatch, "fmn")
    results = sorted(p.name for p in (bundled / "demo" / "derm" / "results").iterdir())
    kept = sorted(p.name for p in (copy / "demo" / "derm" / "results").iterdir())
    assert any("-fmn-" in n for n in results) and kept == [n for n in results if "-fmn-" not in n]
    assert __import__("app_pages.common").common.CHECKPOINT_ROOT == copy
    undefended = _bundled_zoo_without(tmp_path / "undefended", monkeypatch, "defended")
    from core.models.zoo import available

    assert all(s.defence == "none" for s in available("demo", root=undefended))
    assert len(available("demo", root=undefended)) == 12  # the paper's four per task


def _bundled_curves_with_labels(tmp_path, task="cxr", predicted=None):
    """The bundled strong curves of `task`, copied into the user's results folder with the
    test images' labels (results saved before labels were kept lack them; the page then says
    to evaluate again)."""
    from core.atomic import write_json
    from core.data import synthetic
    from core.evaluate import PRESETS, load_results, results_key, results_path
    from core.evaluate.encoding import labels_to_text, text_to_flags
    from core.models.spec import all_specs
    from core.models.zoo import CHECKPOINT_ROOT

    _, labels = synthetic.split(task, "test", 200, size=32)
    for spec in all_specs("demo", task):
        result = load_results(spec, data=synthetic.split_description(task), n=200, epsilons=spec.task_info.epsilons,
                              attack=PRESETS["strong"], root=CHECKPOINT_ROOT)
        result.setdefault("labels", labels_to_text(labels))
        for row in result["curve"] if predicted else ():  # made up here: what each fooled image became
            row.setdefault("predicted", labels_to_text(predicted(labels, text_to_flags(row["robust"]))))
        key = results_key(result["data"], 200, spec.task_info.epsilons, PRESETS["strong"])
        write_json(results_path(spec, key, root=tmp_path / "models"), result)


def test_curves_page_shows_intervals_the_paper_beside_strong_the_twin_test_and_checks(tmp_path, monkeypatch):
    _bundled_zoo_without(tmp_path, monkeypatch, "fmn", "mechanism", "seeds", "defended")  # the grid's part of the page
    _bundled_curves_with_labels(tmp_path)
    app = _app("app_pages/curves.py", task="cxr")
    assert not _problems(app), _problems(app)
    charts = app.get("plotly_chart")
    assert len(charts) == 4  # accuracy, on a binary task AUC under attack, the clean/robust trade-off, which way
    tradeoff = __import__("json").loads(charts[2].proto.spec)
    points = [t for t in tradeoff["data"] if t.get("mode") == "markers"]
    assert len(points) == 4 and all(t["error_x"]["array"] and t["error_y"]["array"] for t in points)
    figure = __import__("json").loads(charts[0].proto.spec)
    bands = [t for t in figure["data"] if t.get("fill") == "toself"]
    paper = [t for t in figure["data"] if "paper's PGD" in t.get("name", "")]
    assert len(bands) == 4 and len(paper) == 4  # a 95 % band per model; the paper's protocol beside
    assert all(t["mode"] == "lines" for t in bands)  # an area, no stray dots at its edges
    assert all("clean" in t["name"] for t in figure["data"] if t.get("mode") == "lines+markers")
    assert figure["layout"]["legend"]["y"] < 0  # below the plot: the x-axis title stays readable
    tables = app.dataframe
    assert len(tables[0].value) == 4 * 9 and "95 % CI" in tables[0].value.columns
    formats = __import__("json").loads(tables[0].proto.columns)
    assert formats["ε"]["type_config"]["format"] == "%g"  # 0.00125 as given, not the table's 0.0013
    assert len(tables) == 3  # the curves, then one twin table per family
    assert any("McNemar" in c and "soft attention changes" in c for c in _texts(app.caption))
    assert any("ε is on the [0, 1] pixel scale" in m for m in _texts(app.info))
    assert sum(e.label.startswith(("Trustworthy", "Usable", "Not trustworthy")) or ": " in e.label
               for e in app.expander) >= 4
    which_way = __import__("json").loads(charts[3].proto.spec)  # sensitivity and specificity at the threshold
    assert [a["text"] for a in which_way["layout"]["annotations"]][0].startswith("Sensitivity")
    assert len([t for t in which_way["data"] if t.get("mode") == "lines+markers"]) == 8  # 4 models x 2 panels
    harms = [m for m in _texts(app.markdown) if "hidden in" in m]
    assert len(harms) == 4 and all("invented in" in m and " of 100 positive images" in m for m in harms)


def test_curves_page_shows_which_class_each_class_becomes_under_attack(tmp_path):
    from core.tasks import get_task

    derm = get_task("derm")
    mel, nv = derm.class_index("mel"), derm.class_index("nv")
    _bundled_curves_with_labels(tmp_path, "derm", predicted=lambda labels, robust: np.where(
        robust, labels, np.where(labels == mel, nv, mel)))  # fooled melanomas read as naevi, the rest as melanoma
    app = _app("app_pages/curves.py", task="derm")
    assert not _problems(app), _problems(app)
    figures = [__import__("json").loads(c.proto.spec) for c in app.get("plotly_chart")]
    heatmap, = [f["data"][0] for f in figures if f["data"] and f["data"][0]["type"] == "heatmap"]
    assert heatmap["type"] == "heatmap" and heatmap["y"] == list(derm.classes)
    assert sum(map(int, sum(heatmap["text"], []))) == 200  # every image of the sample, once
    became = [m for m in _texts(app.markdown) if "kept their class" in m]
    assert len(became) == 7 and became[0].startswith("- Melanoma:") and "Melanocytic naevus" in became[0]


def test_curves_page_writes_the_report_in_one_click(tmp_path, monkeypatch):
    monkeypatch.setattr("core.report.print_pdf", lambda path: None)  # printing is tested in tests/test_report.py
    app = _app("app_pages/curves.py", task="cxr")
    app.button(key="write_report").click().run()
    assert not _problems(app), _problems(app)
    written = tmp_path / "runs" / "reports" / "cxr-bundled-demo-200.html"
    assert written.is_file() and "<h2>Robustness curves" in written.read_text(encoding="utf-8")
    assert any("No PDF: Chromium is not installed" in c for c in _texts(app.caption))
    app.number_input(key="curve_n").set_value(37).run()  # no results on 37 images: a message, no report
    app.button(key="write_report").click().run()
    assert any("run python -m core.evaluate --task cxr --n 37 first" in e for e in _problems(app))


def test_curves_page_shows_why_one_twin_is_harder_to_fool(tmp_path, monkeypatch):
    """Saved mechanism profiles (made up here, saved where core.evaluate --mechanism saves them)
    give the measures' distributions, the twins' paired tests with sentences and the loss
    surface; a missing one is a button that starts the --mechanism job."""
    from core.atomic import write_json
    from core.data.synthetic import split_description
    from core.data import synthetic
    from core.evaluate import minimum_norm_result, results_path, save_minimum_norm
    from core.mechanism import mechanism_key, mechanism_twin_tests
    from core.models.spec import ModelSpec

    rng = np.random.default_rng(0)
    attacked = [e for e in ModelSpec("cxr", "resnet50", True).task_info.epsilons if e > 0]
    key = mechanism_key(split_description("cxr"), 200, attacked[len(attacked) // 2], 0)  # the grid's middle ε
    steps = list(np.linspace(-1, 1, 11))
    profiles = {}
    for attention in (False, True):
        spec = ModelSpec("cxr", "resnet50", attention)
        measures = {"margin_clean": rng.uniform(1, 5, 200) * (2 if attention else 1), "gradient_norm": rng.uniform(1, 9, 200)}
        profiles[attention] = {"model_id": spec.model_id, "spec": spec.to_dict(), "n": 200, "epsilon": 0.01,
                               "measures": {k: list(v) for k, v in measures.items()},
                               "surfaces": [{"steps": steps, "adversarial": list(np.exp(steps)), "random": [1.0] * 11,
                                             "surface": None}]}
    profiles[True]["twin_test"] = mechanism_twin_tests(profiles[True], profiles[False])
    _bundled_zoo_without(tmp_path, monkeypatch, "fmn", "mechanism", "seeds", "defended")  # only the runs made up here
    for attention, profile in profiles.items():
        write_json(results_path(ModelSpec("cxr", "resnet50", attention), key, root=tmp_path / "models"), profile)
        spec, labels = ModelSpec("cxr", "resnet50", attention), synthetic.split("cxr", "test", 200, size=32)[1]
        stars = rng.uniform(0.001, 0.01, 200) * (2 if attention else 1)  # attention helps over the whole curve
        save_minimum_norm(spec, minimum_norm_result(spec, stars, labels, data=split_description("cxr"), steps=100,
                                                    results_root=tmp_path / "models"), root=tmp_path / "models")
    app = _app("app_pages/curves.py", task="cxr")
    assert not _problems(app), _problems(app)
    assert any("logit margin, clean" in c and "harder to fool by this measure" in c for c in _texts(app.caption))
    assert any(m.startswith("**Which measure follows robustness?** attention makes the ResNet-50 twin harder")
               for m in _texts(app.markdown))
    assert any(c.startswith("The logit margin, clean points the way robustness does on 1 of the 1")
               for c in _texts(app.caption))
    table = app.dataframe[-1].value
    assert set(table["measure"]) == {"logit margin, clean", "input-gradient L1 norm"} and "Wilcoxon p" in table
    surface = __import__("json").loads(app.get("plotly_chart")[-1].proto.spec)
    assert len(surface["data"]) == 4  # two models x (adversarial, random)
    started = []
    monkeypatch.setattr("app_pages.mechanism.start_job", lambda kind, key, arguments, **_: started.append(
        " ".join(arguments)))
    app.button(key="run_mechanism").click().run()
    assert started and "--mechanism" in started[0] and started[0].count("--model") == 2  # the IRv2 twins


def test_curves_page_evaluates_the_bundled_zoo_into_the_users_folder(tmp_path):
    from core.jobs import cancel_job, list_jobs, wait_for

    app = _app("app_pages/curves.py", task="cxr")
    app.segmented_control(key="curve_preset").set_value("custom").run()
    app.number_input(key="curve_steps").set_value(2).run()
    app.button(key="run_eval").click().run()
    assert not app.exception and not _problems(app), _problems(app)
    job = list_jobs()[0]
    command = " ".join(__import__("json").load(open(tmp_path / "runs" / job.key / "job.json"))["command"])
    assert f"--results-root {tmp_path / 'models'}" in command  # never into checkpoints/demo
    from core.evaluate import Preset

    sent = Preset.from_dict(__import__("json").loads((tmp_path / "runs" / job.key / "preset-file.json").read_text()))
    assert sent.name == "custom" and sent.attacks[0].steps == 2 and "--preset-file" in command  # whole preset
    cancel_job(job.key, grace_s=60)
    wait_for(job.key, timeout_s=120)


def test_the_training_epsilon_starts_at_the_tasks_own(tmp_path):
    app = _app("app_pages/training.py", task="fundus")  # drawn before a defence is picked: a form
    field = app.number_input(key="form_defence_eps")      # reruns only when it is submitted
    assert field.value == 0.0025  # fundus models collapse to one answer when trained at the grid's middle
    assert "derm 0.005, fundus 0.0025, cxr 0.02" in field.help


def test_training_form_launches_a_job(tmp_path, monkeypatch):
    from core.jobs import cancel_job, list_jobs, wait_for

    app = _app("app_pages/training.py", task="cxr")
    app.number_input(key="form_synthetic_train").set_value(16)
    app.selectbox(key="form_defence").set_value("pgd-at")  # a defended model: its own id, its own job
    app.sidebar.form_submit_button[0].click().run()
    assert not app.exception and not _problems(app), _problems(app)
    jobs = list_jobs()
    assert [j.key for j in jobs] == ["train-demo-cxr-resnet50-attention-pgdat"]
    from core.train import TrainConfig

    sent = TrainConfig.from_dict(__import__("json").loads((tmp_path / "runs" / jobs[0].key / "config.json").read_text()))
    assert sent.synthetic_train == 16 and sent.seed == 0 and sent.epoch_fraction is None  # every field travels
    assert (sent.defence, sent.defence_epsilon, sent.defence_steps) == ("pgd-at", 0.02, 7)  # cxr's own ε
    assert sent.init_from is None  # from scratch unless fine-tuning is ticked
    again = _app("app_pages/training.py", task="cxr")
    again.number_input(key="form_synthetic_train").set_value(16)
    again.selectbox(key="form_defence").set_value("pgd-at")
    again.sidebar.form_submit_button[0].click().run()
    assert any("already running" in t for t in _texts(again.error))  # one job per model
    sent_configs = []  # the job runner is tested above: here only what the form sends
    monkeypatch.setattr("core.jobs.start_job", lambda kind, key, arguments, files=None, **_: sent_configs.append(
        (key, TrainConfig.from_dict(files["--config"]))))
    again.checkbox(key="form_defence_init").check()
    again.selectbox(key="form_backbone").set_value("inception_resnet_v2")
    again.sidebar.form_submit_button[0].click().run()  # fine-tuning starts from the bundled undefended model
    [(key, tuned)] = sent_configs
    assert key == "train-demo-cxr-inception_resnet_v2-attention-pgdat"
    assert tuned.init_from.endswith("checkpoints/demo/cxr/inception_resnet_v2_attention.keras")
    assert again.selectbox(key="form_task").format_func("cxr") == "Pneumothorax detection (chest x-ray)"
    by_label = {n.label: n.value for n in again.sidebar.number_input}
    patience, epochs = by_label["Early-stopping patience (epochs without improvement)"], by_label["Max epochs"]
    assert patience <= epochs  # the demo defaults: patience 6 of at most 30 epochs
    cancel_buttons = [b for b in again.button if b.key == f"cancel_{jobs[0].key}"]
    if cancel_buttons:  # still running: Cancel reruns the whole page
        cancel_buttons[0].click().run()
        assert not any("already running" in t for t in _texts(again.error))
        assert not any(b.key == f"cancel_{jobs[0].key}" for b in again.button)
    else:
        cancel_job(jobs[0].key)
    assert wait_for(jobs[0].key, timeout_s=180).status in ("cancelled", "done", "failed")


def test_zoo_page_lists_every_bundled_model_with_its_card():
    from core.models.zoo import scan

    bundled = [spec for spec, _, _ in scan("demo") if spec.task == "fundus"]  # the four, and defended twins
    app = _app("app_pages/zoo.py", task="fundus")
    assert len(bundled) >= 4 and len(app.expander) >= len(bundled)
    labels = [m.label for m in app.metric]
    assert labels.count("Parameters") == len(bundled) and "vs its twin" in labels


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


def _user_app(page=None):
    return _app(page, task="cxr", zoo="My models")


def test_a_bad_checkpoint_is_listed_with_its_error_and_skipped(user_zoo_with_a_broken_model):
    zoo = _user_app("app_pages/zoo.py")
    errors = [t for t in _texts(zoo.error) if "cannot be used" in t]
    assert len(errors) == 1 and "InceptionResNetV2" in errors[0]
    explorer = _user_app()
    skipped = [t for t in _texts(explorer.warning) if "is skipped" in t]
    assert len(skipped) == 1 and "safe_mode" not in skipped[0] and "unsafe" not in skipped[0]
    assert len(_verdicts(explorer)) == 3  # the other three models carry on
    assert any("without its twin" in t for t in _texts(explorer.info))


def test_the_method_registry_drives_the_selectors():
    from core.explain import METHODS

    titles = [m.title for m in METHODS.values()]
    explorer = _app()
    assert list(explorer.selectbox(key="explorer_method").options) == titles
    gallery = _app("app_pages/gallery.py", task="cxr")
    assert list(gallery.selectbox(key="gallery_method").options) == titles
    gallery.slider(key="gallery_count").set_value(2)
    gallery.slider(key="gallery_steps").set_value(2)
    gallery.toggle(key="gallery_two_methods").set_value(True).run()
    gallery.selectbox(key="gallery_method_2").set_value("grad_cam_pp").run()
    assert not gallery.exception and not _problems(gallery)
    methods = set(gallery.dataframe[0].value["method"])
    assert methods == {"Grad-CAM", "Grad-CAM++"}  # the shift table is per method
    # cxr bundles each backbone's defended twins too: the gallery shows one twin pair, undefended first
    assert list(gallery.selectbox(key="gallery_defence_inception_resnet_v2").options) == ["undefended", "adversarially trained (PGD-AT)"]
    shown = set(gallery.dataframe[0].value["model"])
    assert len(shown) == 2 and not any("PGD-AT" in title for title in shown)


def test_curves_page_draws_whole_curves_from_each_images_smallest_epsilon(tmp_path, monkeypatch):
    """Saved minimum-norm runs (written as core.evaluate writes them, eps* made up here) give a
    chart, the medians with intervals, the twins' Wilcoxon sentence and the combined curve; a
    missing one is a button that starts the --fmn job into the user's folder."""
    from core.data import synthetic
    from core.data.synthetic import split_description
    from core.evaluate import PRESETS, load_results, minimum_norm_result, save_minimum_norm
    from core.models.spec import all_specs
    from core.models.zoo import CHECKPOINT_ROOT

    rng = np.random.default_rng(0)
    specs = sorted(all_specs("demo", "cxr"), key=lambda s: s.attention)  # vanilla first: the twin test needs it
    _, labels = synthetic.split("cxr", "test", 200, size=32)  # the images the bundled grid curves were run on
    for spec in specs[:3]:  # the last one stays missing
        grid = load_results(spec, data=split_description("cxr"), n=200, epsilons=spec.task_info.epsilons,
                            attack=PRESETS["strong"], root=CHECKPOINT_ROOT)
        stars = rng.uniform(0, 0.04, grid["n"]) * (1.5 if spec.attention else 1.0)
        result = minimum_norm_result(spec, stars, labels, data=grid["data"], steps=100,
                                     results_root=tmp_path / "models")
        save_minimum_norm(spec, result, root=tmp_path / "models")
    _bundled_curves_with_labels(tmp_path)
    _bundled_zoo_without(tmp_path, monkeypatch, "fmn", "mechanism", "seeds", "defended")  # only the runs made up here
    app = _app("app_pages/curves.py", task="cxr")
    assert not _problems(app), _problems(app)
    assert len(app.get("plotly_chart")) == 5  # accuracy, AUC, trade-off, the whole curves, then which way
    assert any("Wilcoxon signed-rank" in c for c in _texts(app.caption))
    tables = app.dataframe
    assert "median smallest ε (×1/255)" in tables[-2].value.columns and len(tables[-2].value) == 3
    combined = tables[-1].value
    assert (combined["both (stands behind)"] <= combined["grid protocol"] + 1e-12).all()
    assert any("No smallest-ε run for" in m for m in _texts(app.info))
    started = []  # the job runner itself is tested with the grid's evaluation job above
    monkeypatch.setattr("app_pages.minimum_norm.start_job", lambda kind, key, arguments, **_: started.append(
        (kind, key, " ".join(arguments))))
    app.button(key="run_fmn").click().run()
    assert not app.exception
    [(kind, key, command)] = started
    assert kind == "evaluate" and key.startswith("fmn-") and "--fmn" in command
    assert f"--results-root {tmp_path / 'models'}" in command and command.count("--model") == 1  # only the missing


def test_curves_page_shows_accuracy_under_each_corruption_with_the_twins_paired(tmp_path, monkeypatch):
    from core.data import synthetic
    from core.evaluate import evaluate_corruptions
    from core.models.spec import ModelSpec

    _bundled_zoo_without(tmp_path, monkeypatch, "seeds", "defended")  # charts counted from the end: no seed study after

    images, labels = synthetic.split("cxr", "test", 12, size=96)
    for attention in (False, True):  # vanilla first: the twin test needs it
        evaluate_corruptions(ModelSpec("cxr", "resnet50", attention), images, labels,
                             data=synthetic.split_description("cxr"), names=["jpeg", "cxr_grid_lines"],
                             results_root=tmp_path / "models")
    app = _app("app_pages/curves.py", task="cxr")
    app.number_input(key="curve_n").set_value(12).run()
    assert not _problems(app), _problems(app)
    figure = __import__("json").loads(app.get("plotly_chart")[-2].proto.spec)
    titles = [a["text"] for a in figure["layout"]["annotations"]]
    assert titles == ["Anti-scatter grid lines", "JPEG compression"]  # one panel per corruption
    assert len([t for t in figure["data"] if t.get("mode") == "lines+markers"]) == 4  # 2 models x 2 panels
    harms = __import__("json").loads(app.get("plotly_chart")[-1].proto.spec)  # at the cards' operating points
    assert harms["layout"]["xaxis"]["title"]["text"] == "severity"
    at_three = app.dataframe[-1].value
    assert len(at_three) == 4 and {"sensitivity", "specificity 95 % CI"} <= set(at_three.columns)
    twins = app.dataframe[-2].value
    assert sorted(twins["corruption"]) == ["Anti-scatter grid lines", "JPEG compression"]
    assert "McNemar p" in twins.columns and twins["family"].str.endswith("+ soft attention").all()
    started = []
    monkeypatch.setattr("app_pages.corruption_curves.start_job",
                        lambda kind, key, arguments, **_: started.append(" ".join(arguments)))
    app.button(key="run_corruptions").click().run()
    assert started and "--corruptions" in started[0] and started[0].count("--model") == 2  # the IRv2 twins


def test_curves_page_says_whether_attentions_effect_outlives_the_training_seed(tmp_path, monkeypatch):
    """A saved seed study (built from made-up replica results, saved where core.evaluate
    --seed-study saves it) gives the forest plot, one sentence per family and the replicas'
    table; without one the page says how to train and evaluate the replicas."""
    from core.atomic import write_json
    from core.evaluate.results import results_folder
    from core.evaluate.seeds import seed_study
    from core.models.spec import ModelSpec
    from tests.evaluate.test_seeds import EPSILON, _replicas

    _bundled_zoo_without(tmp_path, monkeypatch, "seeds")  # only the study made up here
    app = _app("app_pages/curves.py", task="cxr")
    assert any("Train the other seeds' replicas" in m for m in _texts(app.info))
    assert any("--task cxr --seed 2 --split-seed 0" in c.value and "--seed-study 0 1 2" in c.value for c in app.code)
    families = seed_study(_replicas({0: (60, 30), 1: (30, 40), 2: (50, 40)}), epsilons={"resnet50": EPSILON})
    replicas = [{"model_id": f"demo-cxr-resnet50-vanilla-seed{s}", "seed": s, "clean": 0.9, "robust": 0.3,
                 "trained": {"epochs_trained": 20}} for s in (0, 1, 2)]
    study = {"task": "cxr", "profile": "demo", "epsilons": {"resnet50": EPSILON}, "n": 100, "seeds": [0, 1, 2],
             "replicas": replicas, "missing": [], "families": families, "created_at": "2026-12-02T00:00:00+00:00"}
    write_json(results_folder(ModelSpec("cxr", "resnet50", False), root=tmp_path / "models") / "seeds-x.json", study)
    app = _app("app_pages/curves.py", task="cxr")
    assert not _problems(app), _problems(app)
    forest = __import__("json").loads(app.get("plotly_chart")[-1].proto.spec)
    means = [t for t in forest["data"] if t["marker"]["symbol"] == "diamond"]
    assert len(forest["data"]) == 4 and len(means) == 1 and means[0]["x"] == [pytest.approx(10.0)]
    assert any("the sign changes with the training seed" in m for m in _texts(app.markdown))
    assert list(app.dataframe[-1].value["seed"]) == [0, 1, 2]
    assert not any("Train the other seeds' replicas" in m for m in _texts(app.info))
