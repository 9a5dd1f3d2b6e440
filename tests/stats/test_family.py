"""Holm's adjustment of a family of tests."""

import pytest

from core.stats import holm


def test_holm_adjusts_a_family_in_its_order():
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5]) == [0.5] and holm([]) == []
    assert holm([0.4, 0.3]) == pytest.approx([0.6, 0.6])  # capped and monotone
    with pytest.raises(ValueError, match=r"p-values must be in \[0, 1\]"):
        holm([0.1, 1.5])
