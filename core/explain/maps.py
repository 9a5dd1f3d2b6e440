"""What every saliency method shares: which class to explain, the feature/logit sub-model
and its gradients, compiled once per model, and how a map becomes N x S x S in [0, 1]."""

from __future__ import annotations

import cv2
import numpy as np

from core.attacks.compiled import per_model
from core.models.build import LOGITS_LAYER, SALIENCY_LAYER, feature_layer_name


def check_images(images) -> np.ndarray:
    images = np.asarray(images, np.float32)
    if images.ndim != 4:
        raise ValueError(f"images must be N x S x S x 3, got shape {images.shape}")
    return images


def features_and_logits(model, layer: str | None = None):
    """keras.Model: input -> (the feature map feeding the head, or `layer`'s, the logits),
    cached per model and layer. `layer`: one of saliency_layers(model) (an imported model's
    marked feature maps); None: the model's own Grad-CAM layer."""
    def build(model):
        import keras

        if layer is not None and layer not in saliency_layers(model):  # checked once: a valid layer is cached
            raise ValueError(f"layer must be one of the model's marked feature maps {saliency_layers(model)}, "
                             f"got {layer!r}")
        return keras.Model(model.inputs, [model.get_layer(layer or feature_layer_name(model)).output,
                                          model.get_layer(LOGITS_LAYER).output])

    return per_model(model, ("features_and_logits", layer), build)


def saliency_layers(model) -> list[str]:
    """The feature maps a Grad-CAM-family method may use on `model`: an imported model's marked
    layers (its chosen one first, then finer ones, core.models.imported.assemble); [] for the
    zoo's own models, whose one layer is the same in both twins."""
    return [layer.name for layer in model.layers
            if layer.name.startswith(SALIENCY_LAYER) and not layer.name.endswith("_back")]


def explainer(model, name: str, build):
    """The saliency function `name` of `model`, built once by build(model) (core.attacks.compiled's
    per-model cache, shared with the attacks)."""
    return per_model(model, ("explain", name), build)


def resolve_classes(model, images: np.ndarray, class_index) -> np.ndarray:
    """One class per image: None = each image's predicted class; an int = that class for every
    image; a sequence = one each. ValueError outside the model's classes."""
    from core.attacks import predict_logits

    total = model.output_shape[-1]
    if class_index is None:
        return predict_logits(model, images).argmax(axis=1).astype(np.int32)
    classes = np.broadcast_to(np.asarray(class_index, np.int32), (len(images),)).copy()
    if len(classes) and (classes.min() < 0 or classes.max() >= total):
        raise ValueError(f"class_index must be in [0, {total - 1}], got {class_index}")
    return classes


def upsample_and_scale(maps: np.ndarray, size) -> np.ndarray:
    """N x h x w maps -> N x H x W, bilinear, negatives cut, each divided by its maximum (0 stays 0)."""
    height, width = size
    out = np.stack([cv2.resize(m.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)
                    for m in maps]) if len(maps) else np.zeros((0, height, width), np.float32)
    return scale_each(np.maximum(out, 0))


def scale_each(maps: np.ndarray) -> np.ndarray:
    """Each map divided by its maximum (an all-zero map stays 0), float32."""
    peak = maps.reshape(len(maps), -1).max(axis=1, initial=0)[:, None, None] if len(maps) else 1
    return np.divide(maps, peak, out=np.zeros_like(maps, np.float32), where=peak > 0).astype(np.float32)
