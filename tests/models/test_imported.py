"""core.models.imported: foreign classifiers in every format become models of the tool,
equal to their own runtime, and work with every attack, saliency map and the engine."""

from __future__ import annotations

import numpy as np
import pytest

from core.models.imported import import_model
from core.models.zoo import available, checkpoint_path, load_model, read_card
from tests.models.foreign import (SIZE, keras_classifier, onnx_classifier, save_h5,
                                  save_savedmodel)

DERM_ORDER = ["nv", "mel", "bkl", "bcc", "akiec", "vasc", "df"]  # a model's own class order


def images(n=4, seed=0):
    return np.random.default_rng(seed).random((n, SIZE, SIZE, 3), dtype=np.float32)


def card(spec, root):
    return read_card(checkpoint_path(spec, root=root))["imported"]


def check_attacks_and_saliency(model, grad_cam: bool = True):
    """PGD, APGD and FMN stay in their balls and move the prediction's loss; Grad-CAM gives maps."""
    from core.attacks import apgd, fmn, pgd
    from core.explain import grad_cam as cam

    x = images(2)
    labels = np.asarray(model(x)).argmax(axis=1)
    for attack in (lambda: pgd(model, x, labels, epsilon=0.03, steps=3, seed=0),
                   lambda: apgd(model, x, labels, epsilon=0.03, steps=4, seed=0)):
        adversarial = attack()
        assert np.abs(adversarial - x).max() <= 0.03 + 1e-6 and np.abs(adversarial - x).max() > 0
    adversarial, stars = fmn(model, x, labels, steps=10)
    assert adversarial.shape == x.shape and np.all(stars >= 0)  # inf where 10 steps found none
    if grad_cam:
        maps = cam(model, x)
        assert maps.shape == (2, SIZE, SIZE) and 0 <= maps.min() and maps.max() <= 1


def test_keras_softmax_in_its_own_class_order(tmp_path):
    source = keras_classifier(7)
    source.save(tmp_path / "mine.keras")
    spec = import_model(tmp_path / "mine.keras", task="derm", output="softmax", preprocessing="imagenet",
                        class_names=DERM_ORDER, root=tmp_path / "zoo")
    assert spec in available("user", root=tmp_path / "zoo") and spec.input_size == SIZE
    model = load_model(spec, root=tmp_path / "zoo")
    x = images()
    from core.models.imported.verify import model_input

    theirs = np.asarray(source(model_input(x, mode="imagenet", channels=3, channels_first=False)))
    reordered = theirs[:, [DERM_ORDER.index(c) for c in spec.task_info.classes]]
    np.testing.assert_allclose(np.asarray(model(x)), reordered, atol=1e-5)
    found = card(spec, tmp_path / "zoo")
    assert found["max_probability_difference"] <= 1e-4 and len(found["sha256"]) == 64
    assert found["format"] == "keras" and found["saliency_layer"] == "conv_b"
    assert found["scores"] == "the logits before the model's softmax"  # its Softmax taken off: exact logits
    check_attacks_and_saliency(model)
    # the chosen map first, then the last map of the finer scale, each marked for Grad-CAM
    assert found["saliency_layers"] == [{"layer": "conv_b", "marker": "saliency_features"},
                                        {"layer": "conv_a", "marker": "saliency_features_30x30"}]
    from core.explain import grad_cam

    finer = grad_cam(model, x, layer="saliency_features_30x30")
    assert finer.shape == (4, SIZE, SIZE) and not np.allclose(finer, grad_cam(model, x))
    with pytest.raises(ValueError, match="saliency_features_30x30"):  # the accepted layers are named
        grad_cam(model, x, layer="conv_a")


def test_legacy_h5_grey_model(tmp_path):
    path = save_h5(tmp_path / "grey.h5", units=2, channels=1)
    spec = import_model(path, task="fundus", output="softmax", preprocessing="symmetric", root=tmp_path / "zoo")
    found = card(spec, tmp_path / "zoo")
    assert found["input"] == {"mode": "symmetric", "channels": 1, "channels_first": False, "size": SIZE}
    assert found["max_probability_difference"] <= 1e-4 and found["format"] == "h5"
    check_attacks_and_saliency(load_model(spec, root=tmp_path / "zoo"))


