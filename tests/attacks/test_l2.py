"""The L2 threat model (issue 44): PGD in the L2 ball against foolbox's L2PGD, on the same
tiny models as the L-inf tests; every example inside its ball and [0, 1]; bad settings named."""

import numpy as np
import pytest

from core.attacks import accuracy, pgd
from core.attacks.norms import distance, enforce, random_start
from core.models.zoo import ModelSpec, build_model


@pytest.mark.parametrize("epsilon", [0.0, 0.5, 2.0, 8.0])
def test_l2_adversarials_stay_in_their_ball_and_the_box(tiny, epsilon):
    model, images, labels, _ = tiny
    adversarial = pgd(model, images, labels, epsilon=epsilon, steps=5, seed=0, norm="l2")
    assert adversarial.shape == images.shape and adversarial.dtype == np.float32
    assert (distance(adversarial, images, "l2") <= epsilon).all()
    assert adversarial.min() >= 0 and adversarial.max() <= 1


def test_l2_pgd_fools_more_as_the_radius_grows(tiny):
    model, images, labels, _ = tiny
    accuracies = [accuracy(model, pgd(model, images, labels, epsilon=e, steps=20, seed=0, norm="l2"), labels)
                  for e in (0.0, 1.0, 4.0, 16.0)]
    assert accuracies == sorted(accuracies, reverse=True) and accuracies[-1] <= 0.1 < accuracies[0]


def test_native_l2_pgd_matches_foolbox_l2pgd_from_the_same_start():
    """foolbox's L2PGD, run for real, from the native engine's start: the same steps (the
    gradient over its L2 norm, projection onto the ball, then the box), so the same images up
    to float32 rounding, and the same success."""
    model = build_model(ModelSpec("cxr", "resnet50", True))
    images = np.random.default_rng(0).random((3, 96, 96, 3), dtype=np.float32)
    labels = np.array([0, 1, 1])
    for start in (False, True):
        options = dict(epsilon=1.5, steps=4, rel_stepsize=0.3, seed=2, random_start=start, norm="l2")
        native = pgd(model, images, labels, **options)
        reference = pgd(model, images, labels, engine="foolbox", **options)
        assert np.abs(native - reference).max() < 1e-3
        assert (np.argmax(model.predict(native, verbose=0), 1) == np.argmax(model.predict(reference, verbose=0), 1)).all()
        assert distance(native, images, "l2").max() > 1.0  # it really moved


def test_the_l2_start_is_uniform_in_the_ball_and_enforce_is_exact():
    rng = np.random.default_rng(1)
    images = rng.random((200, 8, 8, 3)).astype(np.float32) * 0.5 + 0.25  # far from the box's walls
    start = random_start(images, 0.7, 3, "l2")
    radii = distance(start, images, "l2")
    assert radii.max() <= 0.7 + 1e-5 and np.median(radii) > 0.6  # in 192 dimensions nearly all mass is near the sphere
    pushed = images + rng.normal(size=images.shape).astype(np.float32)
    kept = enforce(pushed, images, 0.7, "l2")
    assert (distance(kept, images, "l2") <= 0.7).all() and kept.min() >= 0 and kept.max() <= 1


@pytest.mark.parametrize("kwargs, message", [
    (dict(norm="l1"), r"norm must be one of \['linf', 'l2'\], got 'l1'"),
    (dict(norm="l2", epsilon=-1.0), "an L2 epsilon is a radius, >= 0; got -1.0"),
    (dict(norm="linf", epsilon=1.5), r"epsilon must be in \[0, 1\] \(pixel scale\), got 1.5"),
])
def test_bad_norms_and_radii_are_refused_by_name(tiny, kwargs, message):
    model, images, labels, _ = tiny
    settings = {"epsilon": 0.5, **kwargs}
    with pytest.raises(ValueError, match=message):
        pgd(model, images[:2], labels[:2], steps=1, **settings)


from tests.attacks.test_apgd import demo_model_and_images  # noqa: E402,F401 - the bundled fundus model, 64 images


@pytest.mark.parametrize("epsilon", [0.25])
def test_native_l2_apgd_agrees_with_art_on_a_bundled_demo_model(demo_model_and_images, epsilon):  # noqa: F811
    """ART's AutoProjectedGradientDescent(norm=2) on the same logits: robust accuracy within 2 of
    64 images, every example inside its L2 ball."""
    from core.attacks import apgd

    model, images, labels = demo_model_and_images
    native_images = apgd(model, images, labels, epsilon=epsilon, steps=10, seed=0, norm="l2")
    native = accuracy(model, native_images, labels)
    reference = accuracy(model, apgd(model, images, labels, epsilon=epsilon, steps=10, seed=0, engine="art",
                                     norm="l2"), labels)
    print(f"L2 eps {epsilon}: native {native:.3f}, ART {reference:.3f}")
    assert abs(native - reference) * 64 <= 2
    assert native < accuracy(model, images, labels)  # the comparison is not vacuous
    assert (distance(native_images, images, "l2") <= epsilon).all()


