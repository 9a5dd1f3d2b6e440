"""The honest-robustness checks (Carlini et al. 2019, Croce & Hein 2020)."""

import keras

from core.evaluate.checks import Check, reference_epsilon, robustness_checks, verdict
from core.evaluate import PRESETS, custom_pgd, robustness_curve
from tests.tiny import overconfident


def _by_name(checks):
    return {c.name: c for c in checks}


def test_reference_epsilon_is_the_median_nonzero():
    assert reference_epsilon([0, 0.01, 0.02, 0.04]) == 0.02
    assert reference_epsilon([0, 0.00125, 0.0025, 0.005, 0.01]) == 0.0025


def test_reference_epsilon_follows_the_curve_to_half_the_clean_accuracy():
    curve = [{"epsilon": 0, "accuracy": 0.9}, {"epsilon": 0.01, "accuracy": 0.88},
             {"epsilon": 0.02, "accuracy": 0.5}, {"epsilon": 0.04, "accuracy": 0.05}]
    assert reference_epsilon([0, 0.01, 0.02, 0.04], curve) == 0.02


def test_strong_checks_on_an_undefended_model_pass(tiny, tiny_twin):
    model, images, labels, _ = tiny
    grid = [0, 0.05, 0.1]
    curve = robustness_curve(model, images[:16], labels[:16], epsilons=grid, attack=PRESETS["strong"])
    checks = robustness_checks(model, images[:16], labels[:16], epsilons=grid, twin=tiny_twin, curve=curve)
    by_name = _by_name(checks)
    assert len(checks) == 7
    assert by_name["Accuracy falls to ~0 at a large epsilon"].status == "pass"
    assert by_name["The attack is at least as strong as FGSM"].status == "pass"
    assert by_name["A gradient-free attack finds nothing the gradient attacks missed"].status == "pass"
    assert by_name["The attack does not weaken as ε grows"].status == "skip"
    assert all(c.status in ("pass", "warn", "skip", "info") for c in checks)
    assert all("ε =" in c.detail and "/255" in c.detail for c in checks if c.status != "skip")


def test_the_l2_protocol_has_its_own_checks_in_its_own_units(tiny, tiny_twin):
    from core.attack_settings import l2_grid
    from core.evaluate.presets import for_norm

    from dataclasses import replace

    model, images, labels, _ = tiny
    full = PRESETS[for_norm("strong", "l2")]
    light = tuple(replace(m, queries=40) if m.kind == "square" else replace(m, steps=10) for m in full.attacks)
    attack = replace(full, attacks=light)  # the protocol's members and name, a tenth of the iterations
    grid = list(l2_grid([0, 0.05, 0.1], 32))
    curve = robustness_curve(model, images[:16], labels[:16], epsilons=grid, attack=attack)
    checks = _by_name(robustness_checks(model, images[:16], labels[:16], epsilons=grid, attack=attack,
                                        twin=tiny_twin, curve=curve))
    assert attack.norm == "l2" and len(checks) == 7
    large = checks["Accuracy falls to ~0 at a large epsilon"]
    assert large.status == "pass" and "L2 radius 27.7" in large.detail  # 0.5 on all 32 x 32 x 3 values
    assert checks["The attack is at least as strong as FGSM"].status == "pass"
    assert checks["The paper's attack against a strong one"].detail.startswith("PGD-L2 alone leaves")
    assert all("/255" not in c.detail for c in checks.values())  # radii, not L-inf ε
    assert all(c.status in ("pass", "warn", "skip", "info") for c in checks.values())


def _masked_model():
    """Saturated sigmoids: zero gradients everywhere, yet a prediction a search can move."""
    inputs = keras.Input((32, 32, 3))
    hard = keras.layers.Activation("sigmoid")(keras.layers.Rescaling(1e4, offset=-5e3)(inputs))
    x = keras.layers.GlobalAveragePooling2D(name="head_pool")(hard)
    logits = keras.layers.Dense(2, name="logits", kernel_initializer="ones")(x)
    return keras.Model(inputs, keras.layers.Softmax(name="probabilities")(logits))


def test_masked_gradients_fail_the_large_epsilon_check(tiny):
    model, images, labels, _ = tiny
    checks = robustness_checks(_masked_model(), images[:8], labels[:8] * 0, epsilons=[0.1],
                               attack=custom_pgd(steps=3))
    assert checks[0].status == "fail" and "not trustworthy" in checks[0].detail
    assert verdict(checks).startswith("Not trustworthy")


def test_verdict_counts_only_checks_that_ran_and_could_fail():
    checks = [Check("a", "pass", ""), Check("b", "info", "", can_fail=False), Check("c", "skip", ""),
              Check("d", "pass", "", can_fail=False)]
    assert verdict(checks) == ("Trustworthy: 1 of 4 checks ran and could fail; 3 skipped or informational under "
                               "this protocol, and all 1 passed.")
    assert verdict([Check("a", "pass", ""), Check("b", "warn", "")]).startswith("Usable with care")
    assert verdict([Check("c", "skip", "")]).startswith("Unchecked")
    assert verdict([Check("a", "fail", ""), Check("b", "pass", "")]).startswith(
        "Not trustworthy: 1 of 2 decisive checks failed")


