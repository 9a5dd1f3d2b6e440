"""The soft-attention block (Datta et al. 2021) as the paper's section 3 specifies."""

import keras
import numpy as np
import pytest

from core.models.attention import SoftAttention


def _layer(channels, heads=16, seed=0):
    layer = SoftAttention(heads=heads)
    layer.build((None, 5, 6, channels))
    rng = np.random.default_rng(seed)
    layer.kernel.assign(rng.normal(size=layer.kernel.shape).astype("float32") * 0.1)
    layer.bias.assign(rng.normal(size=layer.bias.shape).astype("float32") * 0.1)
    return layer


@pytest.mark.parametrize("channels", [1, 8, 33])
def test_conv2d_form_equals_datta_conv3d_form(channels, rng):
    """Datta et al.: a 3-D convolution on t[..., None] with a 3x3xC kernel, stride C along
    depth, 'same' padding, 16 filters. It must equal our 3x3 Conv2D over all channels."""
    features = rng.normal(size=(3, 5, 6, channels)).astype("float32")
    layer = _layer(channels)
    conv3d = keras.layers.Conv3D(16, (3, 3, channels), strides=(1, 1, channels), padding="same")
    conv3d.build((None, 5, 6, channels, 1))
    conv3d.set_weights([layer.kernel.numpy()[:, :, :, None, :], layer.bias.numpy()])

    # The literal 3-D pipeline: conv3d -> relu -> softmax over H*W per head -> sum -> scale.
    scores = np.maximum(conv3d(features[..., None]).numpy()[:, :, :, 0, :], 0)  # N,H,W,K
    flat = scores.reshape(3, 30, 16)
    softmax = np.exp(flat - flat.max(axis=1, keepdims=True))
    softmax /= softmax.sum(axis=1, keepdims=True)
    expected_maps = softmax.reshape(3, 5, 6, 16)
    expected = features * expected_maps.sum(axis=-1, keepdims=True)

    attended, maps = layer(features)
    np.testing.assert_allclose(maps.numpy(), expected_maps, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(attended.numpy(), expected, rtol=1e-4, atol=1e-5)


def test_each_head_map_is_a_spatial_distribution(rng):
    layer = _layer(4, heads=5)
    _, maps = layer(rng.normal(size=(2, 5, 6, 4)).astype("float32"))
    assert maps.shape == (2, 5, 6, 5)
    np.testing.assert_allclose(maps.numpy().sum(axis=(1, 2)), 1.0, rtol=1e-5)
    assert (maps.numpy() >= 0).all()


def test_weights_are_16_heads_of_3x3_over_all_channels():
    layer = _layer(2048)
    assert layer.count_params() == 3 * 3 * 2048 * 16 + 16


def test_config_round_trip():
    layer = SoftAttention(heads=4, name="sa")
    clone = SoftAttention.from_config(layer.get_config())
    assert clone.heads == 4 and clone.name == "sa"


def test_rejects_zero_heads():
    with pytest.raises(ValueError, match="heads must be at least 1, got 0"):
        SoftAttention(heads=0)
