"""Attack invariants on tiny models (fast), and the foolbox reference."""

import math

import numpy as np
import pytest

from core import attacks
from core.attacks import accuracy, fgsm, pgd, predict, transfer
from core.attacks.compiled import for_model
from tests.tiny import overconfident
from core.models.zoo import ModelSpec, build_model


def test_clean_model_is_accurate(tiny):
    model, images, labels, _ = tiny
    assert accuracy(model, images, labels) >= 0.95


@pytest.mark.parametrize("epsilon", [0.0, 0.01, 0.1, 0.5])
def test_adversarials_stay_in_the_ball_and_the_box(tiny, epsilon):
    model, images, labels, _ = tiny
    adversarial = pgd(model, images, labels, epsilon=epsilon, steps=5, seed=0)
    assert adversarial.shape == images.shape and adversarial.dtype == np.float32
    assert np.abs(adversarial - images).max() <= epsilon
    assert adversarial.min() >= 0 and adversarial.max() <= 1


def test_pgd_lowers_accuracy_to_near_zero_at_half(tiny):
    model, images, labels, _ = tiny
    clean = accuracy(model, images, labels)
    small = accuracy(model, pgd(model, images, labels, epsilon=0.02, steps=20, seed=0), labels)
    large = accuracy(model, pgd(model, images, labels, epsilon=0.5, steps=20, seed=0), labels)
    assert large <= small <= clean
    assert large <= 0.05


def test_pgd_is_at_least_as_strong_as_fgsm(tiny):
    model, images, labels, _ = tiny
    for epsilon in (0.03, 0.1):
        by_pgd = accuracy(model, pgd(model, images, labels, epsilon=epsilon, seed=0), labels)
        by_fgsm = accuracy(model, fgsm(model, images, labels, epsilon=epsilon), labels)
        assert by_pgd <= by_fgsm


def test_fgsm_is_one_full_sign_step(tiny):
    model, images, labels, _ = tiny
    adversarial = fgsm(model, images[:4], labels[:4], epsilon=0.05)
    moved = np.abs(adversarial - images[:4])
    interior = (images[:4] > 0.05) & (images[:4] < 0.95)
    np.testing.assert_allclose(moved[interior & (moved > 0)], 0.05, atol=1e-6)


def test_same_seed_same_result_and_restarts_keep_the_worst_case(tiny):
    model, images, labels, _ = tiny
    a = pgd(model, images, labels, epsilon=0.03, steps=3, seed=5)
    np.testing.assert_array_equal(a, pgd(model, images, labels, epsilon=0.03, steps=3, seed=5))
    one = attacks.example_loss(model, a, labels)
    several = pgd(model, images, labels, epsilon=0.03, steps=3, seed=5, restarts=3)
    wrong = lambda x: predict(model, x).argmax(1) != labels
    assert (wrong(several) >= wrong(a)).all()  # a misclassified first restart stays so
    kept = ~wrong(a) & ~wrong(several)
    assert (attacks.example_loss(model, several, labels)[kept] >= one[kept] - 1e-5).all()


@pytest.mark.parametrize("norm", ["linf", "l2"])
def test_progress_reports_cut_the_loop_without_changing_its_result(tiny, norm):
    model, images, labels, _ = tiny
    epsilon = 0.03 if norm == "linf" else 0.5
    reports = []
    followed = pgd(model, images[:4], labels[:4], epsilon=epsilon, steps=7, seed=2, norm=norm,
                   on_progress=lambda done, steps, x: reports.append((done, steps, x)))
    uncut = pgd(model, images[:4], labels[:4], epsilon=epsilon, steps=7, seed=2, norm=norm)
    np.testing.assert_allclose(followed, uncut, atol=1e-6)
    assert [(done, steps) for done, steps, _ in reports] == [(2, 7), (4, 7), (6, 7)]  # every 2 steps, not the last
    for _, _, x in reports:  # each interim image is a valid adversarial of the same ball
        assert attacks.norms.distance(x, images[:4], norm).max() <= epsilon + 1e-6 and 0 <= x.min() <= x.max() <= 1
    assert not np.allclose(reports[0][2], reports[-1][2])  # the attack moved between reports


def test_native_engine_matches_foolbox_from_the_same_start():
    """The paper's attack (foolbox LinfPGD, run for real, NumPy 2) equals the native loop."""
    model = build_model(ModelSpec("cxr", "resnet50", True))
    images = np.random.default_rng(0).random((3, 96, 96, 3), dtype=np.float32)
    labels = np.array([0, 1, 1])
    for random_start in (False, True):
        options = dict(epsilon=0.03, steps=4, rel_stepsize=0.3, seed=2, random_start=random_start)
        native = pgd(model, images, labels, **options)
        reference = pgd(model, images, labels, engine="foolbox", **options)
        # The same steps in float32 with the ops in another order: where a gradient component is
        # ~0 its sign (the L-inf step) can differ between the engines, so a few pixels may land
        # one step apart; everything else is equal.
        differ = np.abs(native - reference) > 1e-5
        assert differ.mean() < 0.01, f"{differ.mean():.2%} of the pixels differ"
        assert np.abs(native - reference).max() <= 2 * 0.3 * 0.03 * 4 + 1e-5
        assert np.abs(native - images).max() > 0.02  # it really moved


