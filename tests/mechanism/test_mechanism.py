"""The mechanism measures on models whose answers are known in closed form, CLEVER against
ART's, and the twins' paired tests against scipy."""

import keras
import numpy as np
import pytest
from scipy import stats

from core.mechanism import (attention_entropy, clever_u, curvature, gradient_norms, loss_and_gradient, loss_surface,
                            mechanism_twin_tests)

SIZE = 8


@pytest.fixture(scope="module")
def linear():
    """Logits z = (0, w . x + b): the loss along any sign direction is known exactly."""
    inputs = keras.Input((SIZE, SIZE, 3), name="image")
    flat = keras.layers.Flatten(name="head_pool")(inputs)
    logits = keras.layers.Dense(2, name="logits")(flat)
    model = keras.Model(inputs, keras.layers.Softmax(name="probabilities")(logits))
    w = np.random.default_rng(0).normal(0, 0.05, SIZE * SIZE * 3).astype(np.float32)
    model.get_layer("logits").set_weights([np.stack([np.zeros_like(w), w], axis=1), np.array([0, 0.3], np.float32)])
    images = np.random.default_rng(1).uniform(0.3, 0.7, (6, SIZE, SIZE, 3)).astype(np.float32)
    return model, w, images


def _softplus(v):
    return np.log1p(np.exp(v))


def test_the_loss_along_the_adversarial_direction_is_the_closed_form(linear):
    model, w, images = linear
    x, label, epsilon = images[0], 1, 0.02  # label 1: loss = softplus(-(w.x + b)); the attack lowers w.x
    surface = loss_surface(model, x, label, epsilon=epsilon, points=5)
    margin = float(w @ x.ravel() + 0.3)
    expected = [_softplus(-(margin - s * epsilon * np.abs(w).sum())) for s in surface["steps"]]
    np.testing.assert_allclose(surface["adversarial"], expected, rtol=1e-4)
    assert surface["adversarial"][2] == pytest.approx(surface["random"][2])  # both start at the clean image
    assert np.diff(surface["adversarial"]).min() > 0  # climbs all the way
    assert np.array(surface["surface"]).shape == (5, 5)
    assert surface["surface"][2][2] == pytest.approx(surface["adversarial"][2])


def test_gradient_norm_and_curvature_of_a_linear_model(linear):
    model, w, images = linear
    labels = np.ones(len(images), np.int64)
    margin = images.reshape(len(images), -1) @ w + 0.3
    p_wrong = 1 / (1 + np.exp(margin))  # softmax of class 0
    np.testing.assert_allclose(gradient_norms(model, images, labels), p_wrong * np.abs(w).sum(), rtol=1e-4)
    h = 1.5 / 255
    moved = margin - h * np.abs(w).sum()
    expected = np.abs(1 / (1 + np.exp(moved)) - p_wrong) * np.linalg.norm(w) / h
    np.testing.assert_allclose(curvature(model, images, labels, h=h), expected, rtol=1e-3)
    losses, _ = loss_and_gradient(model, images, labels)
    np.testing.assert_allclose(losses, _softplus(-margin), rtol=1e-5)


def test_clever_agrees_with_arts(tiny):
    from art.metrics import clever_u as art_clever_u

    from core.attacks.art_bridge import art_classifier, numpy_seed

    model, images, labels, _ = tiny
    ours = [clever_u(model, x, radius=0.5, nb_batches=20, batch_size=10, seed=i)["score"] for i, x in enumerate(images[:4])]
    classifier = art_classifier(model)
    class_gradient = classifier.class_gradient  # ART 1.20 passes NumPy's int64 labels, which it then refuses
    classifier.class_gradient = lambda x, label=None, **kw: class_gradient(x, label=None if label is None else int(label),
                                                                           **kw)
    with numpy_seed(0):
        theirs = [art_clever_u(classifier, x, nb_batches=20, batch_size=10, radius=0.5, norm=np.inf, verbose=False)
                  for x in images[:4]]
    ratio = np.asarray(ours) / np.asarray(theirs)
    assert np.all((ratio > 0.75) & (ratio < 1.33)), (ours, theirs)  # measured: within 2 %
    assert all(0 < s < 0.5 for s in ours)  # below the radius: an estimate, not the cap


def test_clever_refuses_a_bad_radius(tiny):
    with pytest.raises(ValueError, match="radius must be in"):
        clever_u(tiny[0], tiny[1][0], radius=0)


def test_attention_entropy_runs_from_one_pixel_to_everywhere():
    spread, point = np.ones((1, 4, 4)), np.zeros((1, 4, 4))
    point[0, 1, 2] = 1
    np.testing.assert_allclose(attention_entropy(np.concatenate([spread, point])), [1.0, 0.0], atol=1e-12)


