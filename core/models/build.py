"""build_model: backbone + the paper's heads (section 3.3) as one flat Keras model.

Every model takes N x S x S x 3 float32 RGB in [0, 1] (preprocessing is a layer inside),
ends in a Dense layer named "logits" followed by a separate softmax named
"probabilities" (attacks use the logits: foolbox and ART take them), and contains no Lambda layer,
so it saves and loads with safe_mode=True.
"""

from __future__ import annotations

import keras
from keras import layers

from core.models.attention import SoftAttention
from core.models.preprocessing import CaffePreprocess
from core.models.spec import ModelSpec

ATTENTION_LAYER = "soft_attention"
LOGITS_LAYER = "logits"
PROBABILITIES_LAYER = "probabilities"
SALIENCY_LAYER = "saliency_features"  # an imported model's Grad-CAM layer (core.models.adapters)


def _attention_branch(features):
    """Soft attention, then 2x2 max-pool of its output || 2x2 max-pool of its input, ReLU."""
    attended, _head_maps = SoftAttention(name=ATTENTION_LAYER)(features)
    attended = layers.MaxPooling2D(2, padding="same", name="attention_pool")(attended)
    pooled = layers.MaxPooling2D(2, padding="same", name="feature_pool")(features)
    merged = layers.Concatenate(name="attention_concat")([attended, pooled])
    return layers.Activation("relu", name="head_relu")(merged)


def _resnet_head(features, attention: bool):
    """ResNet-50 head: [attention branch -> dropout 0.5] -> global average pooling."""
    x = features
    if attention:
        x = layers.Dropout(0.5, name="head_dropout")(_attention_branch(features))
    return layers.GlobalAveragePooling2D(name="head_pool")(x)


def _inception_resnet_head(features, attention: bool):
    """InceptionResNetV2 head: attention branch, or ReLU -> dropout 0.5; then flatten."""
    if attention:
        x = _attention_branch(features)
    else:
        x = layers.Activation("relu", name="head_relu")(features)
        x = layers.Dropout(0.5, name="head_dropout")(x)
    return layers.Flatten(name="head_flatten")(x)


HEADS = {"resnet50": _resnet_head, "inception_resnet_v2": _inception_resnet_head}


def build_model(spec: ModelSpec, *, weights=None) -> keras.Model:
    """An untrained model for `spec`.

    weights: None (random init), "imagenet" (paper profile; falls back to random init with
    a RuntimeWarning when the download is impossible) or a path to a no-top weights file.
    The attribute `backbone_init` of the returned model says which init was used.
    """
    backbone = spec.backbone_info
    size = backbone.input_size
    images = keras.Input((size, size, 3), name="image")
    x = CaffePreprocess(name="imagenet_preprocess")(images)
    features, init = backbone.build(x, weights=weights)
    pooled = HEADS[backbone.family](features, spec.attention)
    logits = layers.Dense(spec.task_info.num_classes, name=LOGITS_LAYER)(pooled)
    probabilities = layers.Softmax(name=PROBABILITIES_LAYER)(logits)
    model = keras.Model(images, probabilities, name=spec.model_id.replace("-", "_"))
    model.backbone_init = init
    return model


# The first head layer of each variant; its input is the backbone's feature map.
_HEAD_ENTRY_LAYERS = (ATTENTION_LAYER, "head_pool", "head_relu")


def feature_layer_name(model: keras.Model) -> str:
    """Name of the backbone layer whose output feeds the head (Grad-CAM's layer).

    Found from the graph, so it works on any model built here, loaded or not, and is the
    same layer in the attentive and vanilla variants of a backbone.
    """
    names = {layer.name for layer in model.layers}
    if SALIENCY_LAYER in names:  # an imported model (core.models.imported): the layer marked at import
        return SALIENCY_LAYER
    for entry in _HEAD_ENTRY_LAYERS:
        if entry in names:
            feature_map = model.get_layer(entry).input
            for layer in model.layers:
                if layer.output is feature_map:
                    return layer.name
    if "savedmodel" in names:
        raise ValueError("Grad-CAM needs a feature map of a named layer, and an imported SavedModel is one "
                         "function without layers: use the gradient or Integrated Gradients map")
    raise ValueError(f"model {model.name!r} has no head built by core.models.build")


def has_attention(model: keras.Model) -> bool:
    """Whether the model contains the soft-attention block."""
    return any(layer.name == ATTENTION_LAYER for layer in model.layers)
