"""Natural corruptions: shape, range, determinism per seed, strength growing with severity,
every one on the task it belongs to, and bad requests named."""

import numpy as np
import pytest

from core.corruptions import CORRUPTIONS, corrupt, corruptions_for
from core.data import synthetic


@pytest.fixture(scope="module")
def images():
    return {task: synthetic.split(task, "test", 6, size=64)[0] for task in ("derm", "fundus", "cxr")}


@pytest.mark.parametrize("name", sorted(CORRUPTIONS))
def test_each_corruption_keeps_shape_and_range_repeats_for_a_seed_and_grows_with_severity(images, name):
    task = (CORRUPTIONS[name].tasks or ("cxr",))[0]
    clean = images[task]
    strength = []
    for severity in (1, 2, 3, 4, 5):
        out = corrupt(clean, name, severity, seed=3, task=task)
        assert out.shape == clean.shape and out.dtype == np.float32 and out.min() >= 0 and out.max() <= 1
        strength.append(float(np.abs(out - clean).mean()))
    assert all(a < b for a, b in zip(strength, strength[1:])), strength  # monotone in severity
    np.testing.assert_array_equal(corrupt(clean, name, 3, seed=3), corrupt(clean, name, 3, seed=3))


def test_each_task_gets_the_general_corruptions_and_its_own():
    general = {n for n, c in CORRUPTIONS.items() if c.tasks is None}
    assert len(general) == 9
    for task, own in (("cxr", {"cxr_underexposure", "cxr_overexposure", "cxr_grid_lines"}),
                      ("fundus", {"fundus_illumination", "fundus_defocus"}),
                      ("derm", {"derm_hair", "derm_bubbles", "derm_colour_cast"})):
        assert set(corruptions_for(task)) == general | own


def test_random_corruptions_differ_between_seeds(images):
    assert not np.array_equal(corrupt(images["derm"], "gaussian_noise", 2, seed=0),
                              corrupt(images["derm"], "gaussian_noise", 2, seed=1))


@pytest.mark.parametrize("kwargs,message", [
    (dict(name="fog", severity=1), "unknown corruption 'fog'"),
    (dict(name="jpeg", severity=6), "severity must be a whole number from 1 to 5, got 6"),
    (dict(name="jpeg", severity=2.5), "severity must be a whole number from 1 to 5"),
    (dict(name="derm_hair", severity=1, task="cxr"), "derm_hair is a derm corruption, not one of cxr images"),
])
def test_bad_requests_are_named(images, kwargs, message):
    with pytest.raises(ValueError, match=message):
        corrupt(images["cxr"], **kwargs)
