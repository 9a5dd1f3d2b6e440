"""One sentence per twin pair on whether attention's effect keeps its sign across threats."""

from core.evaluate.threats import seed_flips, threat_effects, threat_sentence


def _row(key, value, difference, p):
    return {key: value, "difference": difference, "low": difference - 0.05, "high": difference + 0.05,
            "p_value": p, "p_holm": min(1.0, 2 * p)}


LINF = {"twin_test": [_row("epsilon", 0, 0.01, 0.9), _row("epsilon", 0.01, -0.14, 0.001)]}
L2 = {"twin_test": [_row("epsilon", 0.0, 0.0, 1.0), _row("epsilon", 0.4157, 0.03, 0.4)]}
PATCHES = {"twin_test": [_row("area", 0.01, -0.02, 0.3), _row("area", 0.02, -0.06, 0.004)]}


def test_the_sentence_reads_each_threat_at_its_own_point_and_says_when_the_sign_changes():
    effects = threat_effects(linf=LINF, l2=L2, patches=PATCHES, epsilon=0.01, radius=0.4157)
    assert list(effects) == ["L∞ at ε = 0.01 (2.55/255)", "L2 at radius 0.416", "a 2 % patch"]
    sentence = threat_sentence("ResNet-50 (compact)", effects)
    assert sentence == ("ResNet-50 (compact): attention changes accuracy by −14.0 points under L∞ at ε = 0.01 "
                        "(2.55/255), +3.0 points under L2 at radius 0.416 and −6.0 points under a 2 % patch: "
                        "significant after Holm's adjustment under L∞ at ε = 0.01 (2.55/255), a 2 % patch, with the "
                        "same sign.")  # L2's +3.0 is not significant: it has no sign to compare
    flipped = {"twin_test": [_row("area", 0.02, +0.06, 0.004)]}
    opposite = threat_sentence("x", threat_effects(linf=LINF, l2=None, patches=flipped, epsilon=0.01, radius=1))
    assert opposite.endswith("with opposite signs: the threat decides which twin is harder to fool.")
    alone = threat_sentence("x", threat_effects(linf=LINF, l2=L2, patches=None, epsilon=0.01, radius=0.4157))
    assert "significant only under L∞ at ε = 0.01 (2.55/255), so there is no sign to compare" in alone
    assert threat_sentence("x", threat_effects(linf=LINF, l2=None, patches=None, epsilon=0.01, radius=1)) is None
    wide = {"twin_test": [{**_row("area", 0.02, +0.05, 0.004), "low": -0.15, "high": 0.1}]}  # borderline
    neither = threat_sentence("x", threat_effects(linf=LINF, l2=None, patches=wide, epsilon=0.01, radius=1))
    assert "significant only under L∞ at ε = 0.01 (2.55/255), so there is no sign to compare" in neither
    assert ("(borderline under a 2 % patch: p < 0.05 after Holm's adjustment, but its interval includes 0)"
            in neither) and "opposite signs" not in neither  # a borderline difference has no sign to oppose


def test_a_seed_study_whose_sign_flips_adds_the_caveat():
    family = {"per_seed": [{"robust": {"difference": d}} for d in (-0.14, 0.01, 0.14)]}
    assert seed_flips(family) and not seed_flips({"per_seed": [{"robust": {"difference": 0.6}}] * 3})
    effects = threat_effects(linf=LINF, l2=L2, patches=None, epsilon=0.01, radius=0.4157)
    assert threat_sentence("x", effects, seed_family=family).endswith("these signs are this trained pair's, not "
                                                                       "the architecture's.")


def test_each_pair_is_read_where_its_twins_are_half_fooled():
    from core.evaluate.threats import compared_epsilon

    grid = [0, 0.01, 0.02, 0.04]
    vanilla = {"curve": [{"epsilon": 0, "accuracy": 0.9}, {"epsilon": 0.01, "accuracy": 0.45},
                         {"epsilon": 0.02, "accuracy": 0.1}, {"epsilon": 0.04, "accuracy": 0.0}]}
    assert compared_epsilon(vanilla, None, grid) == 0.01  # not the grid's middle, where both are at 0
    assert compared_epsilon(vanilla, {"epsilon": 0.02}, grid) == 0.02  # the seed study's point, where there is one


def test_an_l2_pair_is_read_where_its_vanilla_twin_is_halfway_down():
    from core.evaluate.threats import read_where_half_fooled

    attentive = {"twin_test": [{"epsilon": e, "sentence": f"at {e}"} for e in (0, 0.1, 0.2, 0.4, 0.8)]}
    vanilla = {"curve": [{"epsilon": e, "accuracy": a} for e, a in ((0, 0.9), (0.1, 0.8), (0.2, 0.5), (0.4, 0.0),
                                                                      (0.8, 0.0))]}
    assert read_where_half_fooled(attentive, vanilla) == "at 0.2"  # not the grid's middle, 0.4, where both are at 0
    assert read_where_half_fooled({"curve": []}, vanilla) is None  # no twin test saved: nothing to say