def test_the_settings_carry_their_norm_and_every_saved_key_stays_as_it_was():
    """A setting names its norm only where it is not the paper's L-inf, so the explorer's cache,
    the bundled views and the results' file names saved before keep being found."""
    from core.attack_settings import APGD, PGD, settings_dict

    assert "norm" not in repr(PGD(steps=10)) and "norm" not in settings_dict(APGD())
    assert repr(PGD(steps=10)) == ("PGD(steps=10, rel_stepsize=0.03333333333333333, random_start=True, loss='ce', "
                                   "restarts=1, engine='native')")
    assert settings_dict(PGD(norm="l2"))["norm"] == "l2" and PGD(norm="l2") != PGD()
    assert APGD(norm="l2").title == "APGD L2-ce (100 steps)"
    with pytest.raises(ValueError, match=r"norm must be one of \['linf', 'l2'\], got 'l1'"):
        PGD(norm="l1")


def test_a_setting_with_the_l2_norm_runs_the_l2_attack(tiny):
    from core.attack_settings import PGD
    from core.attacks import run_attack as run

    model, images, labels, _ = tiny
    adversarial = run(PGD(steps=5, norm="l2"), model, images[:8], labels[:8], epsilon=2.0, seed=0)
    assert (distance(adversarial, images[:8], "l2") <= 2.0).all() and distance(adversarial, images[:8], "linf").max() > 0.1


def test_l2_fmn_examples_lie_within_their_l2_star_and_match_foolbox_with_its_projection_mended(tiny):
    """Native FMN-L2 against foolbox's L2FMNAttack with the L2 projection Pintor et al. use
    (foolbox 3.3.4's own never projects: min(1, ||x|| / ||x||) = 1): the same deterministic
    algorithm on the same logits, so eps* agree per image; and every example is misclassified,
    in the box, at its own L2 distance."""
    from core.attacks import fmn, predict

    model, images, labels, _ = tiny
    x, y = images[:16], labels[:16]
    adversarial, stars = fmn(model, x, y, steps=30, norm="l2")
    found = np.isfinite(stars)
    assert found.mean() >= 0.8
    distances = np.linalg.norm((adversarial - x).reshape(len(x), -1).astype(np.float64), axis=1)
    np.testing.assert_allclose(distances[found], stars[found], rtol=1e-6)
    assert np.all(predict(model, adversarial[found]).argmax(axis=1) != y[found])
    assert adversarial.min() >= 0 and adversarial.max() <= 1
    _, reference = fmn(model, x, y, steps=30, norm="l2", engine="foolbox")
    both = found & np.isfinite(reference)
    assert both.mean() >= 0.8
    np.testing.assert_allclose(stars[both], reference[both], rtol=0.05)
    _, linf_stars = fmn(model, x, y, steps=30)
    size = np.sqrt(x[0].size)
    ok = both & np.isfinite(linf_stars)
    assert np.all(stars[ok] <= linf_stars[ok] * size * 1.01)  # an L-inf example's L2 length bounds the L2 optimum


def test_square_l2_runs_on_art_inside_its_ball_and_native_l2_is_refused_by_name(tiny):
    from core.attack_settings import Square
    from core.attacks import run_attack, square

    model, images, labels, _ = tiny
    setting = Square(queries=100, engine="art", norm="l2")
    assert setting.title == "Square L2 (100 queries)" and "norm='l2'" in repr(setting)
    adversarial = run_attack(setting, model, images[:16], labels[:16], epsilon=8.0, seed=0)
    assert (distance(adversarial, images[:16], "l2") <= 8.0).all() and 0 <= adversarial.min() <= adversarial.max() <= 1
    assert accuracy(model, adversarial, labels[:16]) < accuracy(model, images[:16], labels[:16])  # a real search
    with pytest.raises(ValueError, match="Square-L2 runs on ART's SquareAttack"):
        Square(norm="l2")
    with pytest.raises(ValueError, match="Square-L2 runs on ART's SquareAttack"):
        square(model, images[:2], labels[:2], epsilon=1.0, norm="l2")
