import numpy as np
import pytest

from core.attack_settings import PGD
from core.explore import explore, explorer_attack, heatmap_gallery
from core.models.zoo import ModelSpec, build_model


@pytest.fixture(scope="module")
def pair():
    specs = [ModelSpec("cxr", "resnet50", False), ModelSpec("cxr", "resnet50", True)]
    return {s: build_model(s) for s in specs}


def test_explore_reports_every_model(pair):
    image = np.random.default_rng(0).random((96, 96, 3), dtype=np.float32)
    result = explore(pair, image, epsilon=0.03, attack=explorer_attack(3))
    assert set(result.outcomes) == {s.model_id for s in pair}
    for outcome in result.outcomes.values():
        assert outcome.clean_probabilities.shape == (2,) and outcome.clean_cam.shape == (96, 96)
        assert outcome.linf <= 0.03 + 1e-7 and outcome.l2 > 0
        np.testing.assert_allclose(outcome.adversarial, image + outcome.perturbation, atol=1e-6)
    attentive = result.outcomes["demo-cxr-resnet50-attention"]
    assert attentive.clean_attention.shape == (96, 96)
    assert result.outcomes["demo-cxr-resnet50-vanilla"].clean_attention is None
    report = result.report()
    assert report["epsilon_255"] == pytest.approx(7.65) and len(report["models"]) == 2
    assert (report["steps"], report["rel_stepsize"], report["loss"]) == (3, 2.5 / 3, "ce")
    first = report["models"][0]
    assert {"perceptibility", "saliency_shift", "linf_255", "out_of_distribution"} <= set(first)
    assert "minimal_flipping_epsilon" not in first  # only once it was searched
    attentive.minimal_epsilon, attentive.minimal_epsilon_searched = 0.004, True
    assert attentive.report()["minimal_flipping_epsilon"] == 0.004
    assert attentive.report()["minimal_flipping_epsilon_255"] == "1.02/255"


def test_a_new_epsilon_recomputes_only_the_adversarial_half(pair, monkeypatch):
    """The clean probabilities and maps are computed once per (model, image, method) and are
    what a fresh computation gives; the adversarial half follows the new epsilon."""
    from core.explain import METHODS, attention_map
    from core.explore import exploration as run

    image = np.random.default_rng(2).random((96, 96, 3), dtype=np.float32)
    first = explore(pair, image, epsilon=0.01, attack=explorer_attack(3))
    counted = []
    original = run.predict
    monkeypatch.setattr(run, "predict", lambda model, batch: counted.append(len(batch)) or original(model, batch))
    second = explore(pair, image, epsilon=0.05, attack=explorer_attack(3))
    assert counted == [1, 1]  # one per model: the adversarial image only; the clean one was kept
    for spec, model in pair.items():
        a, b = first.outcomes[spec.model_id], second.outcomes[spec.model_id]
        np.testing.assert_array_equal(a.clean_probabilities, b.clean_probabilities)
        np.testing.assert_array_equal(a.clean_cam, b.clean_cam)
        fresh = METHODS["grad_cam"].fn(model, image[None], [a.clean_class])[0]
        np.testing.assert_allclose(b.clean_cam, fresh, atol=1e-5)
        assert b.linf > a.linf  # the adversarial half followed epsilon
        if spec.attention:
            np.testing.assert_allclose(b.clean_attention, attention_map(model, image[None])[0], atol=1e-5)
    for index in range(run.CLEAN_VIEWS_PER_MODEL + 3):  # bounded: the oldest images are dropped
        run.clean_view(next(iter(pair.values())), np.full((1, 96, 96, 3), index / 20, np.float32), "grad_cam")
    assert len(run._clean_views[next(iter(pair.values()))]) == run.CLEAN_VIEWS_PER_MODEL


def test_transfer_applies_the_vanilla_perturbation(pair):
    image = np.random.default_rng(1).random((96, 96, 3), dtype=np.float32)
    result = explore(pair, image, epsilon=0.05, attack=explorer_attack(3), transfer=True)
    vanilla = result.outcomes["demo-cxr-resnet50-vanilla"]
    attentive = result.outcomes["demo-cxr-resnet50-attention"]
    np.testing.assert_array_equal(attentive.adversarial, vanilla.adversarial)
    assert attentive.transferred_from == "demo-cxr-resnet50-vanilla"


