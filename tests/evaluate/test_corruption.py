"""Corruption curves: accuracy against severity, paired between twins, saved apart from the
grid results, from the CLI too."""

import json

import numpy as np
import pytest

from core.evaluate import corruption_curve, corruption_twin_test, evaluate_corruptions, saved_results
from core.models.spec import ModelSpec


@pytest.fixture(scope="module")
def cxr_sample():
    from core.data import synthetic

    return synthetic.split("cxr", "test", 12, size=96)


def test_the_curve_starts_at_the_clean_accuracy_and_carries_its_intervals(cxr_sample):
    from core.attacks import predict
    from core.metrics import accuracy_summary
    from core.models.zoo import load_model

    spec = ModelSpec("cxr", "resnet50", False)
    model = load_model(spec)
    images, labels = cxr_sample
    rows = corruption_curve(model, images, labels, name="contrast", task=spec.task_info)
    assert [r["severity"] for r in rows] == [0, 1, 2, 3, 4, 5]
    clean = accuracy_summary(predict(model, images).argmax(axis=1) == labels, labels, spec.task_info)
    assert rows[0]["accuracy"] == pytest.approx(clean["accuracy"])
    assert all(r["accuracy_low"] <= r["accuracy"] <= r["accuracy_high"] for r in rows)
    np.testing.assert_allclose(rows[0]["scores"], predict(model, images)[:, 1], rtol=1e-6)  # for the operating point
    with pytest.raises(ValueError, match="derm_hair is a derm corruption"):
        corruption_curve(model, images, labels, name="derm_hair", task=spec.task_info)


def test_twins_are_compared_on_the_same_corrupted_images_and_saved_apart(tmp_path, cxr_sample):
    from core.data.synthetic import split_description
    from core.cli.evaluate import main

    images, labels = cxr_sample
    assert main(["--task", "cxr", "--model", "demo-cxr-resnet50-vanilla", "--n", "12", "--corruptions", "jpeg",
                 "cxr_grid_lines", "--results-root", str(tmp_path)]) == 0
    attentive = ModelSpec("cxr", "resnet50", True)
    result = evaluate_corruptions(attentive, images, labels, data=split_description("cxr"),
                                  names=["jpeg", "cxr_grid_lines"], results_root=tmp_path)
    saved = json.loads(open(result["path"]).read())
    assert set(saved["corruptions"]) == {"jpeg", "cxr_grid_lines"} and len(saved["corruptions"]["jpeg"]) == 6
    tests = saved["twin_test"]["jpeg"]
    assert [t["severity"] for t in tests] == [0, 1, 2, 3, 4, 5]
    assert all(t["low"] <= t["difference"] <= t["high"] and 0 <= t["p_value"] <= 1 for t in tests)
    assert saved_results(attentive, results_root=tmp_path, root=tmp_path / "none") == []  # not a grid curve
    other = dict(saved, seed=1)
    with pytest.raises(ValueError, match="differ in 'seed'"):
        corruption_twin_test(other, saved)
