"""The report's section on the paper's question: attentive against vanilla twin, paired on the
same images at every ε of the curve (core.evaluate.twin_test), with the sentence at the grid's
middle, where along the curve they differ, and where the paper's protocol concludes otherwise
(the curves page draws the same blocks)."""

from __future__ import annotations

import pandas as pd

from core.report.gather import Evidence
from core.report.parts import Heading, Sentence as _p, Table as _table
from core.tasks import middle_epsilon


def twins_section(evidence: Evidence) -> list:
    from core.evaluate import twin_test

    strong, paper = evidence.found("strong"), evidence.found("paper")
    tests = {spec: twin_test(attentive, strong[spec.twin()]) for spec, attentive in strong.items()
             if spec.attention and spec.twin() in strong}
    return twin_blocks(tests, paper_twin_tests(tests, paper))


def paper_twin_tests(tests: dict, paper: dict | None) -> dict:
    """The twin tests of the pairs in `tests` under the paper's protocol (`paper`: {spec: its
    curve on the same images}), where both twins have one: what twin_blocks compares with."""
    from core.evaluate import twin_test

    paper = paper or {}
    return {spec: twin_test(paper[spec], paper[spec.twin()]) for spec in tests
            if spec in paper and spec.twin() in paper}


def twin_summary(rows: list[dict]) -> list[str]:
    """A pair's twin test in words: the sentence at the grid's middle ε, then where along the
    curve the twins differ (core.evaluate.along_the_curve); [] without an attacked ε. What the
    report writes under each pair's table and the curves page under its chart."""
    from core.evaluate import along_the_curve

    if not any(r["epsilon"] > 0 for r in rows):
        return []
    middle = middle_epsilon([r["epsilon"] for r in rows])
    along = along_the_curve(rows)
    return [next(r for r in rows if r["epsilon"] == middle)["sentence"], *([along] if along else [])]


def twin_blocks(tests: dict, on_paper: dict | None = None) -> list:
    """Each pair's twin test over the curve ({attentive spec: core.evaluate.twin_test rows}) as a
    table with Holm's p, the sentence at the curve's middle ε and how it was tested; where the
    paper's protocol on the same images (`on_paper`, the same shape) concludes otherwise, a
    caution (the curves page draws the same blocks)."""
    from core.evaluate import protocol_disagreements

    parts = []
    for spec, rows in tests.items():
        frame = pd.DataFrame([{"ε": r["epsilon"], "difference (points)": f"{r['difference'] * 100:+.1f}",
                               "95 % CI": f"{r['low'] * 100:+.1f} to {r['high'] * 100:+.1f}",
                               "McNemar p": r["p_value"], "Holm p (over the curve)": r.get("p_holm", r["p_value"]),
                               "only attentive robust": r["a_only"], "only vanilla robust": r["b_only"]}
                              for r in rows])
        how = ("Paired on the same images and weighted to the real class mix: the interval combines the per-class "
               "Newcombe intervals (MOVER), the p-value is the stratified exact McNemar test on the images where only "
               "one of the twins was fooled." if any("p_method" in r for r in rows) else
               "Paired on the same images: the interval is Newcombe's, the p-value the exact McNemar test on the "
               "images where only one of the twins was fooled.")
        holm = (" Holm's p is the p-value made stricter for testing every ε of the curve at once: a difference is "
                "called significant only where it is below 0.05, so many tries do not give one lucky finding.")
        parts += [Heading(f"{spec.title} minus {spec.twin().title}"), _table(frame, float_format="{:.3g}"),
                  *(_p(sentence) for sentence in twin_summary(rows)), _p(how + holm, "note")]
        if spec in (on_paper or {}):
            parts += [_p(s, "warn") for s in protocol_disagreements(rows, on_paper[spec], spec.twin().title)]
    return parts
