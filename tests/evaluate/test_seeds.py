"""Architecture or seed: replicas of a configuration, the per-seed twin tests and the mean
difference over seeds with its t-interval (core.evaluate.seeds)."""

import json

import numpy as np
import pytest
from scipy import stats

from core.encoding import flags_to_text, labels_to_text
from core.evaluate.seeds import mean_interval, replica_specs, seed_study
from core.models.spec import ModelSpec

LABELS = np.array([0, 1] * 50)
EPSILON = 0.04


def _grid(robust: np.ndarray) -> dict:
    """A saved strong result on [0, EPSILON]: every image right when clean, `robust` at EPSILON
    (equal class counts and thresholds on even indices: the real mix changes nothing)."""
    clean = np.ones(100, bool)
    return {"data": "synthetic cxr test", "n": 100, "epsilons": [0.0, EPSILON], "attack": {"name": "strong"},
            "spec": {"task": "cxr"}, "labels": labels_to_text(LABELS),
            "curve": [{"epsilon": 0.0, "robust": flags_to_text(clean), "accuracy": 1.0},
                      {"epsilon": EPSILON, "robust": flags_to_text(robust), "accuracy": float(robust.mean())}]}


def _replicas(per_seed: dict[int, tuple[int, int]], family="resnet50") -> dict:
    """{spec: record}: per seed, (images the attentive twin keeps, images the vanilla keeps)."""
    index = np.arange(100)
    found = {}
    for seed, (attentive, vanilla) in per_seed.items():
        for attention, kept in ((True, attentive), (False, vanilla)):
            found[ModelSpec("cxr", family, attention, seed=seed)] = {"grid": _grid(index < kept), "fmn": None}
    return found


def test_the_study_epsilon_is_where_the_seed_0_twins_are_half_fooled():
    from core.evaluate.seeds import study_epsilon

    assert study_epsilon([0.001, 0.0031234, 0.02], fallback=0.04) == 0.0031
    assert study_epsilon([], fallback=0.04) == 0.04
    assert study_epsilon([np.inf, np.inf, 0.01], fallback=0.04) == 0.04  # FMN broke fewer than half


def test_the_mean_over_seeds_carries_the_student_t_interval():
    values = [-0.127, 0.03, -0.026]
    got = mean_interval(values)
    low, high = stats.t.interval(0.95, 2, loc=np.mean(values), scale=stats.sem(values))
    assert got["mean"] == pytest.approx(np.mean(values)) and got["k"] == 3
    assert (got["low"], got["high"]) == pytest.approx((low, high))
    assert np.isnan(mean_interval([0.1])["low"])  # one seed: no interval to give
    with pytest.raises(ValueError, match="no values"):
        mean_interval([])


def test_a_sign_that_changes_with_the_seed_is_called_training_randomness():
    summary, = seed_study(_replicas({0: (60, 30), 1: (30, 40), 2: (50, 40)}), epsilons={"resnet50": EPSILON})
    assert [r["seed"] for r in summary["per_seed"]] == [0, 1, 2]
    assert [r["robust"]["difference"] for r in summary["per_seed"]] == pytest.approx([0.3, -0.1, 0.1])
    assert summary["robust"]["mean"] == pytest.approx(0.1)
    assert summary["robust"]["low"] < 0 < summary["robust"]["high"]
    assert summary["per_seed"][0]["robust"]["p_value"] < 0.05  # seed 0 alone looks decisive
    assert summary["clean"]["mean"] == 0
    assert "the sign changes with the training seed" in summary["sentence"]
    assert "Across 3 training seeds" in summary["sentence"] and "+30.0, −10.0, +10.0" in summary["sentence"]


def test_an_interval_over_seeds_past_100_points_is_cut_to_the_possible_range_and_says_so():
    """cxr ResNet-50's three seeds (+65.6, +18.3, +53.8) gave a t-interval up to +107.1 points."""
    summary, = seed_study(_replicas({0: (95, 10), 1: (40, 20), 2: (80, 25)}), epsilons={"resnet50": EPSILON})
    assert summary["robust"]["high"] > 1  # what Student's t gives, kept as saved
    assert "to +100.0, cut to the possible range; per seed" in summary["sentence"]


def test_an_effect_larger_than_the_seed_spread_is_attributed_to_the_architecture():
    summary, = seed_study(_replicas({0: (60, 30), 1: (62, 30), 2: (58, 30)}, "inception_resnet_v2"),
                          epsilons={"resnet50": 0.01, "inception_resnet_v2": EPSILON})
    assert summary["robust"]["mean"] == pytest.approx(0.3) and summary["robust"]["low"] > 0.2
    assert "attention raises robustness for this architecture, beyond training randomness" in summary["sentence"]
    assert summary["title"] == "InceptionResNetV2"


