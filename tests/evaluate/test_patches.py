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


def test_a_universal_patch_learnt_on_other_images_is_scored_on_held_out_ones_and_paired(tmp_path):
    from core.evaluate.universal import evaluate_universal
    from core.runs import RUN_KINDS

    images, labels = synthetic.split("cxr", "test", 8, size=96)
    learn_images, learn_labels = synthetic.split("cxr", "val", 16, size=96)
    vanilla, attentive = ModelSpec("cxr", "resnet50", False), ModelSpec("cxr", "resnet50", True)
    settings = dict(data="test", learnt_on="val", areas=(0.02,), steps=3, results_root=tmp_path)
    evaluate_universal(vanilla, learn_images, learn_labels, images, labels, **settings)
    result = evaluate_universal(attentive, learn_images, learn_labels, images, labels, **settings)
    clean, patched = result["areas"]
    assert clean["area"] == 0 and patched["area"] == 0.02 and 0 <= patched["fooled_where_learnt"] <= 1
    assert 0 <= patched["success_low"] <= patched["success_rate"] <= patched["success_high"] <= 1
    top, left, side = patched["location"]
    assert side == 14 and 0 <= top <= 96 - side and 0 <= left <= 96 - side  # sqrt(0.02) x 96 px, inside the image
    assert [row["area"] for row in result["twin_test"]] == [0.0, 0.02]
    kind = RUN_KINDS["universal"]
    found = kind.load(attentive, kind.settings(data="test", n=8, learnt_on="val", n_learn=16, areas=(0.02,), steps=3),
                      results_root=tmp_path)
    assert found is not None and found["areas"][1]["correct"] == patched["correct"]