def test_paper_softmax_loss_is_what_foolbox_does_to_the_keras_model():
    """foolbox handed the whole Keras model (softmax output taken as logits) equals the
    native loop with loss="softmax-ce": the "paper-softmax" preset reproduces it."""
    model = build_model(ModelSpec("fundus", "inception_resnet_v2", False))
    images = np.random.default_rng(1).random((2, 96, 96, 3), dtype=np.float32)
    labels = np.array([1, 0])
    options = dict(epsilon=0.03, steps=3, rel_stepsize=0.3, seed=4, loss="softmax-ce")
    np.testing.assert_allclose(pgd(model, images, labels, **options),
                               pgd(model, images, labels, engine="foolbox", **options), atol=1e-5)


def test_transfer_crafts_on_source_and_scores_target(tiny, tiny_twin):
    model, images, labels, _ = tiny
    adversarial, probabilities = transfer(tiny_twin, model, images, labels, epsilon=0.1, steps=10, seed=0)
    np.testing.assert_array_equal(adversarial, pgd(tiny_twin, images, labels, epsilon=0.1, steps=10, seed=0))
    np.testing.assert_allclose(probabilities, predict(model, adversarial))


@pytest.mark.parametrize("kwargs,message", [
    (dict(epsilon=-0.1), r"epsilon must be in \[0, 1\].*-0.1"),
    (dict(epsilon=1.5), r"epsilon must be in \[0, 1\].*1.5"),
    (dict(epsilon=math.nan), "epsilon must be a number"),
    (dict(epsilon=0.1, steps=0), "steps must be a whole number >= 1, got 0"),
    (dict(epsilon=0.1, restarts=0), "restarts must be a whole number >= 1, got 0"),
    (dict(epsilon=0.1, engine="cleverhans"), "engine must be one of"),
])
def test_bad_settings_are_refused_with_the_value(tiny, kwargs, message):
    model, images, labels, _ = tiny
    with pytest.raises(ValueError, match=message):
        pgd(model, images[:2], labels[:2], **kwargs)


def test_bad_labels_and_shapes_are_refused(tiny):
    model, images, labels, _ = tiny
    with pytest.raises(ValueError, match=r"labels must be in \[0, 1\], got 0..5"):
        pgd(model, images[:2], np.array([0, 5]), epsilon=0.1)
    with pytest.raises(ValueError, match="one class index per image"):
        pgd(model, images[:2], labels[:3], epsilon=0.1)
    with pytest.raises(ValueError, match="images must be N x 32 x 32 x 3"):
        pgd(model, images[:2, :16], labels[:2], epsilon=0.1)
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        pgd(model, images[:2] * 3, labels[:2], epsilon=0.1)


def test_the_attack_is_traced_once_per_model(tiny):
    model, images, labels, _ = tiny
    pgd(model, images[:3], labels[:3], epsilon=0.01, steps=2, seed=0)
    attack = for_model(model).built[("pgd", "ce")]
    before = attack.experimental_get_tracing_count()
    for epsilon, steps, n in ((0.02, 3, 5), (0.1, 7, 2), (0.3, 1, 9)):
        pgd(model, images[:n], labels[:n], epsilon=epsilon, steps=steps, seed=1)
    assert attack.experimental_get_tracing_count() == before


def test_margin_loss_breaks_a_model_whose_cross_entropy_saturates(tiny):
    model, images, labels, _ = tiny
    loud = overconfident(model)
    assert accuracy(loud, images, labels) >= 0.95
    options = dict(epsilon=0.3, steps=10, rel_stepsize=0.25, seed=0)
    stuck = accuracy(loud, pgd(loud, images, labels, **options), labels)
    broken = accuracy(loud, pgd(loud, images, labels, loss="margin", **options), labels)
    assert broken <= 0.05 < stuck


def test_foolbox_reference_runs_the_paper_losses_only(tiny):
    model, images, labels, _ = tiny
    with pytest.raises(ValueError, match="loss must be one of"):
        pgd(model, images[:2], labels[:2], epsilon=0.1, engine="foolbox", loss="margin")
    with pytest.raises(ValueError, match="loss must be one of"):
        pgd(model, images[:2], labels[:2], epsilon=0.1, loss="hinge")


def test_the_ball_is_enforced_exactly():
    """float32 x0 +- eps can overshoot the ball by an ulp; enforce_ball fixes every element at
    once (an ulp-by-ulp walk used to crawl through the denormals near 0)."""
    from core.attacks.base import enforce_ball

    rng = np.random.default_rng(0)
    images = rng.random((64, 32, 32, 3), dtype=np.float32)
    for epsilon in (0.3, 0.1, 1 / 255, 0.5):
        wild = rng.uniform(-1, 2, images.shape).astype(np.float32)
        inside = enforce_ball(wild, images, epsilon)
        assert (np.abs(inside.astype(np.float64) - images) <= epsilon).all()
        assert inside.min() >= 0 and inside.max() <= 1 and inside.dtype == np.float32
        edge = np.abs(inside.astype(np.float64) - images).max()
        assert edge > epsilon - 1e-6  # as far as the ball allows, not one step short


