"""The report's section on why one twin is harder to fool (core.mechanism): each measure per
model, the twins' paired tests, the loss surface and which measure follows robustness. The
curves page draws the same blocks (app_pages.mechanism)."""

from __future__ import annotations

import pandas as pd

from core.formatting import epsilon_text
from core.models.backbones import FAMILY_TITLES
from core.report.gather import Evidence
from core.report.parts import Figure, Heading, Sentence as _p, Table as _table



def mechanism_section(evidence: Evidence) -> list:
    from core.figures import surface_figure

    found = evidence.found("mechanism")
    if not found:
        return []
    blocks = mechanism_blocks(found, task=evidence.task, stars=evidence.found("minimum_norm"))
    return blocks[:1] + [Figure(surface_figure(found, 0), "the loss surface around one image")] + blocks[1:]


def mechanism_blocks(found: dict, *, task: str, stars: dict) -> list:
    """Saved mechanism profiles ({spec: profile}) as a section: each measure per model, the twins'
    paired tests (Wilcoxon, Holm over a pair's measures) with a sentence each, and which measure
    follows robustness where the twins' smallest-ε runs (`stars`) say which is harder to fool
    (the curves page draws the same blocks, with its own loss-surface picker)."""
    from core.figures import mechanism_figure
    from core.mechanism import MEASURES

    if not found:
        return []
    epsilon = next(iter(found.values())).get("epsilon")
    where = epsilon_text(epsilon) if epsilon else "the grid's middle ε"
    rows = [{"family": spec.title, "measure": MEASURES[name][0], "attentive (median)": test["attentive"],
             "vanilla (median)": test["vanilla"], "Wilcoxon p": test["p_value"], "Holm p": test.get("p_holm"),
             "images": test.get("n")}
            for spec, result in found.items() for name, test in result.get("twin_test", {}).items()]
    parts = [Figure(mechanism_figure(found, MEASURES), "each measure per model"),
             _p(f"Per test image: the true-class logit margin clean and after 20 PGD steps at "
                f"{where} (larger: harder to fool), the "
                "input-gradient's L1 norm (the first-order loss gain per unit of L∞ budget), CURE's curvature along "
                "the gradient's sign (Moosavi-Dezfooli et al. 2019), CLEVER's local Lipschitz estimate and its ε bound "
                "(Weng et al. 2018, radius 2ε; ART's clever_u is the reference a test compares with), and the "
                "attention map's entropy (attentive models).", "note")]
    if rows:
        parts.append(_table(pd.DataFrame(rows), float_format="{:.4g}"))
    for spec, result in found.items():
        parts += [_p(f"{spec.title} vs its twin: {t['sentence']}") for t in result.get("twin_test", {}).values()]
    return parts + _agreement(task, found, stars)


def _agreement(task: str, mechanism: dict, stars: dict) -> list:
    """Which measure follows robustness (core.mechanism.agreement) on this task's twin pairs."""
    from core.mechanism import separating_measures, twin_pairs

    pairs = twin_pairs(task, mechanism, stars)
    if not pairs:
        return []
    helped = {1: "harder", -1: "easier", 0: "neither harder nor easier (ε* test p ≥ 0.05)"}
    summary = "; ".join(f"attention makes the {FAMILY_TITLES.get(p['family'], p['family'])} twin "
                        f"{helped[p['robustness']]} to fool" for p in pairs)
    return ([Heading("Which measure follows robustness?"), _p(summary[0].upper() + summary[1:] + ".")]
            + [_p(r["sentence"]) for r in separating_measures(pairs)])
