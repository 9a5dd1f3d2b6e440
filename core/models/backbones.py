"""Backbone registry: the paper's Keras applications and two compact demo backbones.

A backbone takes the preprocessed input tensor and returns the feature map that feeds
the head. Everything is built in the caller's graph (no nested sub-model), so Grad-CAM
finds the feature layer by name (docs/differences.md).

Keras is imported inside the builders: listing specs and checkpoints (the app's first paint)
never waits for TensorFlow.

Profiles map the paper's two families onto implementations:

    family                paper (224 px)             paper-native               demo (96 px, CPU-sized)
    resnet50              keras ResNet50             keras ResNet50, 224 px     compact_resnet
    inception_resnet_v2   keras InceptionResNetV2    InceptionResNetV2, 299 px  compact_inception_resnet
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable


@dataclass(frozen=True)
class Backbone:
    """How to build one backbone and where its head attaches."""

    name: str
    family: str  # "resnet50" or "inception_resnet_v2": decides the head (section 3.3)
    input_size: int  # square input side in pixels
    feature_layer: str  # name of the layer whose output feeds the head (and Grad-CAM)
    build: Callable[..., tuple]  # build(x, *, weights) -> (feature map, how it was initialised)


FAMILIES = ("resnet50", "inception_resnet_v2")
FAMILY_TITLES = {"resnet50": "ResNet-50", "inception_resnet_v2": "InceptionResNetV2"}


def _load_application(constructor, x, weights, name: str, feature_layer: str):
    """Build a keras.applications backbone on tensor `x`.

    Returns the output of `feature_layer` and a description of how it was initialised.

    weights: None (random init), "imagenet" (download; random init with a warning when it
    cannot be had, e.g. offline), or a path to a local no-top weights file.
    """
    def features(model):
        return model.get_layer(feature_layer).output

    if weights is None:
        return features(constructor(include_top=False, weights=None, input_tensor=x)), "random"
    if weights == "imagenet":
        try:
            return features(constructor(include_top=False, weights="imagenet", input_tensor=x)), "imagenet"
        except Exception as error:  # noqa: BLE001 - keras.utils.get_file raises a bare Exception offline
            if not _download_failed(error):
                raise  # a real bug surfaces; only "the weights cannot be had" falls back
            warnings.warn(
                f"ImageNet weights for {name} could not be loaded ({error}); "
                "the backbone starts from RANDOM initialisation. Place the no-top weights "
                "file on disk and pass its path to use pretrained weights offline.",
                RuntimeWarning,
                stacklevel=3,
            )
            model = constructor(include_top=False, weights=None, input_tensor=x)
            return features(model), "random (ImageNet weights unavailable)"
    path = Path(weights)
    if not path.is_file():
        raise ValueError(f"weights must be None, 'imagenet' or a weights file; no file at {path}")
    try:
        model = constructor(include_top=False, weights=str(path), input_tensor=x)
    except Exception as error:
        raise ValueError(f"could not load {name} weights from {path}: {error}. "
                         "Use the matching '..._notop' weights file.") from error
    return features(model), f"file:{path.name}"


def _download_failed(error: Exception) -> bool:
    """Whether building with weights="imagenet" failed because the weights file could not be
    had (offline, a proxy, a corrupt download), the one case that falls back to random init."""
    import urllib.error

    text = str(error)
    return (isinstance(error, (OSError, urllib.error.URLError, ConnectionError, TimeoutError))
            or "URL fetch failure" in text or "corrupted" in text.lower() or "hash" in text.lower())


def _resnet50(x, *, weights=None):
    import keras

    return _load_application(keras.applications.ResNet50, x, weights, "ResNet-50", "conv5_block3_out")


def _inception_resnet_v2(x, *, weights=None):
    import keras

    # block8_9_ac: the paper removes the final 28 layers of the with-top model (section 3.3)
    return _load_application(keras.applications.InceptionResNetV2, x, weights, "InceptionResNetV2",
                             "block8_9_ac")


def _no_pretrained(name: str, weights) -> str:
    if weights is not None:
        warnings.warn(f"{name} has no pretrained weights; using random initialisation",
                      RuntimeWarning, stacklevel=3)
    return "random"


# The compact backbones' BatchNorm moving statistics: a demo epoch is ~45 steps at the paper's
# learning rate of 0.01, and Keras's default momentum 0.99 (a ~100-step average) let validation
# run on statistics of weights long gone (validation accuracy swung between 3 % and 79 % from one
# epoch to the next on the derm demo). 0.9 follows the weights within a few steps.
BN_MOMENTUM = 0.9


def _conv_bn(x, filters, kernel, *, name, strides=1, activation="relu"):
    """Conv -> BatchNorm -> activation, each layer named `{name}_conv/_bn/_ac`."""
    from keras import layers

    x = layers.Conv2D(filters, kernel, strides=strides, padding="same", use_bias=False,
                      name=f"{name}_conv")(x)
    x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_bn")(x)
    return layers.Activation(activation, name=f"{name}_ac")(x) if activation else x


def _residual_block(x, filters, *, strides, name):
    """ResNet basic block (He et al. 2016): two 3x3 convs plus a projected shortcut."""
    from keras import layers

    shortcut = x
    if strides != 1 or x.shape[-1] != filters:
        shortcut = _conv_bn(x, filters, 1, strides=strides, activation=None, name=f"{name}_0")
    y = _conv_bn(x, filters, 3, strides=strides, name=f"{name}_1")
    y = _conv_bn(y, filters, 3, activation=None, name=f"{name}_2")
    y = layers.Add(name=f"{name}_add")([shortcut, y])
    return layers.Activation("relu", name=f"{name}_out")(y)


COMPACT_RESNET_WIDTHS = (32, 64, 128)  # one residual stage per width


def _compact_resnet(x, *, weights=None):
    """Stem (stride 2) and three residual stages (strides 1, 2, 2): 96 px -> 12 x 12 map."""
    x = _conv_bn(x, 32, 3, strides=2, name="stem")
    for stage, filters in enumerate(COMPACT_RESNET_WIDTHS, start=1):
        strides = 1 if stage == 1 else 2
        x = _residual_block(x, filters, strides=strides, name=f"stage{stage}_block1")
    return x, _no_pretrained("compact_resnet", weights)  # x comes from "stage3_block1_out"


def _inception_resnet_block(x, branches, *, scale, name):
    """Inception-ResNet block (Szegedy et al. 2016): parallel branches, a linear 1x1 up
    projection scaled by `scale`, added to the input, then ReLU."""
    from keras import layers

    outputs = []
    for index, branch in enumerate(branches):
        y = x
        for step, (filters, kernel) in enumerate(branch):
            y = _conv_bn(y, filters, kernel, name=f"{name}_b{index}_{step}")
        outputs.append(y)
    mixed = layers.Concatenate(name=f"{name}_mixed")(outputs)
    up = layers.Conv2D(x.shape[-1], 1, name=f"{name}_conv")(mixed)
    up = layers.Rescaling(scale, name=f"{name}_scale")(up)
    x = layers.Add(name=f"{name}_add")([x, up])
    return layers.Activation("relu", name=f"{name}_ac")(x)


def _compact_inception_resnet(x, *, weights=None):
    """Stem, then one block of each Inception-ResNet type (35, 17, 8) with InceptionResNetV2's
    two reductions between them: 96 px -> 24 x 24 (block35) -> 12 x 12 (block17) -> 6 x 6
    (block8). Feature layer: block8_ac. The 6 x 6 map is the paper's (block8_9 is 5 x 5 at 224
    px), which its flattening head needs: with block8 left at 12 x 12 (the v1 demo) the head
    weighed 144 positions apart, and on fundus, whose lesions lie anywhere, the model stayed
    below the majority class's rate."""
    from keras import layers

    x = _conv_bn(x, 32, 3, strides=2, name="stem_1")
    x = _conv_bn(x, 64, 3, strides=2, name="stem_2")
    x = _inception_resnet_block(
        x, [[(16, 1)], [(16, 1), (16, 3)], [(16, 1), (24, 3), (32, 3)]], scale=0.17, name="block35")
    pooled = layers.MaxPooling2D(3, strides=2, padding="same", name="reduction_pool")(x)
    conv = _conv_bn(x, 64, 3, strides=2, name="reduction_conv")
    x = layers.Concatenate(name="reduction_mixed")([pooled, conv])  # 12 x 12 x 128
    x = _inception_resnet_block(
        x, [[(48, 1)], [(32, 1), (40, (1, 7)), (48, (7, 1))]], scale=0.1, name="block17")
    pooled = layers.MaxPooling2D(3, strides=2, padding="same", name="reduction_b_pool")(x)
    conv = _conv_bn(x, 96, 3, strides=2, name="reduction_b_conv")
    x = layers.Concatenate(name="reduction_b_mixed")([pooled, conv])  # 6 x 6 x 224
    x = _inception_resnet_block(
        x, [[(48, 1)], [(48, 1), (56, (1, 3)), (64, (3, 1))]], scale=0.2, name="block8")
    return x, _no_pretrained("compact_inception_resnet", weights)


