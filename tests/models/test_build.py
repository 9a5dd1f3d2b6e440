"""All 24 models (12 paper, 12 demo) build as section 3.3 of the paper describes."""

import warnings

import keras
import numpy as np
import pytest

from core.models.build import build_model, feature_layer_name, has_attention
from core.models.spec import ModelSpec, all_specs


def _check_structure(model, spec):
    names = [layer.name for layer in model.layers]
    assert len(names) == len(set(names)), "layer names must be unique"
    assert not any(isinstance(layer, keras.Model) for layer in model.layers), "model must be flat"
    assert not any(type(layer).__name__ == "Lambda" for layer in model.layers)
    logits = model.get_layer("logits")
    assert logits.units == spec.task_info.num_classes
    assert logits.activation is keras.activations.linear
    assert model.layers[-1].name == "probabilities"
    assert feature_layer_name(model) == spec.backbone_info.feature_layer
    assert has_attention(model) == spec.attention


def _check_outputs(model, spec, batch=2):
    size = spec.input_size
    images = np.random.default_rng(0).random((batch, size, size, 3), dtype=np.float32)
    probabilities = np.asarray(model(images, training=False))  # eager: Keras's predict would trace first (3 s at 224 px)
    assert probabilities.shape == (batch, spec.task_info.num_classes)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("spec", all_specs("demo"), ids=lambda s: s.model_id)
def test_demo_models_build(spec):
    model = build_model(spec)
    _check_structure(model, spec)
    _check_outputs(model, spec)
    feature_map = model.get_layer(spec.backbone_info.feature_layer).output
    # Grad-CAM's resolution: at least the paper's own InceptionResNetV2 map (5 x 5 at 224 px); the
    # compact ResNet ends at 12 x 12, the compact Inception-ResNet at 6 x 6 as the paper's flattening head needs
    assert feature_map.shape[1] >= 6 and feature_map.shape[2] >= 6, "Grad-CAM needs at least 6 x 6"


@pytest.mark.parametrize("spec", [ModelSpec(task, backbone, attention, "paper") for task, backbone, attention in
                                  [("derm", "resnet50", False), ("derm", "resnet50", True),
                                   ("cxr", "inception_resnet_v2", False), ("derm", "inception_resnet_v2", True)]],
                         ids=lambda s: s.model_id)
def test_paper_models_build(spec):
    """Both backbones, both variants, both head sizes (7 and 2 classes): the task only changes
    the width of the last layer, so these four cover the paper's twelve."""
    model = build_model(spec, weights=None)
    assert model.input_shape == (None, 224, 224, 3)
    _check_structure(model, spec)
    _check_outputs(model, spec, batch=1)
    expected = {"resnet50": (7, 7, 2048), "inception_resnet_v2": (5, 5, 2080)}[spec.backbone]
    assert model.get_layer(feature_layer_name(model)).output.shape[1:] == expected


def test_paper_native_profile_runs_inception_resnet_at_299_px():
    """Keras's native IRv2 input: block8_9's map is 8 x 8 instead of 5 x 5 (docs/differences.md)."""
    spec = ModelSpec("cxr", "inception_resnet_v2", True, "paper-native")
    assert spec.input_size == 299 and spec.model_id == "paper-native-cxr-inception_resnet_v2-attention"
    assert ModelSpec("cxr", "resnet50", True, "paper-native").input_size == 224
    model = build_model(spec, weights=None)
    assert model.get_layer(feature_layer_name(model)).output.shape[1:] == (8, 8, 2080)