def test_heatmap_gallery_rows_per_epsilon(pair):
    model = next(iter(pair.values()))
    images = np.random.default_rng(2).random((3, 96, 96, 3), dtype=np.float32)
    gallery = heatmap_gallery(model, images, np.array([0, 1, 0]), epsilons=[0, 0.05], steps=2)
    assert gallery["clean_cams"].shape == (3, 96, 96) and len(gallery["epsilons"]) == 2
    assert gallery["epsilons"][0]["pearson"] == pytest.approx(1.0)  # epsilon 0: same maps
    assert {"top20_iou", "centre_shift_px", "accuracy"} <= set(gallery["epsilons"][1])
    assert all(row["n"] == 3 and row["correct"] == round(row["accuracy"] * 3) for row in gallery["epsilons"])
    from core.explain import grad_cam

    labels = np.array([0, 1, 0])
    true = heatmap_gallery(model, images, labels, epsilons=[0], steps=2, explain="true")
    np.testing.assert_allclose(true["clean_cams"], grad_cam(model, images, labels), atol=1e-6)
    other = heatmap_gallery(model, images, labels, epsilons=[0], steps=2, explain=1)  # one class for every image
    np.testing.assert_allclose(other["clean_cams"], grad_cam(model, images, 1), atol=1e-6)


def _threshold_model(threshold: float):
    """Predicts class 1 when the image's mean brightness exceeds `threshold`: an L-inf attack
    that brightens every pixel by eps flips a darker image exactly at eps = threshold - mean."""
    import keras

    inputs = keras.Input((8, 8, 3), name="image")
    mean = keras.layers.GlobalAveragePooling2D(name="head_pool")(inputs)
    logits = keras.layers.Dense(2, name="logits")(mean)
    model = keras.Model(inputs, keras.layers.Softmax(name="probabilities")(logits), name="demo_cxr_threshold")
    model.get_layer("logits").set_weights([np.array([[0.0, 100.0]] * 3, np.float32) / 3,
                                           np.array([0.0, -100.0 * threshold], np.float32)])
    return model


def test_minimal_epsilon_finds_the_known_flip_point():
    from core.attacks import pgd, predict
    from core.explore import DEFAULT_TOLERANCE, minimal_epsilon

    model = _threshold_model(0.5)
    attack = explorer_attack(20)
    image = np.full((8, 8, 3), 0.5 - 0.0123, np.float32)  # flips at eps = 0.0123
    found = minimal_epsilon(model, image, attack=attack, max_epsilon=0.1)
    tolerance = DEFAULT_TOLERANCE
    assert found == pytest.approx(np.ceil(0.0123 / tolerance) * tolerance)

    def flips(eps):
        adversarial = pgd(model, image[None], np.array([0]), epsilon=eps, steps=20, rel_stepsize=2.5 / 20, seed=0)
        return predict(model, adversarial)[0].argmax() == 1

    assert flips(found) and not flips(found - tolerance)
    assert minimal_epsilon(model, image, attack=attack, max_epsilon=0.01) is None  # holds at the largest radius
    assert minimal_epsilon(model, image, attack=attack, label=1, max_epsilon=0.1) == 0.0  # already wrong
    dark, grey = np.full((8, 8, 3), 0.1, np.float32), np.full((8, 8, 3), 0.3, np.float32)
    assert minimal_epsilon(model, dark, attack=attack) is None  # needs 0.4: over cxr's 0.32
    assert minimal_epsilon(model, grey, attack=attack) == pytest.approx(0.2, abs=DEFAULT_TOLERANCE)


def test_minimal_epsilon_bisects_with_the_verdicts_own_attack():
    """With the paper's step size and the margin loss selected, PGD at the returned epsilon flips
    and at epsilon - tolerance it does not: the bar chart cannot contradict the verdict."""
    from core.attacks import predict, run_attack
    from core.explore import DEFAULT_TOLERANCE, minimal_epsilon

    model = _threshold_model(0.5)
    image = np.random.default_rng(5).uniform(0.4, 0.44, (8, 8, 3)).astype(np.float32)
    attack = PGD(steps=12, loss="margin")  # the paper's 0.01 / 0.3 step rule: 12 steps reach 0.4 eps
    label = int(predict(model, image[None])[0].argmax())
    found = minimal_epsilon(model, image, attack=attack, max_epsilon=0.32, seed=3)
    assert found is not None and found > 0

    def flips(eps):
        adversarial = run_attack(attack, model, image[None], np.array([label]), epsilon=eps, seed=3)
        return int(predict(model, adversarial)[0].argmax()) != label

    assert flips(found) and not flips(found - DEFAULT_TOLERANCE)


def test_minimal_epsilon_refuses_bad_settings():
    from core.explore import minimal_epsilon

    model = _threshold_model(0.5)
    image = np.zeros((8, 8, 3), np.float32)
    with pytest.raises(ValueError, match="tolerance must be positive"):
        minimal_epsilon(model, image, attack=explorer_attack(), tolerance=0, max_epsilon=0.1)
    with pytest.raises(ValueError, match=r"max_epsilon must be in \(0, 1\]"):
        minimal_epsilon(model, image, attack=explorer_attack(), max_epsilon=2)
    with pytest.raises(ValueError, match="attack must be a core.attacks.PGD"):
        minimal_epsilon(model, image, attack="pgd", max_epsilon=0.1)


