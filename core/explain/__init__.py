"""Explanations: one small module per method, and a plain registry for the UI.

    grad_cam(model, images, class_index=None)  Selvaraju et al. 2017, on the feature map
                                               that feeds the head (paper section 3.4)
    grad_cam_pp, score_cam, integrated_gradients(_blur), grad_cam_softmax   the same call
    attention_map(model, images)               the soft-attention block's own map
    overlay(image, heatmap)                    a heatmap over an image, OpenCV colormap
    compare(clean, adversarial)                how much an attack moved a heatmap

METHODS maps a method id to a registry.Method (title, function, reference): the explorer's
and the gallery's selectors are built from it.
"""

from core.explain.attention import attention_map
from core.explain.compare import compare, top_region_overlap
from core.explain.gradcam import grad_cam
from core.explain.gradcam_pp import grad_cam_pp
from core.explain.gradcam_softmax import grad_cam_softmax
from core.explain.integrated import integrated_gradients, integrated_gradients_blur
from core.explain.overlay import overlay
from core.explain.registry import Method
from core.explain.scorecam import score_cam

METHODS: dict[str, Method] = {
    "grad_cam": Method("Grad-CAM", grad_cam, "Selvaraju et al. 2017",
                       "Gradients of the class logit averaged over the feature map that feeds the head."),
    "grad_cam_pp": Method("Grad-CAM++", grad_cam_pp, "Chattopadhyay et al. 2018",
                          "Grad-CAM with pixel-wise weights: better for several instances of a class."),
    "score_cam": Method("Score-CAM", score_cam, "Wang et al. 2020",
                        "Gradient-free: each channel weighted by how much its mask alone raises the class "
                        "probability."),
    "integrated_gradients": Method("Integrated Gradients (black baseline)", integrated_gradients,
                                   "Sundararajan et al. 2017",
                                   "Pixel attributions along the path from a black image (PAIR's saliency).",
                                   uses_feature_layer=False),
    "integrated_gradients_blur": Method("Integrated Gradients (blurred baseline)", integrated_gradients_blur,
                                        "Sundararajan et al. 2017",
                                        "Pixel attributions along the path from a blurred copy of the image.",
                                        uses_feature_layer=False),
    "grad_cam_softmax": Method("Grad-CAM on the softmax (paper parity)", grad_cam_softmax,
                               "Selvaraju et al. 2017; Datta et al. 2021's notebook",
                               "What the paper's reference code computes; flat on confident models."),
}

__all__ = ["METHODS", "Method", "attention_map", "compare", "grad_cam", "grad_cam_pp", "grad_cam_softmax",
           "integrated_gradients", "integrated_gradients_blur", "overlay", "score_cam", "top_region_overlap"]
