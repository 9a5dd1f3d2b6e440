"""Explanations: one small module per method, and a plain registry for the UI.

    grad_cam(model, images, class_index=None)  Selvaraju et al. 2017, on the feature map
                                               that feeds the head (paper section 3.4)
    grad_cam_pp, score_cam, integrated_gradients(_blur), grad_cam_softmax   the same call
    attention_map(model, images)               the soft-attention block's own map
    overlay(image, heatmap)                    a heatmap over an image, OpenCV colormap
    compare(clean, adversarial)                how much an attack moved a heatmap
    localisation(maps, masks)                  pointing game and energy inside a ground-truth mask

METHODS maps a method id to a registry.Method (title, function, reference): the explorer's
and the gallery's selectors are built from it. The methods are imported on first use
(PEP 562), so listing them does not load TensorFlow.
"""

import importlib

from core.explain.compare import compare, top_region_overlap
from core.explain.localisation import localisation
from core.explain.overlay import overlay
from core.explain.registry import METHODS, Method

# function name -> its module: the registry's targets, and the attention map beside them
_WHERE = {name: module for module, name in (m.target.split(":") for m in METHODS.values())}
_WHERE["attention_map"] = "core.explain.attention"


def __getattr__(name):
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'core.explain' has no attribute {name!r}")


__all__ = ["METHODS", "Method", "compare", "localisation", "overlay", "top_region_overlap", *_WHERE]
