from core.checks import Check, reference_epsilon, robustness_checks, verdict


def test_reference_epsilon_is_the_median_nonzero():
    assert reference_epsilon([0, 0.01, 0.02, 0.04]) == 0.02
    assert reference_epsilon([0, 0.00125, 0.0025, 0.005, 0.01]) == 0.0025


def test_reference_epsilon_follows_the_curve_to_half_the_clean_accuracy():
    curve = [{"epsilon": 0, "accuracy": 0.9}, {"epsilon": 0.01, "accuracy": 0.88},
             {"epsilon": 0.02, "accuracy": 0.5}, {"epsilon": 0.04, "accuracy": 0.05}]
    assert reference_epsilon([0, 0.01, 0.02, 0.04], curve) == 0.02


def test_checks_on_an_undefended_model_pass(tiny, tiny_twin):
    model, images, labels, _ = tiny
    checks = robustness_checks(model, images[:32], labels[:32], epsilons=[0, 0.02, 0.05, 0.1],
                               twin=tiny_twin, steps=10)
    by_name = {c.name: c for c in checks}
    assert len(checks) == 4
    assert by_name["Accuracy falls to ~0 at a large epsilon"].status == "pass"
    assert by_name["PGD is at least as strong as FGSM"].status == "pass"
    assert all(c.status in ("pass", "warn") for c in checks)
    assert all("ε =" in c.detail and "/255" in c.detail for c in checks)


def test_masked_gradients_fail_the_large_epsilon_check(tiny):
    """A model whose logits are saturated gives zero gradients: PGD cannot move it."""
    import keras

    model, images, labels, _ = tiny
    inputs = keras.Input((32, 32, 3))
    hard = keras.layers.Activation("sigmoid")(keras.layers.Rescaling(1e4, offset=-5e3)(inputs))
    x = keras.layers.GlobalAveragePooling2D(name="head_pool")(hard)
    logits = keras.layers.Dense(2, name="logits", kernel_initializer="ones")(x)
    masked = keras.Model(inputs, keras.layers.Softmax(name="probabilities")(logits))
    checks = robustness_checks(masked, images[:8], labels[:8] * 0, epsilons=[0.1], steps=3)
    assert checks[0].status == "fail" and "not trustworthy" in checks[0].detail
    assert verdict(checks).startswith("Not trustworthy")


def test_verdict_wording():
    assert verdict([Check("a", "pass", "")]) == "Trustworthy: every check passed."
    assert verdict([Check("a", "pass", ""), Check("b", "warn", "")]).startswith("Usable with care")


def test_saturated_cross_entropy_is_diagnosed_with_the_margin_loss(tiny):
    from tests.test_attacks import _overconfident

    model, images, labels, _ = tiny
    checks = robustness_checks(_overconfident(model), images[:16], labels[:16], epsilons=[0.1], steps=10,
                               rel_stepsize=0.25)
    assert checks[0].status == "fail" and "softmax saturates" in checks[0].detail
    fixed = robustness_checks(_overconfident(model), images[:16], labels[:16], epsilons=[0.1], steps=10,
                              rel_stepsize=0.25, loss="margin")
    assert fixed[0].status == "pass"
