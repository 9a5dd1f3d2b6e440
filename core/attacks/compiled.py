"""One cache of compiled functions per model, shared by every attack.

Each model gets a logits sub-model (input -> the layer named "logits") and, on first use,
one tf.function per (attack, loss): a whole attack loop traced once with a free batch
dimension and reused for every epsilon, step count and batch size. The cache is weak, so
a model that is dropped takes its traces with it.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Callable

import tensorflow as tf

from core.models.build import LOGITS_LAYER

_cache: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


@dataclass
class Compiled:
    """A model's logits sub-model and its compiled functions."""

    logits_model: object
    image_spec: tf.TensorSpec
    logits: Callable
    loops: dict = field(default_factory=dict)  # (attack, loss) -> tf.function


def compiled(model) -> Compiled:
    """The cached Compiled of `model`; ValueError if it has no "logits" layer."""
    if model in _cache:
        return _cache[model]
    import keras

    try:
        logits_layer = model.get_layer(LOGITS_LAYER)
    except ValueError:
        raise ValueError(f"model {model.name!r} has no layer named '{LOGITS_LAYER}'; "
                         "attacks need the logits (build models with core.models.build)") from None
    sub = keras.Model(model.inputs, logits_layer.output, name=f"{model.name}_logits")
    spec = tf.TensorSpec((None, *model.input_shape[1:]), tf.float32)

    @tf.function(input_signature=[spec])
    def logits(x):
        return sub(x, training=False)

    _cache[model] = Compiled(sub, spec, logits)
    return _cache[model]


def loop(model, attack: str, loss: str, build: Callable) -> Callable:
    """The compiled loop of `attack` with `loss` for `model`, built once by
    `build(logits_model, image_spec, loss)` (traced on its first call)."""
    entry = compiled(model)
    if (attack, loss) not in entry.loops:
        entry.loops[(attack, loss)] = build(entry.logits_model, entry.image_spec, loss)
    return entry.loops[(attack, loss)]


def logits_model(model):
    """keras.Model from the model's input to its "logits" layer (cached per model)."""
    return compiled(model).logits_model
