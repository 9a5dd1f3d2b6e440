"""Robustness curves, saved results, and the committed demo zoo."""


import pytest

from core.data import synthetic
from core.evaluate import AttackSettings, evaluate_model, load_results, robustness_curve, saved_results
from core.models.zoo import ModelSpec, available, load_model
from core.train import TrainConfig, train


def test_curve_is_monotone_and_reaches_zero(tiny):
    model, images, labels, _ = tiny
    rows = robustness_curve(model, images, labels, epsilons=[0, 0.01, 0.05, 0.5],
                            attack=AttackSettings(steps=20))
    accuracies = [r["accuracy"] for r in rows]
    assert accuracies[0] >= 0.95 and accuracies[-1] <= 0.05
    assert all(a >= b for a, b in zip(accuracies, accuracies[1:]))
    assert rows[1]["epsilon_255"] == pytest.approx(2.55) and rows[0]["n"] == len(labels)
    assert all(r["accuracy"] <= r["accuracy_this_epsilon"] for r in rows)


def test_curve_keeps_images_fooled_at_a_smaller_epsilon(tiny):
    """An over-confident model: cross-entropy PGD from a random start loses ground at large
    epsilon; the curve still counts what was fooled inside the smaller balls."""
    from tests.test_attacks import _overconfident

    model, images, labels, _ = tiny
    rows = robustness_curve(_overconfident(model), images, labels, epsilons=[0.5, 0, 0.1],
                            attack=AttackSettings(steps=10, rel_stepsize=0.25))
    assert [r["epsilon"] for r in rows] == [0, 0.1, 0.5]
    assert rows[2]["accuracy"] <= rows[1]["accuracy"] <= rows[0]["accuracy"]


def test_evaluate_saves_json_and_csv_keyed_by_settings(tmp_path):
    spec = ModelSpec("cxr", "resnet50", True)
    config = TrainConfig(max_epochs=2, synthetic_train=64, synthetic_val=16, synthetic_test=16, batch_size=16)
    train(spec, config, root=tmp_path)
    train(spec.twin(), config, root=tmp_path)
    images, labels = synthetic.split("cxr", "test", 16, size=96)
    attack = AttackSettings(steps=5)
    result = evaluate_model(spec, images, labels, data="tiny", epsilons=[0, 0.01, 0.5], attack=attack,
                            root=tmp_path)
    assert [r["epsilon"] for r in result["curve"]] == [0, 0.01, 0.5]
    assert result["curve"][-1]["accuracy"] <= 0.1
    assert len(result["checks"]) == 4 and result["verdict"]
    assert result["checks"][3]["status"] != "skip"  # the vanilla twin was found
    again = load_results(spec, data="tiny", n=16, epsilons=[0, 0.01, 0.5], attack=attack, root=tmp_path)
    assert again["curve"] == result["curve"]
    assert load_results(spec, data="tiny", n=16, epsilons=[0, 0.01, 0.5], root=tmp_path) is None  # 40 steps
    csv_lines = open(result["path"].replace(".json", ".csv")).read().splitlines()
    assert csv_lines[0] == "epsilon,epsilon_255,accuracy,accuracy_this_epsilon,n" and len(csv_lines) == 4
    assert saved_results(spec, root=tmp_path)[0]["curve"] == result["curve"]


FLOORS = {"derm": 0.8, "fundus": 0.9, "cxr": 0.9}


@pytest.fixture(scope="module")
def demo_test_splits():
    return {task: synthetic.split(task, "test", TrainConfig().synthetic_test, size=96) for task in FLOORS}


@pytest.mark.parametrize("spec", [ModelSpec(t, b, a) for t in FLOORS
                                  for b in ("resnet50", "inception_resnet_v2") for a in (False, True)],
                         ids=lambda s: s.model_id)
def test_committed_demo_checkpoint_meets_its_floor(spec, demo_test_splits):
    assert spec in available("demo"), f"{spec.model_id} is missing from checkpoints/demo"
    images, labels = demo_test_splits[spec.task]
    from core.attacks import accuracy

    clean = accuracy(load_model(spec), images, labels)
    print(f"{spec.model_id}: clean accuracy {clean:.3f} on {len(labels)} synthetic test images")
    assert clean >= FLOORS[spec.task]
