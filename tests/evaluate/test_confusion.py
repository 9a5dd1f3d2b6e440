"""The confusion matrix under attack, read from a saved multi-class curve."""

import numpy as np
import pytest

from core.evaluate.confusion import confusion_under_attack
from core.evaluate.curve import curve_rows
from core.encoding import labels_to_text
from core.models.spec import ModelSpec
from core.tasks import get_task

DERM = get_task("derm")
MEL, NV, BKL = DERM.class_index("mel"), DERM.class_index("nv"), DERM.class_index("bkl")


def _result(labels, predicted_at_attack):
    labels = np.asarray(labels)
    clean = np.eye(7)[labels]
    attacked = np.eye(7)[np.asarray(predicted_at_attack)]
    outcomes = [{"epsilon": e, "robust": s.argmax(1) == labels, "fooled_by": {}, "robust_this_epsilon": None,
                 "scores": s} for e, s in ((0.0, clean), (0.005, attacked))]
    return {"spec": ModelSpec("derm", "resnet50", True).to_dict(), "labels": labels_to_text(labels),
            "curve": curve_rows(outcomes, labels, task=DERM)}


def test_each_class_is_counted_where_the_attack_sent_it():
    labels = [MEL] * 10 + [NV] * 5
    predicted = [NV] * 7 + [BKL] * 1 + [MEL] * 2 + [NV] * 5
    confusion = confusion_under_attack(_result(labels, predicted), 0.005)
    counts = np.array(confusion["counts"])
    assert counts[MEL, NV] == 7 and counts[MEL, BKL] == 1 and counts[MEL, MEL] == 2 and counts[NV, NV] == 5
    assert counts.sum() == 15 and np.allclose(np.nansum(confusion["shares"], axis=1)[[MEL, NV]], 1)
    melanoma = confusion["became"][MEL]
    assert melanoma["to"] == "nv" and melanoma["share"] == pytest.approx(0.7)
    assert melanoma["low"] < 0.7 < melanoma["high"]
    assert "Melanoma: 2 of 10 kept their class; most often became Melanocytic naevus (7 of 10, 70 %" in melanoma["sentence"]
    assert confusion["became"][NV]["sentence"].endswith("all 5 kept their class")
    assert np.array(confusion_under_attack(_result(labels, predicted), 0.0)["counts"]).trace() == 15  # clean


def test_a_missing_epsilon_or_an_old_result_says_what_to_do():
    result = _result([MEL, NV], [NV, NV])
    with pytest.raises(ValueError, match="evaluated at"):
        confusion_under_attack(result, 0.02)
    for row in result["curve"]:
        del row["predicted"]
    with pytest.raises(ValueError, match="evaluate it again"):
        confusion_under_attack(result, 0.005)
