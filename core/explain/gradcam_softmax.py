"""Grad-CAM on the softmax probability instead of the logit: what the paper's reference
notebook (Datta et al. 2021) and the Keras Grad-CAM tutorial compute. Offered for parity with
the paper; on a confident model the softmax saturates, its gradient shrinks towards 0 and the
map says little (on the demo derm IRv2 vanilla it correlates 0.25 with the logit Grad-CAM)."""

from __future__ import annotations

import numpy as np

from core.explain.gradcam import _grad_cam


def grad_cam_softmax(model, images, class_index=None, *, layer: str | None = None) -> np.ndarray:
    """Grad-CAM of the class's softmax probability, N x S x S float32 in [0, 1] (`layer` as in grad_cam)."""
    return _grad_cam(model, images, class_index, "softmax", layer)