def test_every_check_can_fail_on_a_constructed_case():
    """Each check, given results that must fail it, fails (issue: a check that cannot fail
    cannot do its job)."""
    from core.evaluate import checks as c

    one = 1 / 64 + 1e-9
    assert c._large_epsilon_check(0.3).status == "fail"
    assert c._doubling_check(0.40, 0.45, 0.01, one).status == "fail"  # the doubled run found less
    assert c._doubling_check(0.45, 0.40, 0.01, one).status == "warn"
    assert c._fgsm_check(0.5, 0.3, 0.01, one).status == "fail"
    curve = [{"epsilon": 0.0, "n": 200, "fooled_by": {}},
             {"epsilon": 0.01, "n": 200, "fooled_by": {"PGD": 50, "Square (300 queries)": 2}}]
    square = c._square_check(None, (c.PGD(), c.Square(queries=300)), None, curve, 0.01, one)
    assert square.status == "fail" and "2 of 200" in square.detail  # one denominator: 2 of 200 is 2 images
    rows = [{"epsilon": 0.01, "accuracy_this_epsilon": 0.1, "n": 100},
            {"epsilon": 0.02, "accuracy_this_epsilon": 0.5, "n": 100}]
    assert c._saturation_check(rows, PRESETS["paper"]).status == "fail"


def test_transfer_check_fails_a_model_whose_own_gradients_are_masked(tiny):
    """A copy of the detector behind a zero-gradient layer: white-box attacks see no gradient,
    while examples crafted on the unmasked detector (its "twin") fool it."""
    from core.evaluate.checks import _Runner, _transfer_check
    from core.attacks import PGD

    model, images, labels, _ = tiny
    masked = _gradient_blocked(model)
    members = (PGD(steps=20),)
    run = _Runner(masked, images[:16], labels[:16], seed=0)
    base = run.robust(members, 0.4)  # the detector needs a large epsilon to lose its square
    check = _transfer_check(run, members, base, model, 0.4, 1 / 16 + 1e-9)
    assert check.status == "fail" and "gradient masking" in check.detail


def _gradient_blocked(model):
    from tests.tiny import tiny_model

    clone = tiny_model(block_gradient=True)
    clone.set_weights(model.get_weights())
    return clone


def test_the_gap_check_fails_a_weak_protocol(tiny):
    from core.evaluate.checks import _gap_check, _Runner

    model, images, labels, _ = tiny
    weak = custom_pgd(steps=1, rel_stepsize=0.01)
    run = _Runner(model, images[:16], labels[:16], seed=0)
    base = run.robust(weak.attacks, 0.4)
    assert _gap_check(run, weak, weak.attacks, base, 0.4, 16).status == "fail"
    assert _gap_check(run, PRESETS["strong"], weak.attacks, base, 0.4, 16).can_fail is False


def test_saturated_cross_entropy_is_diagnosed_and_the_strong_protocol_passes(tiny):
    model, images, labels, _ = tiny
    loud = overconfident(model)
    grid = [0, 0.3]
    paper = custom_pgd(steps=10, rel_stepsize=0.25)
    curve = robustness_curve(loud, images[:16], labels[:16], epsilons=grid, attack=paper)
    checks = _by_name(robustness_checks(loud, images[:16], labels[:16], epsilons=grid, attack=paper, curve=curve))
    assert checks["Accuracy falls to ~0 at a large epsilon"].status == "fail"
    assert "softmax saturates" in checks["Accuracy falls to ~0 at a large epsilon"].detail
    assert checks["The paper's attack against a strong one"].status == "fail"
    strong = _by_name(robustness_checks(loud, images[:16], labels[:16], epsilons=grid, attack=PRESETS["strong"]))
    assert strong["Accuracy falls to ~0 at a large epsilon"].status == "pass"


def test_saturation_check_reads_the_raw_accuracy_per_epsilon():
    from core.evaluate.checks import _saturation_check

    rows = [{"epsilon": e, "accuracy_this_epsilon": a, "n": 100}
            for e, a in ((0, 1.0), (0.01, 0.2), (0.02, 0.0), (0.32, 0.59))]
    check = _saturation_check(rows, PRESETS["paper"])
    assert check.status == "fail" and "0.0%" in check.detail and "59.0%" in check.detail
    assert _saturation_check(rows[:3], PRESETS["paper"]).status == "pass"


def test_each_protocol_has_one_threat_model_and_its_l2_counterpart_is_named():
    import pytest

    from core.attack_settings import PGD, l2_grid
    from core.evaluate.presets import Preset, for_norm

    assert PRESETS["strong"].norm == "linf" and for_norm("strong", "l2") == "strong-l2"
    assert for_norm("strong-l2", "l2") == "strong-l2" and for_norm("paper", "linf") == "paper"
    with pytest.raises(ValueError, match="'paper' protocol has no L2 counterpart"):
        for_norm("paper", "l2")
    with pytest.raises(ValueError, match="mixes threat models"):
        Preset("mixed", (PGD(), PGD(norm="l2"))).norm
    # the L2 grid: each ε's length over a lesion-sized square (a quarter of the side), on 96 px images
    assert l2_grid([0, 2 / 255], 96) == (0.0, pytest.approx(2 / 255 * 3 ** 0.5 * 24))
