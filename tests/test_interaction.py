"""The 2 x 2 interaction of attention and a defence, on constructed outcomes."""

import numpy as np
import pytest

from core.stats import interaction


def test_effects_that_add_up_have_no_interaction():
    group = np.random.default_rng(0).integers(0, 4, 400)  # 0 robust anyway, 1 saved by attention,
    vanilla = group == 0                                   # 2 saved by the defence, 3 never robust
    attentive, defended = vanilla | (group == 1), vanilla | (group == 2)
    result = interaction(vanilla, attentive, defended, attentive | defended)
    assert result["difference"] == 0 and result["low"] <= 0 <= result["high"]
    assert result["attention_effect"] == result["defended_effect"] == pytest.approx(np.mean(group == 1))


def test_hand_computed_contrast_and_a_clear_negative_interaction():
    # attention rescues images 0-99 without a defence, none under it
    vanilla = np.zeros(200, bool)
    attentive = np.arange(200) < 100
    defended = np.ones(200, bool)
    result = interaction(vanilla, attentive, defended, defended)
    assert result["attention_effect"] == pytest.approx(0.5) and result["defended_effect"] == 0
    assert result["difference"] == pytest.approx(-0.5) and result["high"] < -0.3


def test_reweighting_to_shares_and_bad_inputs():
    labels = np.array([0] * 50 + [1] * 50)
    gain = labels == 1  # attention helps class 1 only, and only without the defence
    zeros = np.zeros(100, bool)
    result = interaction(zeros, gain, zeros, zeros, labels, [0.9, 0.1])
    assert result["difference"] == pytest.approx(-0.1)  # 0.1 share x -1
    with pytest.raises(ValueError, match="same images"):
        interaction(zeros, gain, zeros, zeros[:50])
    with pytest.raises(ValueError, match="sum to 1"):
        interaction(zeros, gain, zeros, zeros, labels, [0.5, 0.6])