def test_savedmodel_one_unit_sigmoid(tmp_path):
    path = save_savedmodel(tmp_path / "vendor", units=1, activation="sigmoid")
    spec = import_model(path, task="cxr", output="sigmoid", preprocessing="uint8", root=tmp_path / "zoo")
    found = card(spec, tmp_path / "zoo")
    assert found["format"] == "savedmodel" and found["max_probability_difference"] <= 1e-4
    assert checkpoint_path(spec, root=tmp_path / "zoo").with_suffix(".savedmodel").is_dir()  # its vetted copy
    model = load_model(spec, root=tmp_path / "zoo")
    check_attacks_and_saliency(model, grad_cam=False)
    with pytest.raises(ValueError, match="SavedModel is one function without layers"):
        from core.explain import grad_cam

        grad_cam(model, images(1))


def test_multilabel_sigmoid_head_with_its_finding(tmp_path):
    findings = [f"finding{i}" for i in range(13)] + ["Pneumothorax"]
    findings[3], findings[13] = findings[13], findings[3]  # pneumothorax is unit 3
    source = keras_classifier(14, activation="sigmoid")
    source.save(tmp_path / "chexnet.keras")
    spec = import_model(tmp_path / "chexnet.keras", task="cxr", output="sigmoid", preprocessing="imagenet",
                        class_names=findings, finding="pneumothorax", root=tmp_path / "zoo")
    model = load_model(spec, root=tmp_path / "zoo")
    from core.models.imported.verify import model_input

    x = images()
    unit = np.asarray(source(model_input(x, mode="imagenet", channels=3, channels_first=False)))[:, 3]
    np.testing.assert_allclose(np.asarray(model(x))[:, 1], unit, atol=1e-5)
    assert card(spec, tmp_path / "zoo")["restricted"] is True


def test_onnx_nchw_imagenet_model(tmp_path):
    import onnxruntime

    path = onnx_classifier(tmp_path / "torch_export.onnx")
    spec = import_model(path, task="derm", output="logits", preprocessing="imagenet", class_names=DERM_ORDER,
                        root=tmp_path / "zoo")
    found = card(spec, tmp_path / "zoo")
    assert found["input"]["channels_first"] is True and found["reference_runtime"].startswith("onnxruntime")
    assert found["max_probability_difference"] <= 1e-4 and found["saliency_layer"] == "features"
    model = load_model(spec, root=tmp_path / "zoo")
    from core.models.imported.verify import model_input

    x = images()
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    logits = session.run(None, {"input": model_input(x, mode="imagenet", channels=3, channels_first=True)})[0]
    expected = np.exp(logits - logits.max(axis=1, keepdims=True))
    expected = (expected / expected.sum(axis=1, keepdims=True))[:, [DERM_ORDER.index(c) for c in spec.task_info.classes]]
    np.testing.assert_allclose(np.asarray(model(x)), expected, atol=1e-5)
    check_attacks_and_saliency(model)


def test_engine_explores_an_imported_model(tmp_path):
    from core.engine import worker
    from core.engine.requests import Explore, ModelRef
    from core.explore import explorer_attack

    path = onnx_classifier(tmp_path / "m.onnx")
    spec = import_model(path, task="derm", output="logits", preprocessing="imagenet", class_names=DERM_ORDER,
                        root=tmp_path / "zoo")
    ref = ModelRef.of(spec, root=tmp_path / "zoo")
    outcome = worker.handle(Explore(ref, images(1)[0], 0.02, explorer_attack(3)))
    assert outcome.spec == spec and outcome.clean_cam.shape == (SIZE, SIZE) and outcome.saliency_note is None
    assert np.abs(outcome.perturbation).max() <= 0.02 + 1e-6
    # NCHW feature maps marked channels last at every scale: the finer map (before the pooling) is another view
    assert [o["layer"] for o in card(spec, tmp_path / "zoo")["saliency_layers"]] == ["features", "r1"]
    finer = worker.handle(Explore(ref, images(1)[0], 0.02, explorer_attack(3), layer="saliency_features_32x32"))
    np.testing.assert_array_equal(finer.adversarial, outcome.adversarial)  # the layer changes the maps only
    assert not np.allclose(finer.clean_cam, outcome.clean_cam)


