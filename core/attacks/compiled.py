"""One cache per model of what is built from it, shared by every attack, saliency method and
the out-of-distribution features.

Each model gets a logits sub-model (input -> the layer named "logits") and, on first use,
whatever else is asked of it: one tf.function per (attack, loss), a whole attack loop traced
once with a free batch dimension and reused for every epsilon, step count and batch size; the
saliency methods' gradient functions; the pooled-feature extractor. The cache is weak, so a
model that is dropped takes its traces with it.
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
    """A model's logits sub-model and what else was built from it."""

    logits_model: object
    image_spec: tf.TensorSpec
    logits: Callable
    built: dict = field(default_factory=dict)  # key -> a traced function or a sub-model


def for_model(model) -> Compiled:
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


def per_model(model, key, build: Callable):
    """What `build(model)` returns (a traced function, a sub-model), built once per model and
    kept as long as the model lives."""
    entry = for_model(model)
    if key not in entry.built:
        entry.built[key] = build(model)
    return entry.built[key]


def loop(model, attack: str, loss: str, build: Callable) -> Callable:
    """The compiled loop of `attack` with `loss` for `model`, built once by
    `build(logits_model, image_spec, loss)` (traced on its first call)."""
    entry = for_model(model)
    return per_model(model, (attack, loss), lambda _: build(entry.logits_model, entry.image_spec, loss))


def logits_model(model):
    """keras.Model from the model's input to its "logits" layer (cached per model)."""
    return for_model(model).logits_model
