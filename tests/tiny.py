"""A tiny model trained in seconds to find a planted bright square (for attack and
explanation tests). Built like the zoo's models: a named feature layer, then head_pool,
logits and a separate softmax."""

import keras
import numpy as np

SIZE = 32
SQUARE = 8


def planted_squares(n: int, seed: int = 0):
    """Class 1: a bright 8x8 square at a random place on noise; class 0: noise only.
    Returns images, labels and the square masks."""
    rng = np.random.default_rng(seed)
    images = rng.uniform(0.2, 0.5, (n, SIZE, SIZE, 3)).astype(np.float32)
    labels = (np.arange(n) % 2).astype(np.int64)
    masks = np.zeros((n, SIZE, SIZE), bool)
    for i in np.flatnonzero(labels == 1):
        r, c = rng.integers(0, SIZE - SQUARE, 2)
        images[i, r:r + SQUARE, c:c + SQUARE] = 0.95
        masks[i, r:r + SQUARE, c:c + SQUARE] = True
    return images, labels, masks


def tiny_model(seed: int = 0, *, block_gradient: bool = False) -> keras.Model:
    """The detector; `block_gradient` puts a zero-gradient identity after the input (a model
    whose own gradients say nothing, while its predictions are the detector's)."""
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((SIZE, SIZE, 3), name="image")
    x = StopGradient(name="stop_gradient")(inputs) if block_gradient else inputs
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="conv1")(x)
    x = keras.layers.Conv2D(16, 3, padding="same", activation="relu", name="features")(x)
    x = keras.layers.GlobalMaxPooling2D(name="head_pool")(x)
    logits = keras.layers.Dense(2, name="logits")(x)
    return keras.Model(inputs, keras.layers.Softmax(name="probabilities")(logits), name="tiny")


def trained_tiny_model(seed: int = 0) -> keras.Model:
    model = tiny_model(seed)
    images, labels, _ = planted_squares(512, seed=seed + 100)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    model.fit(images, labels, epochs=6, batch_size=32, verbose=0)
    return model


def overconfident(model) -> keras.Model:
    """The same detector with logits x 1000: its softmax saturates to exactly 1 in float32,
    so the cross-entropy gradient is 0 (gradient masking by saturation)."""
    clone = tiny_model()
    clone.set_weights(model.get_weights())
    kernel, bias = clone.get_layer("logits").get_weights()
    clone.get_layer("logits").set_weights([kernel * 1000, bias * 1000])
    return clone


class NoGradient(keras.layers.Layer):
    """Identity whose gradient raises: a model built with it proves an attack never asks
    for a gradient."""

    def call(self, x):
        import tensorflow as tf

        @tf.custom_gradient
        def identity(v):
            def gradient(_):
                raise AssertionError("a gradient was requested from a gradient-free attack")
            return tf.identity(v), gradient

        return identity(x)


def gradient_free_copy(model) -> keras.Model:
    """`model` (a tiny_model) behind a NoGradient layer, same weights."""
    inputs = keras.Input((SIZE, SIZE, 3), name="image")
    x = NoGradient(name="no_gradient")(inputs)
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="conv1")(x)
    x = keras.layers.Conv2D(16, 3, padding="same", activation="relu", name="features")(x)
    x = keras.layers.GlobalMaxPooling2D(name="head_pool")(x)
    logits = keras.layers.Dense(2, name="logits")(x)
    blind = keras.Model(inputs, keras.layers.Softmax(name="probabilities")(logits), name="tiny_no_gradient")
    for name in ("conv1", "features", "logits"):
        blind.get_layer(name).set_weights(model.get_layer(name).get_weights())
    return blind


class StopGradient(keras.layers.Layer):
    """Identity whose gradient is zero (gradient masking by construction)."""

    def call(self, x):
        import tensorflow as tf

        @tf.custom_gradient
        def identity(v):
            return tf.identity(v), tf.zeros_like

        return identity(x)
