"""The saliency methods the UI offers: a plain dict, one entry per method file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Method:
    """A saliency method: fn(model, images, class_index=None) -> N x S x S float32 in [0, 1]."""

    title: str  # what a person reads
    fn: Callable
    reference: str  # the paper behind it
    note: str = ""  # shown under the selector
    uses_feature_layer: bool = True  # computed on the feature map feeding the head (same layer in twins)
