"""What an evaluation protocol costs, priced from its passes."""

import pytest

from core.evaluate.presets import PRESETS, evaluation_cost
from core.formatting import duration_text


def test_an_evaluation_is_priced_from_the_protocols_passes():
    paper = PRESETS["paper"]
    assert paper.passes(7) == 40  # the paper's 40 PGD steps
    strong = PRESETS["strong"]
    assert strong.passes(7) > strong.passes(2)  # APGD-DLR runs only with 3+ classes
    passes, seconds = evaluation_cost(paper, 2, n=100, epsilons=[0, 0.01, 0.02], pass_seconds=0.2)
    assert passes == 100 * 2 * 40 and seconds == pytest.approx(1600)
    assert [duration_text(s) for s in (45, 1600, 20000, 400000)] == ["45 s", "27 min", "5.6 h", "4.6 days"]
