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


# The files whose tests take longest (pytest --durations=0, 2026-12-07: 122 s down to 45 s),
# handed out first: --dist loadfile gives whole files to the two workers in collection order, and
# with these among the last one worker waited for the other (a greedy schedule of the measured
# times: 618 s as collected, 598 s with these first). The rest keep their order.
LONGEST_FIRST = ("evaluate/test_evaluate.py", "train/test_train.py", "app_pages/test_explorer.py",
                 "evaluate/test_distributed.py", "app_pages/test_curves.py", "runs/test_runs.py")


def pytest_collection_modifyitems(config, items):
    rank = {name: index for index, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0].removeprefix("tests/"), len(rank)))
