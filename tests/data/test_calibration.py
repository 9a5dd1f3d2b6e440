"""core.data.synthetic.calibration: each task's band, and how a card stands against it."""

import json
from pathlib import Path

import pytest

from core.data.synthetic.calibration import TARGETS, band_text, standing
from core.models.zoo import all_specs
from core.tasks import TASKS

CHECKPOINTS = Path(__file__).resolve().parents[2] / "checkpoints" / "demo"


def _metrics(value, low, high, metric="clean_accuracy"):
    return {metric: value, f"{metric}_low": low, f"{metric}_high": high}


@pytest.mark.parametrize("metrics, expected", [
    (_metrics(0.90, 0.85, 0.94), "meets"),
    (_metrics(0.84, 0.80, 0.861), "meets"),  # the interval reaches the band
    (_metrics(0.97, 0.94, 0.99), "above"),
    (_metrics(0.951, 0.90, 0.98), "above"),  # inside by its interval, over the ceiling by its estimate
    (_metrics(0.80, 0.75, 0.85), "below"),
    ({"clean_accuracy": 0.9}, "unknown"),
    ({}, "unknown"),
])
def test_a_card_meets_the_band_when_its_interval_overlaps_it(metrics, expected):
    assert standing("derm", metrics) == expected


def test_cxr_is_judged_on_its_auc_without_a_ceiling():
    assert TARGETS["cxr"].metric == "auc" and TARGETS["cxr"].ceiling is None
    assert standing("cxr", _metrics(0.99, 0.97, 1.0, "clean_accuracy")) == "unknown"  # its AUC is what counts
    assert standing("cxr", _metrics(0.91, 0.88, 0.94, "auc")) == "meets"
    assert band_text("cxr") == "AUC 0.85–0.93" and band_text("derm").endswith("no estimate above 0.95")


def test_every_task_has_a_band_inside_the_unit_interval():
    assert set(TARGETS) == set(TASKS)
    for target in TARGETS.values():
        assert 0 < target.low < target.high < 1 and target.basis


@pytest.mark.parametrize("task", sorted(TASKS))
def test_the_bundled_undefended_models_meet_their_tasks_band(task):
    """What calibration promised: a retrained zoo that drifts out of the paper's difficulty fails here."""
    for spec in all_specs("demo", task):
        card = json.loads((CHECKPOINTS / task / f"{spec.file_stem}.json").read_text())
        assert standing(task, card["metrics"]) == "meets", (spec.model_id, card["metrics"].get(TARGETS[task].metric))
