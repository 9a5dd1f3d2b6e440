"""IBM ART (adversarial-robustness-toolbox) on our models: the reference for APGD and Square.

ART wraps the model's LOGITS sub-model in a TensorFlowV2Classifier with inputs clipped to
[0, 1]; its losses are the same as ours (core.attacks.base), so a native attack and ART's
can be compared on one model.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import tensorflow as tf

from core.attacks.base import margin, seed_sequence
from core.attacks.compiled import logits_model


class MarginLoss:
    """The Carlini-Wagner logit margin as a loss object ART can call: one-hot labels, and a
    `reduction` ART switches between "none", "sum" and "sum_over_batch_size"."""

    def __init__(self):
        self.reduction = "sum_over_batch_size"

    def __call__(self, y_true, y_pred):
        values = margin(y_pred, tf.argmax(y_true, axis=1))
        if str(self.reduction) == "none":
            return values
        return tf.reduce_sum(values) if str(self.reduction) == "sum" else tf.reduce_mean(values)


def art_classifier(model, loss: str = "ce"):
    """ART's TensorFlowV2Classifier on `model`'s logits, with the loss `loss` ("ce" or "margin")."""
    from art.estimators.classification import TensorFlowV2Classifier

    loss_object = (tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True) if loss == "ce"
                   else MarginLoss())
    return TensorFlowV2Classifier(model=logits_model(model), nb_classes=int(model.output_shape[-1]),
                                  input_shape=tuple(model.input_shape[1:]), loss_object=loss_object,
                                  clip_values=(0.0, 1.0))


@contextmanager
def numpy_seed(seed):
    """ART draws its random starts from NumPy's global generator: seed it for the call and
    put the caller's state back afterwards."""
    state = np.random.get_state()
    np.random.seed(seed_sequence(seed).generate_state(1)[0])
    try:
        yield
    finally:
        np.random.set_state(state)