def test_twin_tests_are_scipys_wilcoxon_with_the_direction_said():
    rng = np.random.default_rng(0)
    vanilla = rng.uniform(1, 2, 30)
    attentive = vanilla + rng.uniform(0.1, 0.5, 30)  # larger margins: harder to fool
    tests = mechanism_twin_tests({"measures": {"margin_clean": list(attentive), "gradient_norm": list(attentive)}},
                                 {"measures": {"margin_clean": list(vanilla), "gradient_norm": list(vanilla)}})
    assert tests["margin_clean"]["p_value"] == pytest.approx(stats.wilcoxon(attentive, vanilla).pvalue)
    assert tests["margin_clean"]["sentence"].endswith("the attentive model is harder to fool by this measure.")
    assert tests["gradient_norm"]["sentence"].endswith("the attentive model is easier to fool by this measure.")
    p = tests["margin_clean"]["p_value"]  # the pair's measures are one family: Holm over the two
    assert tests["margin_clean"]["p_holm"] == pytest.approx(min(1.0, 2 * p)) and tests["margin_clean"]["family_size"] == 2
    assert "after Holm's adjustment over the pair's 2 measures" in tests["margin_clean"]["sentence"]
    from core.mechanism.profile import _sentence

    alone = {"attentive": 2.0, "vanilla": 1.0, "p_value": 0.03, "pairs": 30, "attentive_larger": 20}
    assert _sentence("logit margin", 1, alone).endswith("harder to fool by this measure.")
    adjusted = {**alone, "p_holm": 0.06, "family_size": 2}  # significant alone, not after Holm: not called so
    assert _sentence("logit margin", 1, adjusted).endswith(": not significant.")
    with pytest.raises(ValueError, match="not on the same images"):
        mechanism_twin_tests({"measures": {"curvature": [1, 2]}}, {"measures": {"curvature": [1, 2, 3]}})


def test_the_cli_profiles_the_twins_and_tests_them(tmp_path, capsys):
    import json

    from core.cli.evaluate import main

    code = main(["--task", "cxr", "--model", "demo-cxr-resnet50-vanilla", "--model", "demo-cxr-resnet50-attention",
                 "--n", "6", "--mechanism", "--results-root", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0 and "Wilcoxon signed-rank" in out and "CLEVER score" in out
    saved = sorted(tmp_path.rglob("resnet50_attention-mechanism-*.json"))
    result = json.loads(saved[0].read_text())
    assert set(result["twin_test"]) >= {"margin_clean", "gradient_norm", "curvature", "lipschitz", "clever"}
    assert len(result["measures"]["attention_entropy"]) == 6 and len(result["surfaces"]) == 4
    assert np.array(result["surfaces"][0]["surface"]).shape == (11, 11) and result["surfaces"][1]["surface"] is None
    from core.evaluate.results import saved_results
    from core.models.spec import ModelSpec

    attentive = ModelSpec("cxr", "resnet50", True)  # a mechanism profile is not a grid curve
    assert saved_results(attentive, results_root=tmp_path, root=tmp_path / "none") == []


def test_a_mechanism_run_under_another_seed_is_found_by_the_page_and_the_report(tmp_path):
    """The command line saves a run under --seed; the page and the report used to look only under
    seed 0, so a run with --seed 1 was invisible to both."""
    from core.data.synthetic import split_description
    from core.store import save as save_keyed
    from core.mechanism import latest_mechanism_key, mechanism_key
    from core.models.zoo import all_specs
    from core.report import gather
    from core.tasks import get_task

    data, n, epsilon = split_description("cxr"), 200, get_task("cxr").middle_epsilon
    specs = [s for s in all_specs("demo", "cxr") if s.defence == "none"]
    assert latest_mechanism_key(specs, data=data, n=n, epsilon=epsilon, roots=[tmp_path]) == mechanism_key(
        data, n, epsilon, 0)  # nothing saved: where a seed-0 run would be
    key = mechanism_key(data, n, epsilon, 1)
    for spec in specs[:2]:
        save_keyed(spec, key, {"data": data, "n": n, "seed": 1, "epsilon": epsilon, "created_at": "2026-12-06T20:00:00",
                               "measures": {"margin_clean": [1.0, 2.0]}, "surfaces": []}, results_root=tmp_path)
    assert latest_mechanism_key(specs, data=data, n=n, epsilon=epsilon, roots=[tmp_path, None]) == key
    from core.models.zoo import CHECKPOINT_ROOT

    found = {m.spec for m in gather("cxr", root=CHECKPOINT_ROOT, results_root=tmp_path).models if m.mechanism}
    assert found == set(specs[:2])
