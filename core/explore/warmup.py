"""Trace a model's compiled functions once, when it is loaded, so the first explore is fast."""

from __future__ import annotations

import numpy as np

from core.attacks import pgd, predict
from core.explain import METHODS, attention_map
from core.models.build import has_attention


def warm_up(model, *, methods=("grad_cam",)) -> None:
    """Run the explorer's functions once on a blank image: the PGD loop (cross-entropy), the
    logits, the saliency `methods` and the attention map are traced now, not on the first
    slider move. Every function has a free batch dimension, so one trace serves every call."""
    blank = np.full((1, *model.input_shape[1:]), 0.5, np.float32)
    label = np.array([int(predict(model, blank)[0].argmax())])
    pgd(model, blank, label, epsilon=0.001, steps=1, seed=0)
    for method in methods:
        METHODS[method].fn(model, blank)
    if has_attention(model):
        attention_map(model, blank)
