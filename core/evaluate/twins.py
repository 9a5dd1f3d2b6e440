"""Attentive vs vanilla on the same images: the paired test behind the paper's question.

Per epsilon, the attentive model's robust accuracy minus its vanilla twin's, with
Newcombe's interval and the exact McNemar p-value on the images where the two disagree
(core.stats.paired_difference), and one plain sentence. Results that carry their images'
labels are compared at the real class mix, as their accuracies are: MOVER over the per-class
Newcombe intervals and the stratified exact McNemar test (core.stats.weighted_paired_difference).
"""

from __future__ import annotations

from core.evaluate.encoding import text_to_flags, text_to_labels
from core.formatting import epsilon_text, points
from core.metrics import weights_for
from core.stats import paired_difference, weighted_paired_difference
from core.tasks import get_task

SIGNIFICANCE = 0.05


def twin_test(attentive: dict, vanilla: dict) -> list[dict]:
    """Rows (epsilon, difference, low, high, p_value, n, a_only, b_only, sentence) comparing two
    saved results of the same images and settings; ValueError if they are not comparable."""
    for key in ("data", "n", "epsilons", "attack"):
        if attentive.get(key) != vanilla.get(key):
            raise ValueError(f"the two results differ in {key!r}, so their images are not paired; "
                             "evaluate both models with the same settings")
    weighted = "labels" in attentive and attentive.get("labels") == vanilla.get("labels")
    if weighted:
        labels = text_to_labels(attentive["labels"])
        shares = weights_for(get_task(attentive["spec"]["task"]), "real")
    rows = []
    for a, b in zip(attentive["curve"], vanilla["curve"]):
        flags = text_to_flags(a["robust"]), text_to_flags(b["robust"])
        test = weighted_paired_difference(*flags, labels, shares) if weighted else paired_difference(*flags)
        test.pop("per_class", None)
        rows.append({"epsilon": a["epsilon"], **test, "sentence": twin_sentence(a["epsilon"], test)})
    return rows


def twin_sentence(epsilon: float, test: dict) -> str:
    """e.g. "At ε = 0.005 (1.28/255) soft attention changes robust accuracy by +6.5 points
    (95 % CI −2.0 to +15.0, McNemar p = 0.13): no significant difference on these 200 images." """
    what = "clean accuracy" if epsilon == 0 else "robust accuracy"
    where = "Without attack" if epsilon == 0 else f"At {epsilon_text(epsilon)}"
    test_name = "stratified McNemar" if "p_method" in test else "McNemar"
    mix = " at the real class mix" if "p_method" in test else ""
    head = (f"{where} soft attention changes {what} by {points(test['difference'])} points{mix} "
            f"(95 % CI {points(test['low'])} to {points(test['high'])}, {test_name} p = {test['p_value']:.2g})")
    significant, excludes_zero = test["p_value"] < SIGNIFICANCE, test["low"] > 0 or test["high"] < 0
    if significant != excludes_zero:  # Newcombe's interval and the exact test disagree at the margin
        why = ("the interval excludes 0, but the exact McNemar test, conservative with few discordant "
               "pairs, does not reach p < 0.05" if excludes_zero else "p < 0.05, but the interval includes 0")
        return f"{head}: borderline on these {test['n']} images: {why}."
    if not significant:
        return f"{head}: no significant difference on these {test['n']} images."
    direction = "more" if test["difference"] > 0 else "less"
    noun = "accurate" if epsilon == 0 else "robust"
    return f"{head}: the attentive model is significantly {direction} {noun} on these {test['n']} images."
