"""core.models.imported refuses what it must not import, says why, and writes nothing."""

from __future__ import annotations

import numpy as np
import pytest

from core.models.imported import ModelImportError, import_model
from tests.models.foreign import SIZE, keras_classifier, onnx_classifier, save_keras, save_lambda_keras


@pytest.fixture
def zoo(tmp_path):
    root = tmp_path / "zoo"
    yield root
    left = [p for p in root.rglob("*")] if root.exists() else []
    assert not [p for p in left if p.is_file()], f"a refused import left files behind: {left}"


def refused(path, match, zoo, **settings):
    settings = {"task": "derm", "output": "softmax", "preprocessing": "unit", **settings}
    with pytest.raises(ModelImportError, match=match):
        import_model(path, root=zoo, **settings)


def test_a_file_that_is_no_model(tmp_path, zoo):
    (tmp_path / "notes.txt").write_text("not a model")
    refused(tmp_path / "notes.txt", "not a model file this tool reads", zoo)
    (tmp_path / "fake.onnx").write_bytes(b"\x08\x07garbage" * 10)
    refused(tmp_path / "fake.onnx", "not a valid ONNX model", zoo)
    refused(tmp_path / "missing.keras", "no model at", zoo)


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_code_in_a_lambda_layer_is_named(tmp_path, zoo, suffix):
    path = save_lambda_keras(tmp_path / "lambda", suffix)
    refused(path, r"run arbitrary Python code.*doubling \(Lambda\)", zoo)


def test_a_savedmodel_that_reads_files(tmp_path, zoo):
    import tensorflow as tf

    class Reader(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec((None, SIZE, SIZE, 3), tf.float32)])
        def serve(self, x):
            secret = tf.strings.length(tf.io.read_file("/etc/hostname"))
            return {"output": tf.reduce_mean(x, axis=[1, 2]) + tf.cast(secret, tf.float32)}

    module = Reader()
    tf.saved_model.save(module, str(tmp_path / "reader"), signatures={"serving_default": module.serve})
    refused(tmp_path / "reader", "touch files, processes or Python: ReadFile", zoo)


def test_a_custom_onnx_operator_is_named(tmp_path, zoo):
    path = onnx_classifier(tmp_path / "custom.onnx", op="MagicOp", domain="com.vendor")
    refused(path, "custom ONNX operators.*com.vendor::MagicOp", zoo, output="logits")


def test_outputs_and_class_names_that_do_not_fit_the_task(tmp_path, zoo):
    path = save_keras(tmp_path / "five.keras", units=5)
    refused(path, "has 5 outputs but the task derm has 7 classes", zoo)
    path = save_keras(tmp_path / "seven.keras", units=7)
    names = ["nv", "mel", "bkl", "bcc", "akiec", "vasc", "dermatofibroma-ish"]
    refused(path, r"no output for the task's class\(es\) df; the names accepted are akiec, bcc.*not recognised: "
                  "dermatofibroma-ish", zoo, class_names=names)
    refused(path, "a sigmoid output answers a binary task", zoo, output="sigmoid")


def test_inputs_the_task_cannot_feed(tmp_path, zoo):
    import keras

    image = keras.Input((SIZE, SIZE, 4))
    keras.Model(image, keras.layers.Dense(7)(keras.layers.GlobalAveragePooling2D()(image))).save(tmp_path / "rgba.keras")
    refused(tmp_path / "rgba.keras", "images of 4 channels", zoo, output="logits")
    image = keras.Input((SIZE, 2 * SIZE, 3))
    keras.Model(image, keras.layers.Dense(7)(keras.layers.GlobalAveragePooling2D()(image))).save(tmp_path / "wide.keras")
    refused(tmp_path / "wide.keras", "takes 32 x 64 images; this tool feeds square images", zoo, output="logits")
    keras_classifier(7, size=None).save(tmp_path / "any.keras")
    refused(tmp_path / "any.keras", "accepts any image size: give input_size", zoo)


def test_a_conversion_that_differs_from_the_original_runtime(tmp_path, zoo, monkeypatch):
    from core.models import onnx_ops

    monkeypatch.setitem(onnx_ops.OPERATORS, "Relu", lambda x, **_: onnx_ops.tf.nn.relu(x) * 1.05)
    refused(onnx_classifier(tmp_path / "m.onnx"), r"differ from onnxruntime 1\.\d+\.\d+'s by up to", zoo,
            output="logits")


def test_a_file_over_the_size_limit(tmp_path, zoo, monkeypatch):
    from core.models.imported import importer

    monkeypatch.setattr(importer, "MAX_MODEL_BYTES", 1 << 20)
    (tmp_path / "big.onnx").write_bytes(np.zeros(2 << 20, np.uint8).tobytes())
    refused(tmp_path / "big.onnx", "is 2 MiB; models up to 1 MiB are imported", zoo)


def test_settings_are_checked_before_any_file_is_read(tmp_path, zoo):
    refused(tmp_path / "x.onnx", "output must be one of softmax, logits, sigmoid", zoo, output="probabilities")
    refused(tmp_path / "x.onnx", "preprocessing must be one of", zoo, preprocessing="tf")
    refused(tmp_path / "x.onnx", "name must be", zoo, name="My Model!")


def test_the_command_line_imports_and_refuses_in_one_line(tmp_path, zoo, capsys):
    from core.models.imported.__main__ import main

    path = save_keras(tmp_path / "five.keras", units=5)
    assert main([str(path), "--task", "derm", "--output", "softmax", "--preprocessing", "unit",
                 "--root", str(zoo)]) == 2
    assert capsys.readouterr().err.strip().count("\n") == 0
    path = save_keras(tmp_path / "two.keras", units=2)
    assert main([str(path), "--task", "fundus", "--output", "softmax", "--preprocessing", "unit",
                 "--class-names", "referable_dr,no_referable_dr", "--root", str(tmp_path / "other")]) == 0
    assert "imported user-fundus-two-vanilla" in capsys.readouterr().out


def test_the_documented_limits_are_the_enforced_ones():
    from pathlib import Path

    from core.models.imported import importer, verify

    doc = (Path(__file__).resolve().parents[2] / "docs" / "your-model.md").read_text()
    config = (Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml").read_text()
    assert "maxUploadSize = 50" in config and "upload limit, 50 MiB" in doc
    assert "MAX_MODEL_BYTES" in doc and "TOLERANCE" in doc and verify.TOLERANCE == 1e-4
    assert importer.MAX_MODEL_BYTES == 1 << 30