def test_attention_adds_under_1_3_percent_to_resnet50():
    """The paper (section 1): attention adds < 1.3 % parameters to ResNet-50."""
    for task in ("derm", "cxr"):
        vanilla = build_model(ModelSpec(task, "resnet50", False, "paper")).count_params()
        attentive = build_model(ModelSpec(task, "resnet50", True, "paper"))
        block = attentive.get_layer("soft_attention").count_params()
        whole = (attentive.count_params() - vanilla) / vanilla
        print(f"\n{task}: ResNet-50 vanilla {vanilla:,} parameters; soft-attention block "
              f"{block:,} (+{100 * block / vanilla:.3f} %); whole attentive model "
              f"+{100 * whole:.3f} % (the head's input is twice as wide)")
        assert block == 3 * 3 * 2048 * 16 + 16
        assert block / vanilla < 0.013
        if task == "cxr":  # binary head: the doubled head width costs only 2 x 2048 weights
            assert whole < 0.013


def test_preprocessing_is_caffe_inside_the_model():
    """A mid-grey image becomes 127.5 minus the ImageNet BGR means after the first layer."""
    model = build_model(ModelSpec("cxr", "resnet50", False))
    preprocess = keras.Model(model.input, model.get_layer("imagenet_preprocess").output)
    image = np.zeros((1, 96, 96, 3), np.float32)
    image[..., 0] = 1.0  # pure red in RGB
    out = preprocess(image).numpy()[0, 0, 0]
    np.testing.assert_allclose(out, [-103.939, -116.779, 255 - 123.68], rtol=1e-5)


def test_imagenet_unavailable_falls_back_to_random_with_warning(monkeypatch):
    def offline(*args, **kwargs):
        raise OSError("no internet")

    monkeypatch.setattr(keras.utils, "get_file", offline)
    monkeypatch.setattr("keras.src.applications.resnet.file_utils.get_file", offline)
    with pytest.warns(RuntimeWarning, match="RANDOM initialisation"):
        model = build_model(ModelSpec("cxr", "resnet50", True, "paper"), weights="imagenet")
    assert model.backbone_init.startswith("random")


def test_a_bug_while_loading_imagenet_weights_surfaces(monkeypatch):
    """Only "the weights cannot be had" falls back to random init; anything else is a bug to see."""
    def broken(*args, **kwargs):
        raise TypeError("ResNet50() got an unexpected keyword argument")

    monkeypatch.setattr(keras.applications, "ResNet50", broken)
    with pytest.raises(TypeError, match="unexpected keyword"):
        build_model(ModelSpec("cxr", "resnet50", True, "paper"), weights="imagenet")


def test_local_weights_file_is_loaded(tmp_path):
    source = keras.applications.ResNet50(include_top=False, weights=None, input_shape=(224, 224, 3))
    path = tmp_path / "resnet50_notop.weights.h5"
    source.save_weights(path)
    model = build_model(ModelSpec("cxr", "resnet50", False, "paper"), weights=str(path))
    assert model.backbone_init == f"file:{path.name}"
    np.testing.assert_array_equal(model.get_layer("conv1_conv").get_weights()[0],
                                  source.get_layer("conv1_conv").get_weights()[0])


def test_missing_weights_file_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="no file at"):
        build_model(ModelSpec("cxr", "resnet50", False, "paper"), weights=str(tmp_path / "x.h5"))


def test_demo_backbones_warn_when_asked_for_pretrained_weights():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = build_model(ModelSpec("derm", "resnet50", False), weights="imagenet")
    assert model.backbone_init == "random"
    assert any("no pretrained weights" in str(w.message) for w in caught)


@pytest.mark.parametrize("bad", [dict(task="mri"), dict(backbone="vgg16"), dict(profile="huge"),
                                 dict(attention="yes")])
def test_spec_rejects_unknown_values(bad):
    args = dict(task="derm", backbone="resnet50", attention=True, profile="demo") | bad
    with pytest.raises(ValueError):
        ModelSpec(**args)


def test_spec_names_and_twin():
    spec = ModelSpec("derm", "inception_resnet_v2", True)
    assert spec.model_id == "demo-derm-inception_resnet_v2-attention"
    assert spec.twin() == ModelSpec("derm", "inception_resnet_v2", False)
    assert ModelSpec.from_dict(spec.to_dict()) == spec
    assert len(all_specs("paper")) == 12 and len(set(all_specs("demo"))) == 12
