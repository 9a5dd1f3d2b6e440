import numpy as np
import pytest

from core.explain import localisation


def _mask(size=32):
    mask = np.zeros((size, size), np.float32)
    mask[8:16, 8:16] = 1
    return mask


def test_a_map_inside_the_mask_scores_one():
    heat = _mask() * np.random.default_rng(0).random((32, 32))
    scores = localisation(heat[None], _mask()[None])
    assert scores["pointing_game"][0] == 1.0 and scores["energy_inside"][0] == pytest.approx(1.0)


def test_a_map_peaking_outside_scores_zero():
    heat = np.zeros((32, 32), np.float32)
    heat[28, 28] = 1.0
    heat[10, 10] = 0.5
    scores = localisation(heat[None], _mask()[None])
    assert scores["pointing_game"][0] == 0.0
    assert scores["energy_inside"][0] == pytest.approx(0.5 / 1.5)


def test_the_tolerance_is_a_share_of_the_image_and_masks_are_resized():
    heat = np.zeros((32, 32), np.float32)
    heat[17, 12] = 1  # two pixels below the mask
    big = np.zeros((64, 64), np.float32)
    big[16:32, 16:32] = 1  # the same mask at twice the size
    strict = localisation(heat[None], _mask()[None], tolerance=0)
    lenient = localisation(heat[None], big[None])  # 15/224 of 32 px: within 2 px
    assert strict["pointing_game"][0] == 0.0 and lenient["pointing_game"][0] == 1.0


def test_no_finding_or_a_blank_map_is_not_scored():
    scores = localisation(np.ones((2, 8, 8)), np.zeros((2, 8, 8)))
    assert np.isnan(scores["pointing_game"]).all() and np.isnan(scores["energy_inside"]).all()
    with pytest.raises(ValueError, match="N x H x W"):
        localisation(np.ones((2, 8, 8)), np.ones((3, 8, 8)))


def test_saved_grounding_becomes_rows_and_a_paired_twin_test():
    from core.explain.grounding import grounding_rows, grounding_twin_test

    def audit(hits):
        entry = {"epsilon": 0.0, "n": len(hits), "pointing": hits.count("1") / len(hits), "pointing_low": 0.1,
                 "pointing_high": 0.9, "energy": 0.5, "energy_low": 0.4, "energy_high": 0.6, "hits": hits,
                 "energies": [0.5] * len(hits)}
        return {"localisation": {"grad_cam": {"lesion": [entry], "shortcut": []}}}

    attentive, vanilla = audit("1" * 18 + "0" * 2), audit("1" * 6 + "0" * 14)
    rows = grounding_rows({"A": attentive, "V": vanilla})
    assert [r["points at it"] for r in rows] == [0.9, 0.3] and rows[0]["looks at"] == "the finding"
    test = grounding_twin_test(attentive, vanilla, method="grad_cam")[0]
    assert test["difference"] == pytest.approx(0.6) and test["a_only"] == 12 and test["b_only"] == 0
    assert test["p_value"] < 0.001 and "significant difference" in test["sentence"]
    assert grounding_twin_test(attentive, {"localisation": {}}, method="grad_cam") == []
