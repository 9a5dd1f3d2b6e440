"""The report's sections on threats beyond the paper's: the L2 curves (strong-l2 protocol) and
whether attention's effect keeps its sign across L-inf, L2 and a patch."""

from __future__ import annotations

from core.report.gather import Evidence
from core.report.parts import Figure, Heading, Items, Sentence as _p


def _by_spec(evidence: Evidence, what: str) -> dict:
    return {m.spec: getattr(m, what) for m in evidence.models if getattr(m, what)}


def l2_section(evidence: Evidence) -> list:
    """The strong-l2 curves, each twin pair's test at the middle radius, each model's checks."""
    from core.evaluate import PRESETS
    from core.evaluate.threats import read_where_half_fooled
    from core.figures import curves_figure

    found = _by_spec(evidence, "l2")
    if not found:
        return []
    n = next(iter(found.values()))["n"]
    parts = [Figure(curves_figure(found, value="accuracy", norm="l2"), "accuracy against the L2 radius"),
             _p(f"{PRESETS['strong-l2'].description} {n} test images; shaded: 95 % interval. Each pair's test is "
                "read where its vanilla twin is halfway down.", "note")]
    for spec, result in found.items():
        sentence = read_where_half_fooled(result, found.get(spec.twin())) if spec.attention else None
        if sentence:
            parts.append(_p(sentence))
    for spec, result in found.items():
        if "checks" in result:
            parts.append(Heading(f"{spec.title} under L2: {result['verdict']}"))
            parts.append(Items(tuple((f"[{c['status']}] {c['name']}", c["detail"]) for c in result["checks"])))
    return parts


def threats_section(evidence: Evidence) -> list:
    """One sentence per twin pair: attention's effect under L∞, L2 and a patch, and whether its
    sign holds (core.evaluate.threats)."""
    from core.evaluate.patches import SHOWN_IMAGES
    from core.evaluate.threats import L2_IMAGES, PATCH_AREA, threat_sentences

    sentences = threat_sentences(linf=_by_spec(evidence, "strong"), l2=_by_spec(evidence, "l2"),
                                 patches=_by_spec(evidence, "patches"), epsilons=evidence.epsilons,
                                 seed_study=evidence.seed_study)
    if not sentences:
        return []
    return [_p(s) for s in sentences] + [_p(
        f"Each threat's difference comes from its own paired test on its own images ({evidence.n} for L∞, {L2_IMAGES} "
        f"for L2, {SHOWN_IMAGES} for the patch, where saved), read where the twins are half fooled under L∞ (the seed "
        f"study's ε, else where the vanilla curve is halfway down), the L2 radius that ε stands for, and a "
        f"{PATCH_AREA * 100:g} % patch; Holm-adjusted within each threat's curve.", "note")]