def test_each_seed_is_called_significant_only_after_holm_over_the_seeds():
    from core.evaluate.seeds.study import with_holm

    summary, = seed_study(_replicas({0: (60, 30), 1: (30, 40), 2: (50, 40)}), epsilons={"resnet50": EPSILON})
    for row in summary["per_seed"]:
        assert row["robust"]["p_holm"] >= row["robust"]["p_value"]
    assert "3 of 3 significant alone by McNemar after Holm's adjustment over the seeds" in summary["sentence"]
    # a seed significant alone (p 0.02) but not after Holm over three seeds is not counted
    for row, p in zip(summary["per_seed"], (0.02, 0.03, 0.6)):
        row["robust"] = {**row["robust"], "p_value": p}
        row["robust"].pop("p_holm")
    assert "0 of 3 significant alone by McNemar after Holm" in with_holm(summary)["sentence"]
    assert [r["robust"]["p_holm"] for r in summary["per_seed"]] == pytest.approx([0.06, 0.06, 0.6])


def test_a_family_with_fewer_than_two_complete_seeds_is_left_out():
    found = _replicas({0: (60, 30), 1: (62, 30)})
    del found[ModelSpec("cxr", "resnet50", False, seed=1)]  # seed 1's vanilla twin not trained yet
    assert seed_study(found, epsilons={"resnet50": EPSILON}) == []


def test_the_median_epsilon_star_difference_is_averaged_over_seeds():
    found = _replicas({0: (60, 30), 1: (30, 40)})
    for spec, record in found.items():
        star = (0.01 if spec.attention else 0.005) * (1 + spec.seed)
        record["fmn"] = {"epsilon_star": [star] * 100}
    summary, = seed_study(found, epsilons={"resnet50": EPSILON})
    assert [r["epsilon_star"]["difference"] for r in summary["per_seed"]] == pytest.approx([0.005, 0.01])
    assert summary["epsilon_star"]["mean"] == pytest.approx(0.0075)
    assert "median smallest adversarial ε moves by +1.91/255" in summary["sentence"]


def test_replicas_are_named_for_their_seed_and_never_replace_the_bundled_model():
    specs = replica_specs("derm", [2, 0, 1])
    assert len(specs) == 12 and [s.seed for s in specs[::4]] == [0, 1, 2]
    replica = ModelSpec("derm", "resnet50", True, seed=1)
    assert replica.model_id == "demo-derm-resnet50-attention-seed1"
    assert replica.file_stem == "resnet50_attention_seed1" and replica.title.endswith("· seed 1")
    assert replica.twin().seed == 1
    assert ModelSpec("cxr", "resnet50", True, defence="pgd-at", seed=2).model_id == "demo-cxr-resnet50-attention-pgdat-seed2"
    assert ModelSpec.from_dict(replica.to_dict()) == replica
    assert "seed" not in ModelSpec("derm", "resnet50", True).to_dict()  # older cards still match
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        ModelSpec("derm", "resnet50", True, seed=-1)
    with pytest.raises(ValueError, match="at least 2 training seeds"):
        replica_specs("derm", [0])


def test_training_refuses_a_replica_whose_name_and_config_disagree(tmp_path):
    from core.train import TrainConfig
    from core.train.training import train

    with pytest.raises(ValueError, match="named for seed 1 but the training config says 0"):
        train(ModelSpec("derm", "resnet50", True, seed=1), TrainConfig(), root=tmp_path)


def test_replicas_share_the_real_data_split_while_their_training_seed_differs():
    from core.train import TrainConfig

    assert TrainConfig(seed=3).data_split_seed == 3  # as before: one seed drew both
    assert TrainConfig(seed=3, split_seed=0).data_split_seed == 0
    assert TrainConfig.from_dict(json.loads(json.dumps(TrainConfig(split_seed=0).to_dict()))).split_seed == 0
    with pytest.raises(ValueError, match="split_seed is out of range"):
        TrainConfig(split_seed=-1)