def test_an_imported_pair_is_twins_and_their_test_runs(tmp_path):
    from core.evaluate import evaluate_model

    zoo = tmp_path / "zoo"
    first = import_model(onnx_classifier(tmp_path / "a.onnx", seed=0), task="derm", output="logits",
                         preprocessing="imagenet", name="mine", root=zoo)
    second = import_model(onnx_classifier(tmp_path / "b.onnx", seed=1), task="derm", output="logits",
                          preprocessing="imagenet", name="mine-attn", twin_of="mine", root=zoo)
    assert second == first.twin() and second.attention and card(second, zoo)["name"] == "mine-attn"
    from core.evaluate.presets import PRESETS

    x, labels = images(6), np.arange(6) % 7
    evaluate_model(first, x, labels, data="test", epsilons=[0.0, 0.01], attack=PRESETS["paper"], with_checks=False,
                   root=zoo)
    result = evaluate_model(second, x, labels, data="test", epsilons=[0.0, 0.01], attack=PRESETS["paper"],
                            with_checks=False, root=zoo)
    assert [row["epsilon"] for row in result["twin_test"]] == [0.0, 0.01]
    assert all("p_value" in row for row in result["twin_test"])


def test_the_command_line_evaluates_and_reports_an_imported_pair(tmp_path):
    from core.cli.evaluate import main
    from core.report import write_report

    zoo = tmp_path / "zoo"
    for seed, name, twin in ((0, "mine", None), (1, "mine-attn", "mine")):
        import_model(onnx_classifier(tmp_path / f"{name}.onnx", seed=seed), task="derm", output="logits",
                     preprocessing="imagenet", name=name, twin_of=twin, root=zoo)
    assert main(["--task", "derm", "--profile", "user", "--root", str(zoo), "--n", "8", "--preset", "strong",
                 "--epsilons", "0", "0.01", "--no-checks"]) == 0
    report = write_report("derm", tmp_path / "report.html", pdf=False, profile="user", n=8, root=zoo,
                          epsilons=[0.0, 0.01])
    text = report["html"].read_text()
    assert "mine (imported)" in text and "mine (imported) · twin" in text


def test_onnx_exporter_idioms_convert_exactly(tmp_path):
    from tests.models.foreign import onnx_exporter_idioms

    spec = import_model(onnx_exporter_idioms(tmp_path / "idioms.onnx"), task="fundus", output="logits",
                        preprocessing="symmetric", root=tmp_path / "zoo")
    assert card(spec, tmp_path / "zoo")["max_probability_difference"] <= 1e-4
    model = load_model(spec, root=tmp_path / "zoo")
    assert np.asarray(model(images(3))).shape == (3, 2)  # the view(size(0), -1) follows the batch


def test_a_model_trained_with_this_tool_elsewhere_keeps_its_attention_map(tmp_path):
    """This tool's own checkpoint, brought back as a user's file: its SoftAttention layer is known
    code (registered as advattn>SoftAttention), so it imports, and the attention map is there."""
    from core.explain import attention_map
    from core.models.build import has_attention
    from core.models.zoo import ModelSpec

    bundled = checkpoint_path(ModelSpec("cxr", "resnet50", True))
    spec = import_model(bundled, task="cxr", output="softmax", preprocessing="unit", name="from-elsewhere",
                        root=tmp_path / "zoo")
    model = load_model(spec, root=tmp_path / "zoo")
    assert has_attention(model) and card(spec, tmp_path / "zoo")["max_probability_difference"] <= 1e-4
    x = np.random.default_rng(0).random((1, 96, 96, 3), dtype=np.float32)
    assert attention_map(model, x).shape == (1, 96, 96)
