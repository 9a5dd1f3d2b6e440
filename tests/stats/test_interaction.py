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


def test_the_bootstrap_interval_is_the_plain_resampling_ones():
    """The interval drawn by counts (multinomial) against resampling each image, the textbook
    bootstrap, written out here as the reference: the same distribution, so the same quantiles
    to within the two runs' Monte-Carlo error."""
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 3, 300)
    outcomes = [rng.random(300) < p for p in (0.3, 0.5, 0.6, 0.65)]
    shares = [0.6, 0.3, 0.1]
    result = interaction(*outcomes, labels, shares, n_boot=20000)
    contrast = (outcomes[3].astype(float) - outcomes[2]) - (outcomes[1].astype(float) - outcomes[0])
    groups = [np.flatnonzero(labels == c) for c in range(3)]
    plain = np.random.default_rng(4)
    draws = [sum(w * contrast[plain.choice(idx, idx.size)].mean() for w, idx in zip(shares, groups))
             for _ in range(4000)]
    assert result["low"] == pytest.approx(np.quantile(draws, 0.025), abs=0.015)
    assert result["high"] == pytest.approx(np.quantile(draws, 0.975), abs=0.015)
    assert result["low"] < result["difference"] < result["high"]
