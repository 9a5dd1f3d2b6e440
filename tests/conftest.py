"""Shared fixtures. TensorFlow logging is quietened before any test imports it."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
# The engine runs below the app (niceness 5) so that a browser on the same cores draws first. In
# the suite it competes with the other test worker instead, and at 5 the explorer's tests took
# twice as long beside a busy worker (91 s against 42 s): here it runs at the tests' priority.
os.environ.setdefault("ADVATTN_ENGINE_NICENESS", "0")
os.environ.setdefault("ADVATTN_PAGE_ERRORS", "raise")  # a failing page still fails its AppTest (app_pages.guard)

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
