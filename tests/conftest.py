"""Shared fixtures. TensorFlow logging is quietened before any test imports it."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(scope="session")
def tiny():
    """(model, images, labels, masks): a tiny planted-square detector and held-out data."""
    from tests.tiny import planted_squares, trained_tiny_model

    model = trained_tiny_model()
    images, labels, masks = planted_squares(64, seed=7)
    return model, images, labels, masks


@pytest.fixture(scope="session")
def tiny_twin():
    """A second tiny detector trained from another seed (a transfer source)."""
    from tests.tiny import trained_tiny_model

    return trained_tiny_model(seed=1)
