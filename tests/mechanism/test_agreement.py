"""Which mechanism measure separates the twins where attention helps from those where it hurts
(core.mechanism.agreement), on constructed saved results."""

import pytest

from core.mechanism.agreement import pair_directions, separating_measures


def _fmn(median: float, p: float | None = None) -> dict:
    result = {"model_id": "m", "median": {"median": median}}
    if p is not None:
        result["twin_test"] = {"p_value": p}
    return result


def _mechanism(**tests) -> dict:
    """tests: measure -> (attentive median, vanilla median, p)."""
    return {"twin_test": {name: {"attentive": a, "vanilla": v, "p_value": p} for name, (a, v, p) in tests.items()}}


def _pair(helps: bool, margin_larger: bool, gradient_smaller: bool, p: float = 0.001) -> dict:
    fmn_a, fmn_v = (_fmn(0.004, p), _fmn(0.002)) if helps else (_fmn(0.002, p), _fmn(0.004))
    mechanism = _mechanism(margin_clean=(3.0, 2.0, 0.001) if margin_larger else (2.0, 3.0, 0.001),
                           gradient_norm=(1.0, 2.0, 0.01) if gradient_smaller else (2.0, 1.0, 0.01),
                           curvature=(1.0, 1.1, 0.4), attention_entropy=(0.9, 0.8, 0.001))
    return pair_directions("cxr", "resnet50", fmn_a, fmn_v, mechanism)


def test_a_pair_is_helped_or_hurt_by_its_eps_star_test_and_each_measure_points_one_way():
    helped = _pair(helps=True, margin_larger=True, gradient_smaller=False)
    assert helped["robustness"] == 1
    assert helped["measures"]["margin_clean"]["direction"] == 1  # larger margin: harder to fool
    assert helped["measures"]["gradient_norm"]["direction"] == -1  # larger gradient: easier to fool
    assert helped["measures"]["curvature"]["direction"] == 0  # p = 0.4: silent
    assert "attention_entropy" not in helped["measures"]  # no direction means harder to fool
    assert _pair(helps=False, margin_larger=True, gradient_smaller=True)["robustness"] == -1
    unclear = pair_directions("cxr", "resnet50", _fmn(0.004, 0.3), _fmn(0.002), _mechanism())
    assert unclear["robustness"] == 0


def test_a_measure_separates_only_when_it_follows_robustness_on_every_decisive_pair():
    pairs = [_pair(True, True, True), _pair(False, False, True), _pair(True, True, False),
             pair_directions("cxr", "resnet50", _fmn(0.004, 0.5), _fmn(0.002), _mechanism(margin_clean=(1, 9, 0.001)))]
    rows = {r["measure"]: r for r in separating_measures(pairs)}
    margin = rows["margin_clean"]
    assert (margin["pairs"], margin["agree"], margin["contradict"], margin["separates"]) == (3, 3, 0, True)
    assert margin["sign_test_p"] == pytest.approx(0.125)  # the undecided fourth pair does not count
    assert "separates them" in margin["sentence"] and "chance 0.12" in margin["sentence"]
    gradient = rows["gradient_norm"]
    assert (gradient["agree"], gradient["contradict"], gradient["separates"]) == (1, 2, False)
    assert rows["curvature"]["silent"] == 3 and not rows["curvature"]["separates"]
    assert rows["lipschitz"]["pairs"] == 0 and "it was not measured on the 3 pairs" in rows["lipschitz"]["sentence"]
    undecided = separating_measures(pairs[3:])
    assert all("no pair of twins differs significantly" in r["sentence"] for r in undecided)


def test_an_attentive_result_without_its_twin_test_says_what_to_run():
    with pytest.raises(ValueError, match="run the vanilla twin first"):
        pair_directions("cxr", "resnet50", _fmn(0.004), _fmn(0.002), _mechanism())


def test_the_cli_reads_every_saved_pair_and_prints_which_measure_separates(tmp_path, capsys):
    import numpy as np

    from core.atomic import write_json
    from core.data.synthetic import split_description
    from core.evaluate.minimum_norm import minimum_norm_result, save_minimum_norm
    from core.store import results_path
    from core.mechanism.__main__ import main
    from core.mechanism.profile import mechanism_key, mechanism_twin_tests
    from core.models.spec import ModelSpec
    from core.tasks import get_task

    rng = np.random.default_rng(0)
    labels = np.array([0, 1] * 10)
    data = split_description("cxr")
    profiles = {}
    for attention in (False, True):  # attention doubles eps* and the margin: it helps, and the margin says so
        spec = ModelSpec("cxr", "resnet50", attention)
        stars = rng.uniform(0.001, 0.01, 20) * (2 if attention else 1)
        save_minimum_norm(spec, minimum_norm_result(spec, stars, labels, data=data, steps=100),
                          root=tmp_path)
        profiles[attention] = {"measures": {"margin_clean": list(rng.uniform(1, 2, 20) * (3 if attention else 1))}}
    profiles[True]["twin_test"] = mechanism_twin_tests(profiles[True], profiles[False])
    for attention, profile in profiles.items():
        key = mechanism_key(data, 20, get_task("cxr").middle_epsilon, 0)
        write_json(results_path(ModelSpec("cxr", "resnet50", attention), key, root=tmp_path), profile)
    assert main(["--task", "cxr", "--n", "20", "--results-root", str(tmp_path), "--root", str(tmp_path / "none")]) == 0
    out = capsys.readouterr().out
    assert "cxr resnet50" in out and "harder (p=" in out
    assert "The logit margin, clean points the way robustness does on 1 of the 1 twin pairs" in out
    assert "one pair is too few to say" in out
    assert main(["--task", "derm", "--results-root", str(tmp_path), "--root", str(tmp_path / "none")]) == 1
