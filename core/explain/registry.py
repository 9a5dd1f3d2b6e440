"""The saliency methods the UI offers: a plain dict, one entry per method file.

Each entry names its function by module and attribute; the function is imported on first
use, so a page can list the methods (titles, references) before TensorFlow is loaded.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Method:
    """A saliency method: fn(model, images, class_index=None) -> N x S x S float32 in [0, 1]."""

    title: str  # what a person reads
    target: str | Callable  # "module:function", or the function itself
    reference: str  # the paper behind it
    note: str = ""  # shown under the selector
    uses_feature_layer: bool = True  # computed on the feature map feeding the head (same layer in twins)

    @property
    def fn(self) -> Callable:
        if callable(self.target):
            return self.target
        module, name = self.target.split(":")
        return getattr(importlib.import_module(module), name)

    def explain(self, model, images, class_index=None, *, layer: str | None = None):
        """fn's maps; `layer` (an imported model's other marked feature map) goes to the methods
        computed on a feature map, and a pixel-level method, which has none, ignores it."""
        if layer is None or not self.uses_feature_layer:
            return self.fn(model, images, class_index)
        return self.fn(model, images, class_index, layer=layer)


METHODS: dict[str, Method] = {
    "grad_cam": Method("Grad-CAM", "core.explain.gradcam:grad_cam", "Selvaraju et al. 2017",
                       "Gradients of the class logit averaged over the feature map that feeds the head."),
    "grad_cam_pp": Method("Grad-CAM++", "core.explain.gradcam_pp:grad_cam_pp", "Chattopadhyay et al. 2018",
                          "Grad-CAM with pixel-wise weights: better for several instances of a class."),
    "score_cam": Method("Score-CAM", "core.explain.scorecam:score_cam", "Wang et al. 2020",
                        "Gradient-free: each channel weighted by how much its mask alone raises the class "
                        "probability."),
    "integrated_gradients": Method("Integrated Gradients (black baseline)",
                                   "core.explain.integrated:integrated_gradients", "Sundararajan et al. 2017",
                                   "Pixel attributions along the path from a black image (PAIR's saliency).",
                                   uses_feature_layer=False),
    "integrated_gradients_blur": Method("Integrated Gradients (blurred baseline)",
                                        "core.explain.integrated:integrated_gradients_blur",
                                        "Sundararajan et al. 2017",
                                        "Pixel attributions along the path from a blurred copy of the image.",
                                        uses_feature_layer=False),
    "grad_cam_softmax": Method("Grad-CAM on the softmax (paper parity)", "core.explain.gradcam_softmax:grad_cam_softmax",
                               "Selvaraju et al. 2017; Datta et al. 2021's notebook",
                               "What the paper's reference code computes; flat on confident models."),
}


FALLBACK_METHOD = "integrated_gradients"  # for a model with no feature map to explain (an imported SavedModel)


def usable_method(model, method: str) -> tuple[str, str | None]:
    """(`method`, None) when `model` can be explained by it; otherwise the pixel-level method
    shown instead and a sentence saying why (a feature-map method on a model whose feature
    map cannot be reached)."""
    if not METHODS[method].uses_feature_layer:
        return method, None
    from core.models.build import feature_layer_name

    try:
        feature_layer_name(model)
    except ValueError as error:
        return FALLBACK_METHOD, f"{METHODS[method].title} is not available for this model ({error}); " \
                                f"showing {METHODS[FALLBACK_METHOD].title}."
    return method, None