def test_perceptibility_of_a_perturbation():
    from core.explore import perceptibility

    image = np.random.default_rng(3).random((32, 32, 3)).astype(np.float32)
    assert perceptibility(image, image) == {"ssim": 1.0, "psnr_db": float("inf")}
    noisy = np.clip(image + 0.01, 0, 1)
    result = perceptibility(image, noisy)
    assert 0.9 < result["ssim"] < 1.0 and 38 < result["psnr_db"] < 45  # 20 log10(1 / ~0.01)


@pytest.mark.parametrize("clean, changed, label, word", [
    (1, 1, 1, "held"), (1, 0, 1, "fooled"), (0, 0, 1, "already wrong"), (2, 0, 1, "already wrong"),
    (0, 1, 1, "corrected"), (1, 1, None, "unchanged"), (1, 0, None, "flipped"),
])
def test_the_verdict_is_relative_to_the_true_class_where_it_is_known(clean, changed, label, word):
    from core.explore.outcome import UNKNOWN_TRUTH_VERDICTS, VERDICTS, verdict

    assert verdict(clean, changed, label) == word
    assert word in (VERDICTS if label is not None else UNKNOWN_TRUTH_VERDICTS)


def test_the_export_carries_the_same_verdict_as_the_grid():
    from core.attack_settings import PGD
    from core.explore.outcome import Exploration, ModelOutcome
    from core.models.spec import ModelSpec

    image = np.zeros((8, 8, 3), np.float32)
    outcome = ModelOutcome(ModelSpec("cxr", "resnet50", False), np.array([0.8, 0.2]), np.array([0.3, 0.7]), image,
                           image, np.zeros((8, 8)), np.zeros((8, 8)), {}, None)
    for label, word in ((0, "fooled"), (1, "corrected"), (None, "flipped")):
        report = Exploration(image, label, 0.01, PGD(steps=2), 0, False, outcomes={"m": outcome}).report()
        assert [m["verdict"] for m in report["models"]] == [word]


def test_the_maps_explain_the_chosen_class(pair):
    """explain=c: both maps explain class c (what grad_cam of c gives), whatever was predicted;
    the default explains each image's own predicted class."""
    from core.explain import grad_cam
    from core.explore import explore_one

    spec, model = next(iter(pair.items()))
    image = np.random.default_rng(3).random((96, 96, 3), dtype=np.float32)
    for explain in (0, 1):
        outcome = explore_one(spec, model, image, epsilon=0.02, attack=explorer_attack(2), explain=explain)
        np.testing.assert_allclose(outcome.clean_cam, grad_cam(model, image[None], explain)[0], atol=1e-5)
        np.testing.assert_allclose(outcome.adversarial_cam, grad_cam(model, outcome.adversarial[None], explain)[0],
                                   atol=1e-5)
    default = explore_one(spec, model, image, epsilon=0.02, attack=explorer_attack(2))
    np.testing.assert_allclose(default.clean_cam, grad_cam(model, image[None], default.clean_class)[0], atol=1e-5)


def test_several_images_of_one_model_in_one_batch_give_each_ones_own_column(pair):
    """explore_many (the engine's columns of several sessions): each outcome is explore_one's
    for its image, ε, seed and label; an attack that is not a one-restart PGD runs image by image."""
    from core.explore import explore_many, explore_one

    spec = ModelSpec("cxr", "resnet50", True)
    model = pair[spec]
    images = np.random.default_rng(3).random((3, 96, 96, 3), dtype=np.float32)
    settings = dict(epsilons=[0.01, 0.03, 0.0], seeds=[0, 5, 1], labels=[1, None, 0])
    for attack in (explorer_attack(3), PGD(steps=3, restarts=2)):
        many = explore_many(spec, model, images, attack=attack, **settings)
        for i, outcome in enumerate(many):
            one = explore_one(spec, model, images[i], epsilon=settings["epsilons"][i], seed=settings["seeds"][i],
                              label=settings["labels"][i], attack=attack)
            np.testing.assert_allclose(outcome.adversarial, one.adversarial, atol=1e-6)
            np.testing.assert_allclose(outcome.adversarial_probabilities, one.adversarial_probabilities, atol=1e-5)
            np.testing.assert_allclose(outcome.adversarial_cam, one.adversarial_cam, atol=1e-4)
            np.testing.assert_allclose(outcome.adversarial_attention, one.adversarial_attention, atol=1e-5)
            assert outcome.linf <= settings["epsilons"][i] + 1e-7
        assert many[2].linf == 0
