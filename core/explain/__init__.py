"""Explanations: one small module per method, and a plain registry for the UI.

    grad_cam(model, images, class_index=None)  Selvaraju et al. 2017, on the feature map
                                               that feeds the head (paper section 3.4)
    attention_map(model, images)               the soft-attention block's own map
    overlay(image, heatmap)                    a heatmap over an image, OpenCV colormap
    compare(clean, adversarial)                how much an attack moved a heatmap
"""

from core.explain.attention import attention_map
from core.explain.compare import compare, top_region_overlap
from core.explain.gradcam import grad_cam
from core.explain.overlay import overlay

# name shown in the UI -> (function(model, images) -> N x S x S in [0, 1], needs attention)
METHODS = {
    "Grad-CAM": (grad_cam, False),
    "Soft-attention map": (attention_map, True),
}

__all__ = ["METHODS", "attention_map", "compare", "grad_cam", "overlay", "top_region_overlap"]
