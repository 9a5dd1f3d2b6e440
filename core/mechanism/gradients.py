"""The input gradient and what it says about robustness to L-inf perturbations.

    loss_and_gradient(model, images, labels)  per-image cross-entropy and its input gradient
    gradient_norms(model, images, labels)     ||grad_x L||_1: to first order an L-inf step of eps
                                              raises the loss by eps ||grad||_1 (the dual norm)
    curvature(model, images, labels, h=...)   CURE's finite-difference curvature along the
                                              gradient's sign (Moosavi-Dezfooli et al. 2019):
                                              ||grad L(x + h z) - grad L(x)||_2 / h, z = sign(grad L(x))

A model whose loss is flat and straight around its inputs is hard to fool with small steps;
a large gradient or strong curvature means the loss can be climbed quickly.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from core.attacks import compiled
from core.attacks.base import batches, check_images, check_labels, cross_entropy


def _build(model):
    entry = compiled.for_model(model)

    @tf.function(input_signature=[entry.image_spec, tf.TensorSpec((None,), tf.int64)])
    def fn(x, y):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = cross_entropy(entry.logits_model(x, training=False), y)
            total = tf.reduce_sum(loss)
        return loss, tape.gradient(total, x)

    return fn


def loss_and_gradient(model, images, labels) -> tuple[np.ndarray, np.ndarray]:
    """Per-image cross-entropy of the logits and its gradient with respect to the image (one
    traced function per model, in batches)."""
    images = check_images(model, images)
    labels = check_labels(model, labels, len(images))
    fn = compiled.per_model(model, "mechanism_gradient", _build)
    losses, gradients = [], []
    for x, y in zip(batches(images), batches(labels)):
        loss, gradient = fn(tf.constant(x), tf.constant(y))
        losses.append(loss.numpy())
        gradients.append(gradient.numpy())
    if not losses:
        return np.zeros(0, np.float32), np.zeros_like(images)
    return np.concatenate(losses), np.concatenate(gradients)


def gradient_norms(model, images, labels) -> np.ndarray:
    """||grad_x L(x)||_1 per image: the first-order loss increase per unit of L-inf budget."""
    _, gradients = loss_and_gradient(model, images, labels)
    return np.abs(gradients).reshape(len(gradients), -1).sum(axis=1)


def curvature(model, images, labels, *, h: float = 1.5 / 255) -> np.ndarray:
    """CURE's curvature estimate per image (Moosavi-Dezfooli et al. 2019, eq. 6 with z the
    gradient's sign, our L-inf direction): ||grad L(x + h z) - grad L(x)||_2 / h."""
    if not h > 0:
        raise ValueError(f"h must be positive, got {h}")
    images = check_images(model, images)
    _, gradient = loss_and_gradient(model, images, labels)
    moved = np.clip(images + h * np.sign(gradient), 0.0, 1.0)
    _, moved_gradient = loss_and_gradient(model, moved, labels)
    return np.linalg.norm((moved_gradient - gradient).reshape(len(images), -1), axis=1) / h
