"""Square Attack: gradient-free, inside the ball, and ART as the reference."""

import numpy as np
import pytest

from core.attacks import accuracy, pgd, square
from core.attacks.square import square_fraction
from tests.tiny import gradient_free_copy


def test_never_calls_a_gradient_and_stays_in_the_ball(tiny):
    model, images, labels, _ = tiny
    blind = gradient_free_copy(model)
    with pytest.raises(AssertionError, match="gradient was requested"):
        pgd(blind, images[:2], labels[:2], epsilon=0.1, steps=1)  # the guard works
    adversarial = square(blind, images, labels, epsilon=0.3, queries=100, seed=0)
    assert np.abs(adversarial - images).max() <= 0.3
    assert adversarial.min() >= 0 and adversarial.max() <= 1
    assert accuracy(blind, adversarial, labels) < accuracy(blind, images, labels)


def test_more_queries_fool_more_and_the_same_seed_repeats(tiny):
    model, images, labels, _ = tiny
    few = square(model, images, labels, epsilon=0.25, queries=20, seed=1)
    many = square(model, images, labels, epsilon=0.25, queries=300, seed=1)
    assert accuracy(model, many, labels) < accuracy(model, few, labels)
    np.testing.assert_array_equal(many, square(model, images, labels, epsilon=0.25, queries=300, seed=1))


def test_square_schedule_halves_as_in_the_paper():
    fractions = [float(square_fraction(q, 10000, 0.8)) for q in (5, 20, 100, 300, 700, 1500, 3000, 5000, 7000, 9000)]
    assert fractions == pytest.approx([0.8 / 2**k for k in range(10)])


def test_native_agrees_with_art(tiny):
    """A random search varies with its seed: compare the mean over two seeds."""
    model, images, labels, _ = tiny

    def mean_accuracy(engine):
        return np.mean([accuracy(model, square(model, images, labels, epsilon=0.25, queries=300, seed=seed,
                                               engine=engine), labels) for seed in (0, 1)])

    native, reference = mean_accuracy("native"), mean_accuracy("art")
    print(f"native {native:.3f}, ART {reference:.3f}")
    assert abs(native - reference) <= 0.15
    assert max(native, reference) <= 0.5 < accuracy(model, images, labels)