BACKBONES: dict[str, Backbone] = {
    "resnet50": Backbone("resnet50", "resnet50", 224, "conv5_block3_out", _resnet50),
    "inception_resnet_v2": Backbone(
        "inception_resnet_v2", "inception_resnet_v2", 224, "block8_9_ac", _inception_resnet_v2),
    # Keras's native IRv2 input: the block8_9 map is 8 x 8 instead of 5 x 5 at 224 px
    "inception_resnet_v2_299": Backbone(
        "inception_resnet_v2_299", "inception_resnet_v2", 299, "block8_9_ac", _inception_resnet_v2),
    "compact_resnet": Backbone(
        "compact_resnet", "resnet50", 96, "stage3_block1_out", _compact_resnet),
    "compact_inception_resnet": Backbone(
        "compact_inception_resnet", "inception_resnet_v2", 96, "block8_ac", _compact_inception_resnet),
}

PROFILES: dict[str, dict[str, str]] = {  # the first is the default
    "demo": {"resnet50": "compact_resnet", "inception_resnet_v2": "compact_inception_resnet"},
    "paper": {"resnet50": "resnet50", "inception_resnet_v2": "inception_resnet_v2"},  # 224 px, as the paper
    "paper-native": {"resnet50": "resnet50", "inception_resnet_v2": "inception_resnet_v2_299"},  # 224 / 299 px
}


def backbone_for(family: str, profile: str) -> Backbone:
    """The backbone implementing `family` in `profile`; ValueError on unknown names."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; expected one of {sorted(PROFILES)}")
    if family not in PROFILES[profile]:
        raise ValueError(f"unknown backbone {family!r}; expected one of {list(FAMILIES)}")
    return BACKBONES[PROFILES[profile][family]]
