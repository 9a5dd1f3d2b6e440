"""Attention against adversarial training, per backbone, at one epsilon: the sentences the
curves page and the report print (the paper claims attention buys robustness "without
sacrifice, unlike" adversarial training, Madry et al. 2018).

For each backbone with an attentive undefended model and a defended vanilla one: attention
alone against the defence alone, then (when both are saved) attention + defence against the
defence alone ("does attention add to adversarial training?") and the 2 x 2 interaction of
attention and the defence (core.evaluate.twins.interaction_test)."""

from __future__ import annotations

from dataclasses import replace

from core.evaluate.twins import interaction_test, paired_test
from core.models.spec import DEFENCES


def shared_training_epsilon(epsilons) -> float | None:
    """The one training epsilon the defended models share (None for unknown ones), else None:
    where their comparisons are read first."""
    found = {float(e) for e in epsilons if e is not None}
    return found.pop() if len(found) == 1 else None


def _at(rows: list[dict], epsilon: float | None) -> dict:
    """The row at `epsilon` (the largest evaluated when it is None or not on the grid)."""
    return next((row for row in rows if row["epsilon"] == epsilon), rows[-1])


def defence_comparisons(results: dict, epsilon: float | None = None) -> dict[str, list[dict]]:
    """{backbone: [rows]} comparing attention with each defence on the same images at
    `epsilon`; `results` maps ModelSpecs to saved results of the same settings. Each row is a
    paired_test or interaction_test row (difference, interval, p-value, sentence)."""
    found: dict[str, list[dict]] = {}
    for attentive in results:
        if attentive.defence != "none" or not attentive.attention:
            continue
        for defended in results:
            if defended.defence == "none" or defended.attention or defended.backbone != attentive.backbone:
                continue
            rows = [_at(paired_test(results[attentive], results[defended], (attentive.title, defended.title)),
                        epsilon)]
            both, vanilla = replace(defended, attention=True), attentive.twin()
            if both in results:
                rows.append(_at(paired_test(results[both], results[defended], (both.title, defended.title)), epsilon))
                if vanilla in results:
                    rows.append(_at(interaction_test(results[vanilla], results[attentive], results[defended],
                                                     results[both], defence=DEFENCES[defended.defence][1]), epsilon))
            found.setdefault(attentive.backbone, []).extend(rows)
    return found