def test_the_study_cli_evaluates_nothing_already_saved_and_lists_the_replicas_to_train(tmp_path, capsys):
    """End to end on saved results (no attack runs): seeds 0 and 1 of the ResNet pair are
    trained (seed 0: a card beside a placeholder file; seed 1: its card only, as a fresh clone
    has it, the replicas' weights not being bundled), their results saved as the evaluations
    would save them; the Inception-ResNet replicas are listed with the command that trains them."""
    from core.cli.evaluate import main
    from core.evaluate.data import evaluation_data
    from core.evaluate.minimum_norm import minimum_norm_result, save_minimum_norm
    from core.evaluate.presets import PRESETS
    from core.evaluate.results import save_results
    from core.evaluate.seeds import latest_seed_study
    from core.models.zoo import CARD_FORMAT, checkpoint_path

    n = 8
    for seed in (0, 1):
        for attention in (False, True):
            spec = ModelSpec("cxr", "resnet50", attention, seed=seed)
            path = checkpoint_path(spec, root=tmp_path)
            path.parent.mkdir(parents=True, exist_ok=True)
            if seed == 0:
                path.write_bytes(b"not opened: every result is saved")
            path.with_suffix(".json").write_text(json.dumps({"format": CARD_FORMAT, "spec": spec.to_dict(),
                                                             "epochs_trained": 3, "config": {"seed": seed}}))
            _, labels, data = evaluation_data(spec, n=n)
            kept = np.arange(n) < (6 if attention else 2 + 2 * seed)
            result = {**_grid(np.ones(100, bool)), "data": data, "n": n, "labels": labels_to_text(labels),
                      "epsilons": [0.0, EPSILON], "attack": PRESETS["strong"].to_dict()}
            result["curve"][1] = {"epsilon": EPSILON, "robust": flags_to_text(kept), "accuracy": float(kept.mean())}
            result["curve"][0]["robust"] = flags_to_text(np.ones(n, bool))
            save_results(spec, result, root=tmp_path)
            stars = np.where(kept, 0.07, 0.01)  # seed 0's twins: half of their pooled eps* above 0.04
            save_minimum_norm(spec, minimum_norm_result(spec, stars, labels, data=data, steps=100), root=tmp_path)
    gone = checkpoint_path(ModelSpec("cxr", "inception_resnet_v2", False, seed=1), root=tmp_path)
    gone.with_suffix(".json").write_text(json.dumps({"format": CARD_FORMAT, "spec": {}, "config": {"seed": 1}}))
    running = checkpoint_path(ModelSpec("cxr", "inception_resnet_v2", True, seed=0), root=tmp_path)
    running.with_suffix(".json").write_text(json.dumps({"format": CARD_FORMAT, "spec": {}, "status": "training"}))
    assert main(["--task", "cxr", "--seed-study", "0", "1", "--n", str(n), "--root", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert ": strong protocol at" not in out and ": minimum-norm run (" not in out  # nothing evaluated again
    assert "left out, not trained: demo-cxr-inception_resnet_v2-attention-seed1" in out
    assert "left out, still training: demo-cxr-inception_resnet_v2-attention (" in out  # never half-trained
    assert ("no saved minimum-norm run, its weights are not here and its results at these settings are not "
            "saved: left out" in out and "left out, its weights are not here and its results at these settings are "
            "not saved: demo-cxr-inception_resnet_v2-vanilla-seed1" in out)
    assert "--demo-zoo --task cxr --seed 1 --split-seed 0" in out
    study = latest_seed_study("cxr", root=tmp_path)
    assert study["epsilons"] == {"resnet50": EPSILON}  # the median of seed 0's pooled eps*
    checkpoint_path(ModelSpec("cxr", "resnet50", True, seed=0), root=tmp_path).write_bytes(b"weights here")
    for path in tmp_path.glob("demo/cxr/results/resnet50_attention-*.json"):
        if "-fmn-" not in path.name:
            path.unlink()  # seed 0's attentive strong result is gone: --saved-only runs nothing, leaves it out
    assert main(["--task", "cxr", "--seed-study", "0", "1", "--n", str(n), "--root", str(tmp_path),
                 "--saved-only"]) == 0
    saved_only = capsys.readouterr().out
    assert ": strong protocol at" not in saved_only
    assert "left out, not evaluated yet (the study read saved results only): demo-cxr-resnet50-attention\n" in saved_only
    resnet, = study["families"]
    assert [r["robust"]["difference"] for r in resnet["per_seed"]] == pytest.approx([0.5, 0.25])
    assert {r["model_id"] for r in study["replicas"]} >= {"demo-cxr-resnet50-vanilla-seed1"}
    assert resnet["sentence"] in out


def test_a_replica_counts_as_trained_by_its_card_not_by_its_weights(tmp_path):
    """The page and the study agree: a card saying done counts without weights (not bundled);
    weights under a card saying training do not (a run in progress writes its checkpoint)."""
    from core.evaluate.seeds import trained_replicas
    from core.models.zoo import CARD_FORMAT, checkpoint_path

    def card(spec, **fields):
        path = checkpoint_path(spec, root=tmp_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.with_suffix(".json").write_text(json.dumps({"format": CARD_FORMAT, "spec": spec.to_dict(), **fields}))
        return path

    done, running = (ModelSpec("cxr", "resnet50", a, seed=1) for a in (False, True))
    card(done, status="done")
    card(running, status="training").write_bytes(b"mid-training weights")
    card(ModelSpec("cxr", "inception_resnet_v2", False, seed=2), status="cancelled")
    assert trained_replicas("cxr", (0, 1, 2), root=tmp_path) == [done]
