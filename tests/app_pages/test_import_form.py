"""The Model zoo's import form: a user's ONNX model from the data folder becomes a model of
the zoo with its card, and the explorer attacks it like any other."""

from core.jobs import wait_for
from tests.app_pages.apptest import open_app, problems, texts, verdicts
from tests.models.foreign import onnx_classifier

DERM_ORDER = "nv,mel,bkl,bcc,akiec,vasc,df"


def imported_zoo(page=None):
    return open_app(page, task="derm", zoo="My models", state={"profile": "user"})


def test_a_model_imported_from_the_data_folder_gets_its_card_and_is_explored(tmp_path, monkeypatch):
    monkeypatch.setenv("ADVATTN_DATA_ROOT", str(tmp_path / "data"))
    (tmp_path / "data").mkdir()
    onnx_classifier(tmp_path / "data" / "ham-resnet.onnx")
    app = imported_zoo("app_pages/zoo.py")
    form = app.get("form")[0]
    assert form is not None and any("Import a model" in t for t in texts(app.markdown))
    next(r for r in app.radio if r.label == "From").set_value("Path in the data folder")
    next(t for t in app.text_input if t.label == "Path in the data folder").input("ham-resnet.onnx")
    next(r for r in app.radio if r.label == "Its output").set_value("logits")
    next(s for s in app.selectbox if s.label == "Its preprocessing").set_value("imagenet")
    next(t for t in app.text_input if t.label == "Its class order (optional)").input(DERM_ORDER)
    next(b for b in app.button if b.label == "Import").click()
    app.run()
    assert not problems(app), problems(app)
    status = wait_for("import-model", timeout_s=240)
    assert status.status == "done", status.message + status.log_tail
    app.run()
    assert any("imported user-derm-ham-resnet-vanilla" in t for t in texts(app.success))
    captions = " ".join(texts(app.caption))
    assert "Checked against onnxruntime" in captions and "synthetic" in captions
    assert "ms per image on this machine" in captions  # its measured cost, what evaluations are priced at
    explorer = imported_zoo()
    assert not problems(explorer), problems(explorer)
    assert len(verdicts(explorer)) == 1  # its one column: a verdict on the imported model
    layer = next(s for s in explorer.selectbox if s.label.startswith("Feature map of"))
    assert layer.options == ["features (chosen at import)", "r1 (32x32)"]  # its own names, the finer scale's size
    layer.set_value("saliency_features_32x32").run()
    assert not problems(explorer) and len(verdicts(explorer)) == 1


def test_a_refused_model_is_a_message_and_no_model(tmp_path, monkeypatch):
    monkeypatch.setenv("ADVATTN_DATA_ROOT", str(tmp_path / "data"))
    (tmp_path / "data").mkdir()
    onnx_classifier(tmp_path / "data" / "five.onnx", units=5)
    app = imported_zoo("app_pages/zoo.py")
    next(r for r in app.radio if r.label == "From").set_value("Path in the data folder")
    next(t for t in app.text_input if t.label == "Path in the data folder").input("five.onnx")
    next(b for b in app.button if b.label == "Import").click()
    app.run()
    assert wait_for("import-model", timeout_s=240).status == "failed"
    app.run()
    assert any("has 5 outputs but the task derm has 7 classes" in t for t in texts(app.error))
    next(t for t in app.text_input if t.label == "Path in the data folder").input("../../etc/passwd")
    next(b for b in app.button if b.label == "Import").click()
    app.run()
    assert any("outside" in t or "data folder" in t for t in texts(app.error))


def test_every_page_works_on_an_imported_pair(tmp_path, monkeypatch):
    import os

    from core.models.imported import import_model

    root = os.environ["ADVATTN_USER_MODELS"]
    import_model(onnx_classifier(tmp_path / "a.onnx", seed=0), task="derm", output="logits", preprocessing="imagenet",
                 class_names=DERM_ORDER.split(","), name="mine", root=root)
    import_model(onnx_classifier(tmp_path / "b.onnx", seed=1), task="derm", output="logits", preprocessing="imagenet",
                 class_names=DERM_ORDER.split(","), name="mine-attn", twin_of="mine", root=root)
    for page in ["app_pages/explorer.py", "app_pages/curves.py", "app_pages/gallery.py", "app_pages/zoo.py"]:
        app = imported_zoo(page)
        assert not app.exception and not problems(app), (page, problems(app))
    explorer = imported_zoo()
    assert len(verdicts(explorer)) == 2
    explorer.toggle(key="explorer_beside_bundled").set_value(True).run()  # my models against the bundled four
    assert not problems(explorer) and len(verdicts(explorer)) == 6
    monkeypatch.setattr("app_pages.evaluation_cost.SLOW_EVALUATION_S", 0)  # every evaluation counts as slow
    priced = [w for w in texts(imported_zoo("app_pages/curves.py").warning) if "forward+backward passes" in w]
    assert len(priced) == 4 and all("ms per image measured here" in w for w in priced)  # each model, L∞ and L2
