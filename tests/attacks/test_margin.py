"""The one margin: the attack loss `margin` and the ranking `true_class_margin` agree."""

import numpy as np
import tensorflow as tf

from core.attacks import true_class_margin
from core.attacks.base import margin


def test_true_class_margin_is_hand_computed_and_the_negated_attack_loss():
    logits = np.array([[2.0, 5.0, 1.0], [4.0, -1.0, 3.5], [0.0, 0.0, 0.0]], np.float32)
    labels = np.array([1, 0, 2])
    # z_y - max_{j != y} z_j: 5 - 2, 4 - 3.5, 0 - 0
    np.testing.assert_allclose(true_class_margin(logits, labels), [3.0, 0.5, 0.0])
    loss = margin(tf.constant(logits), tf.constant(labels, tf.int64)).numpy()
    np.testing.assert_array_equal(true_class_margin(logits, labels), -loss)


def test_a_wrong_prediction_has_a_negative_margin():
    logits = np.array([[3.0, 1.0], [-2.0, 7.0]], np.float32)
    assert (true_class_margin(logits, np.array([1, 0])) < 0).all()
