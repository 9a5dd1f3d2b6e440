"""The report's sections on threats beyond the paper's: adversarial patches (per image and
universal), the L2 curves (strong-l2 protocol) and whether attention's effect keeps its sign
across L-inf, L2 and a patch. The curves page draws the patch blocks too (app_pages.patch_curves)."""

from __future__ import annotations

from core.report.gather import Evidence
import pandas as pd

from core.report.parts import Figure, Heading, Items, Sentence as _p, Table as _table



def l2_section(evidence: Evidence) -> list:
    """The strong-l2 curves, each twin pair's test at the middle radius, each model's checks."""
    found = evidence.found("l2")
    return l2_blocks(found) + l2_check_blocks(found)


def l2_blocks(found: dict) -> list:
    """Saved strong-l2 curves ({spec: result}): accuracy against the radius and each twin pair's
    test where its vanilla twin is halfway down (at the grid's middle both may sit at 0)."""
    from core.evaluate import PRESETS
    from core.evaluate.threats import read_where_half_fooled
    from core.figures import curves_figure

    if not found:
        return []
    n = next(iter(found.values()))["n"]
    parts = [Figure(curves_figure(found, value="accuracy", norm="l2"), "accuracy against the L2 radius"),
             _p(f"{PRESETS['strong-l2'].description} {n} test images; shaded: 95 % interval. Each pair's test is "
                "read where its vanilla twin is halfway down.", "note")]
    for spec, result in found.items():
        sentence = read_where_half_fooled(result, found.get(spec.twin())) if spec.attention else None
        if sentence:
            parts.append(_p(f"{spec.title} vs its twin: {sentence}"))
    return parts


def l2_check_blocks(found: dict) -> list:
    """Each L2 curve's checks and verdict."""
    parts = []
    for spec, result in found.items():
        if "checks" in result:
            parts.append(Heading(f"{spec.title} under L2: {result['verdict']}"))
            parts.append(Items(tuple((f"[{c['status']}] {c['name']}", c["detail"]) for c in result["checks"])))
    return parts


def threats_section(evidence: Evidence) -> list:
    """One sentence per twin pair: attention's effect under L∞, L2 and a patch, and whether its
    sign holds (core.evaluate.threats)."""
    return threat_blocks(linf=evidence.found("strong"), l2=evidence.found("l2"),
                         patches=evidence.found("patches"), epsilons=evidence.epsilons,
                         seed_study=evidence.seed_study, n=evidence.n)


def threat_blocks(*, linf: dict, l2: dict, patches: dict, epsilons, seed_study: dict | None, n: int) -> list:
    """The cross-threat sentences from the saved L∞ curves, L2 curves and patch runs ({spec: result})."""
    from core.evaluate.patches import SHOWN_IMAGES
    from core.evaluate.threats import L2_IMAGES, PATCH_AREA, threat_sentences

    sentences = threat_sentences(linf=linf, l2=l2, patches=patches, epsilons=epsilons, seed_study=seed_study)
    if not sentences:
        return []
    return [_p(s) for s in sentences] + [_p(
        f"Each threat's difference comes from its own paired test on its own images ({n} for L∞, {L2_IMAGES} "
        f"for L2, {SHOWN_IMAGES} for the patch, where saved), read where the twins are half fooled under L∞ (the seed "
        f"study's ε, else where the vanilla curve is halfway down), the L2 radius that ε stands for, and a "
        f"{PATCH_AREA * 100:g} % patch; Holm-adjusted within each threat's curve.", "note")]


def patches_section(evidence: Evidence) -> list:
    return patch_blocks(evidence.found("patches")) + universal_blocks(evidence.found("universal"))


def _twin_table(found: dict) -> list:
    from core.figures import patch_twin_rows

    rows = patch_twin_rows(found)
    return [_table(pd.DataFrame(rows))] if rows else []


def patch_blocks(found: dict) -> list:
    """Saved per-image patch runs ({spec: result}): success against area, and the twins per area."""
    from core.figures import patch_figure

    if not found:
        return []
    steps = next(iter(found.values()))["steps"]
    return [Figure(patch_figure(found), "clean-correct images fooled against the patch's area"),
            _p(f"A visible square of free pixels covering 1 to 8 % of the image, optimised per image ({steps} steps at "
               "each of four places where the task's artefacts sit, the worst kept), as Finlayson et al. (2019) "
               "attacked these three tasks; Wilson 95 % intervals. The twins' difference is re-weighted to the real "
               "class mix, significant only where the Holm-adjusted p (over the areas) is below 0.05; its test "
               "counts the images only one twin got right, class by class, and can be sure of a difference whose "
               "interval still spans zero when those images fall in a class of little weight.", "note"),
            *_twin_table(found)]


def universal_blocks(found: dict) -> list:
    """Saved universal-patch runs ({spec: result}): held-out images fooled against the area."""
    from core.figures import patch_figure

    if not found:
        return []
    first = next(iter(found.values()))
    return [Figure(patch_figure(found), "held-out images one universal patch fools, against its area"),
            _p(f"One patch per model and area, learnt on {first['n_learn']} validation images ({first['steps']} "
               "minibatch steps at each of the task's artefact locations, the best kept), pasted on "
               f"{first['n']} held-out test images: the share of their clean-correct images it fools, Wilson 95 % "
               "intervals, the twins paired per area as above. ART's AdversarialPatchTensorFlowV2 is the "
               "reference the tests compare it with.", "note"), *_twin_table(found)]
