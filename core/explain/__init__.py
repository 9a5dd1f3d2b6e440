"""Explanations: one small module per method, and a plain registry for the UI.

    grad_cam(model, images, class_index=None)  Selvaraju et al. 2017, on the feature map
                                               that feeds the head (paper section 3.4)
    attention_map(model, images)               the soft-attention block's own map
    overlay(image, heatmap)                    a heatmap over an image, OpenCV colormap
    compare(clean, adversarial)                how much an attack moved a heatmap

METHODS maps a method id to a registry.Method (title, function, reference): the explorer's
and the gallery's selectors are built from it.
"""

from core.explain.attention import attention_map
from core.explain.compare import compare, top_region_overlap
from core.explain.gradcam import grad_cam
from core.explain.overlay import overlay
from core.explain.registry import Method

METHODS: dict[str, Method] = {
    "grad_cam": Method("Grad-CAM", grad_cam, "Selvaraju et al. 2017",
                       "Gradients of the class logit pooled over the feature map that feeds the head."),
}

__all__ = ["METHODS", "Method", "attention_map", "compare", "grad_cam", "overlay", "top_region_overlap"]
