"""core.evaluate.patches: success rate against patch area with intervals, and the twin test per area."""

from core.data import synthetic
from core.evaluate.patches import evaluate_patches
from core.models.zoo import ModelSpec


def test_success_rate_per_area_with_intervals_and_the_twins_paired_per_area(tmp_path):
    images, labels = synthetic.split("cxr", "test", 8, size=96)
    vanilla, attentive = ModelSpec("cxr", "resnet50", False), ModelSpec("cxr", "resnet50", True)
    evaluate_patches(vanilla, images, labels, data="test", areas=(0.01, 0.08), steps=4, results_root=tmp_path)
    result = evaluate_patches(attentive, images, labels, data="test", areas=(0.01, 0.08), steps=4,
                              results_root=tmp_path)
    rows = result["areas"]
    assert [row["area"] for row in rows] == [0.0, 0.01, 0.08] and rows[0]["fooled"] == 0
    for row in rows:
        assert 0 <= row["success_low"] <= row["success_rate"] <= row["success_high"] <= 1
        assert row["fooled"] <= row["clean_correct"] <= 8
    twin = result["twin_test"]
    assert [row["area"] for row in twin] == [0.0, 0.01, 0.08]
    assert "p_holm" not in twin[0] and all(row["p_holm"] >= row["p_value"] for row in twin[1:])
