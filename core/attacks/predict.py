"""Predictions through the compiled logits: what every attack and evaluation reads."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from core.attacks.base import batches, check_images, loss_function, margin
from core.attacks.compiled import for_model


def predict_logits(model, images: np.ndarray) -> np.ndarray:
    """The model's logits for `images`, through its compiled function, in batches."""
    if not len(images):
        return np.zeros((0, model.output_shape[-1]), np.float32)
    fn = for_model(model).logits
    return np.concatenate([fn(tf.constant(b)).numpy() for b in batches(np.asarray(images, np.float32))])


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def predict(model, images: np.ndarray) -> np.ndarray:
    """Softmax probabilities for `images` (computed from the logits)."""
    return softmax(predict_logits(model, check_images(model, images)))


def example_loss(model, images: np.ndarray, labels: np.ndarray, loss: str = "ce") -> np.ndarray:
    """Per-example value of one of the attack losses (core.attacks.base.loss_function)."""
    logits = predict_logits(model, images)
    return loss_function(loss)(tf.constant(logits), tf.constant(np.asarray(labels, np.int64))).numpy()


def true_class_margin(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """z_y - max_{j != y} z_j per example: positive while the model is right, the lower the
    more adversarial (how the ensemble ranks candidate examples). The attack loss `margin`
    negated, so the two can never disagree."""
    labels = tf.constant(np.asarray(labels, np.int64))
    return -margin(tf.constant(logits, tf.float32), labels).numpy()


def accuracy(model, images, labels) -> float:
    """Unweighted accuracy (paper section 3.4)."""
    labels = np.asarray(labels)
    if len(labels) == 0:
        return float("nan")
    return float((predict(model, images).argmax(axis=1) == labels).mean())