def _four_class_model():
    """Colour votes: class 0 red, 1 green, 2 blue, 3 dark (each reachable within a box of 0.3)."""
    import keras

    inputs = keras.Input((16, 16, 3), name="image")
    x = keras.layers.GlobalAveragePooling2D(name="head_pool")(inputs)
    logits = keras.layers.Dense(4, name="logits")(x)
    model = keras.Model(inputs, keras.layers.Softmax(name="probabilities")(logits))
    kernel = 10 * np.array([[1, 0, 0, -1], [0, 1, 0, -1], [0, 0, 1, -1]], np.float32)
    model.get_layer("logits").set_weights([kernel, np.array([0, 0, 0, 15], np.float32)])
    return model


@pytest.mark.parametrize("loss", ["ce", "margin"])
def test_targeted_pgd_reaches_the_target_class(loss):
    model = _four_class_model()
    images = np.random.default_rng(0).uniform(0, 1, (24, 16, 16, 3)).astype(np.float32)
    labels = predict(model, images).argmax(1)
    target = (labels + 1 + np.arange(24) % 3) % 4  # every other class in turn, never the label
    adversarial = pgd(model, images, labels, epsilon=0.3, steps=40, rel_stepsize=0.1, seed=0, loss=loss,
                      target=target, restarts=2)
    assert np.abs(adversarial - images).max() <= 0.3
    reached = predict(model, adversarial).argmax(1) == target
    assert reached.mean() >= 0.9
    untargeted = predict(model, pgd(model, images, labels, epsilon=0.3, steps=40, rel_stepsize=0.1, seed=0)).argmax(1)
    assert (untargeted == target).mean() < reached.mean()  # aiming matters: untargeted lands elsewhere


def test_on_two_classes_targeted_at_the_other_class_is_the_untargeted_attack(tiny):
    model, images, labels, _ = tiny
    untargeted = pgd(model, images, labels, epsilon=0.03, steps=5, seed=2)
    np.testing.assert_array_equal(pgd(model, images, labels, epsilon=0.03, steps=5, seed=2, target=1 - labels),
                                  untargeted)


def test_a_bad_target_is_refused_with_the_reason(tiny):
    model, images, labels, _ = tiny
    with pytest.raises(ValueError, match="target must differ from the true label"):
        pgd(model, images, labels, epsilon=0.03, target=labels)
    with pytest.raises(ValueError, match="targeted attack uses loss 'ce' or 'margin'"):
        pgd(model, images, labels, epsilon=0.03, target=1 - labels, loss="softmax-ce")
    with pytest.raises(ValueError, match="labels must be in"):
        pgd(model, images, labels, epsilon=0.03, target=np.full(len(labels), 5))
    with pytest.raises(ValueError, match="native engine"):
        pgd(model, images, labels, epsilon=0.03, target=1 - labels, engine="foolbox")


@pytest.mark.parametrize("norm", ["linf", "l2"])
def test_each_image_at_its_own_epsilon_in_one_batch_is_its_own_attack(tiny, norm):
    """pgd_each: row i is pgd on image i alone at its ε and seed (the engine's several sessions)."""
    from core.attacks.pgd import pgd_each

    model, images, labels, _ = tiny
    scale = 1 if norm == "linf" else 20
    epsilons, seeds = [scale * e for e in (0.01, 0.0, 0.05, 0.03, 0.01)], [0, 1, 2, 3, 9]
    reports = []
    batched = pgd_each(model, images[:5], labels[:5], epsilons=epsilons, seeds=seeds, steps=5, rel_stepsize=0.5,
                       norm=norm, on_progress=lambda done, steps, x: reports.append((done, steps, x)))
    alone = np.concatenate([pgd(model, images[i:i + 1], labels[i:i + 1], epsilon=epsilons[i], seed=seeds[i], steps=5,
                                rel_stepsize=0.5, norm=norm) for i in range(5)])
    np.testing.assert_allclose(batched, alone, atol=1e-6)
    distances = attacks.norms.distance(batched, images[:5], norm)
    assert (distances <= np.array(epsilons) + 1e-6).all() and distances[1] == 0 and (distances[[0, 2, 3, 4]] > 0).all()
    assert [(done, steps) for done, steps, _ in reports] == [(2, 5), (4, 5)]
    assert (attacks.norms.distance(reports[0][2], images[:5], norm) <= np.array(epsilons) + 1e-6).all()
    with pytest.raises(ValueError, match="one epsilon and one seed per image"):
        pgd_each(model, images[:2], labels[:2], epsilons=[0.01], seeds=[0, 1])
