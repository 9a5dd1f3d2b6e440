"""APGD (Croce & Hein 2020): invariants on tiny models, and ART as the reference."""

import numpy as np
import pytest

from core.attacks import accuracy, apgd, pgd
from core.attacks.apgd import apgd_with_history, checkpoint_windows
from core.attacks.compiled import for_model
from tests.tiny import overconfident


@pytest.mark.parametrize("loss", ["ce", "margin"])
@pytest.mark.parametrize("epsilon", [0.0, 0.02, 0.3])
def test_adversarials_stay_in_the_ball_and_the_box(tiny, loss, epsilon):
    model, images, labels, _ = tiny
    adversarial = apgd(model, images, labels, epsilon=epsilon, steps=10, loss=loss, seed=0)
    assert adversarial.shape == images.shape and adversarial.dtype == np.float32
    assert np.abs(adversarial - images).max() <= epsilon
    assert adversarial.min() >= 0 and adversarial.max() <= 1


def test_best_loss_never_decreases(tiny):
    model, images, labels, _ = tiny
    _, history = apgd_with_history(model, images, labels, epsilon=0.03, steps=30, loss="ce", seed=0)
    assert history.shape == (31, len(labels))
    assert (np.diff(history, axis=0) >= 0).all()
    assert (history[-1] > history[0]).mean() > 0.5  # the attack raised most losses


@pytest.mark.parametrize("epsilon", [0.015, 0.03])
def test_never_weaker_than_pgd_with_the_same_budget(tiny, epsilon):
    model, images, labels, _ = tiny
    by_pgd = accuracy(model, pgd(model, images, labels, epsilon=epsilon, steps=20, seed=0), labels)
    by_apgd = accuracy(model, apgd(model, images, labels, epsilon=epsilon, steps=20, seed=0), labels)
    assert by_apgd <= by_pgd


def test_margin_loss_breaks_a_saturated_model_that_cross_entropy_cannot(tiny):
    model, images, labels, _ = tiny
    loud = overconfident(model)
    stuck = accuracy(loud, apgd(loud, images, labels, epsilon=0.3, steps=10, loss="ce", seed=0), labels)
    broken = accuracy(loud, apgd(loud, images, labels, epsilon=0.3, steps=10, loss="margin", seed=0), labels)
    assert broken <= 0.05 < stuck


def test_dlr_needs_three_classes_and_says_so(tiny):
    model, images, labels, _ = tiny
    with pytest.raises(ValueError, match="at least 3 classes.*use loss='margin'"):
        apgd(model, images[:2], labels[:2], epsilon=0.1, loss="dlr")


def test_checkpoint_schedule_follows_the_paper():
    assert checkpoint_windows(100) == (22, 6, 3)  # p1 = 0.22, windows shrink by 0.03 down to 0.06
    assert checkpoint_windows(5) == (1, 1, 1)


def test_traced_once_per_model_and_loss(tiny):
    model, images, labels, _ = tiny
    apgd(model, images[:3], labels[:3], epsilon=0.01, steps=4, seed=0)
    loop = for_model(model).built[("apgd", "ce")]
    before = loop.experimental_get_tracing_count()
    for epsilon, steps, n in ((0.02, 7, 5), (0.1, 12, 2)):
        apgd(model, images[:n], labels[:n], epsilon=epsilon, steps=steps, seed=1)
    assert loop.experimental_get_tracing_count() == before


def test_restarts_only_revisit_the_survivors_and_keep_the_worst_case(tiny):
    model, images, labels, _ = tiny
    one = apgd(model, images, labels, epsilon=0.02, steps=5, seed=3)
    three = apgd(model, images, labels, epsilon=0.02, steps=5, seed=3, restarts=3)
    assert accuracy(model, three, labels) <= accuracy(model, one, labels)


@pytest.fixture(scope="module")
def demo_model_and_images():
    from core.data import synthetic
    from core.models.zoo import ModelSpec, load_model

    images, labels = synthetic.split("fundus", "test", 64, size=96)
    return load_model(ModelSpec("fundus", "inception_resnet_v2", True)), images, labels


@pytest.mark.parametrize("epsilon", [0.0025])  # where the model is about half fooled: neither bound decides it
def test_native_agrees_with_art_on_a_bundled_demo_model(demo_model_and_images, epsilon):
    """ART's AutoProjectedGradientDescent on the same logits: robust accuracy within 2 of 64."""
    model, images, labels = demo_model_and_images
    native = accuracy(model, apgd(model, images, labels, epsilon=epsilon, steps=10, seed=0), labels)
    reference = accuracy(model, apgd(model, images, labels, epsilon=epsilon, steps=10, seed=0, engine="art"),
                         labels)
    print(f"eps {epsilon}: native {native:.3f}, ART {reference:.3f}")
    assert abs(native - reference) * 64 <= 2
    assert native < accuracy(model, images, labels)  # the comparison is not vacuous
