"""The report's sections on the saliency maps, from the saved audits (python -m core.explain.audit):
whether each method's maps can be trusted, and whether Grad-CAM's map points at the finding and
at the shortcut the synthetic images carry, clean and under attack, twins compared."""

from __future__ import annotations

import pandas as pd

from core.formatting import epsilon_text
from core.report.gather import Evidence
from core.report.parts import Sentence as _p, Table as _table

GROUNDING_METHOD = "grad_cam"  # the paper's method and the explorer's default


def audit_section(evidence: Evidence) -> list:
    """Each method's sanity check, deletion and insertion and energy on each model."""
    from core.explain.audit import audit_rows

    audits = {m.spec.title: m.audit for m in evidence.models if m.audit}
    if not audits:
        return []
    return [_table(pd.DataFrame(audit_rows(audits))),
            _p("Sanity: the map changes when the model's weights are randomised (Adebayo et al. 2018); deletion and "
               "insertion against a random order; energy of the perturbation in the map's top 20 %.", "note")]


def _rate(entry: dict) -> str:
    return f"{entry['pointing']:.2f} ({entry['pointing_low']:.2f}–{entry['pointing_high']:.2f})"


def grounding_table(audits: dict, *, method: str = GROUNDING_METHOD) -> pd.DataFrame:
    """One row per model and part (the finding, the shortcut): the share of images whose map's
    maximum falls inside that part's mask, with its 95 % interval, one column per ε."""
    from core.explain.grounding import PART_TITLES

    rows = []
    for title, audit in audits.items():
        for part, entries in audit.get("localisation", {}).get(method, {}).items():
            if not entries:
                continue
            row = {"model": title, "points at": PART_TITLES[part], "images": entries[0]["n"]}
            row.update({("clean" if e["epsilon"] == 0 else epsilon_text(e["epsilon"])): _rate(e) for e in entries})
            rows.append(row)
    return pd.DataFrame(rows)


def _difference(row: dict) -> str:
    from core.formatting import points

    where = "clean" if row["epsilon"] == 0 else f"at {epsilon_text(row['epsilon'])}"
    return (f"{where}: {points(row['difference'])} points, 95 % CI {points(row['low'])} to {points(row['high'])}, "
            f"Holm-adjusted p = {row['p_holm']:.2g}")


def _twin_summary(rows: list[dict]) -> str:
    """One sentence for a twin pair's pointing-game tests over the ε: the differences significant
    after Holm's adjustment, else the clean one with the range the data allow."""
    from core.stats import SIGNIFICANCE

    significant = [row for row in rows if row["p_holm"] < SIGNIFICANCE]
    if not significant:
        return (f"no difference detected at any of the {len(rows)} ε after Holm's adjustment, on these {rows[0]['n']} "
                f"images ({_difference(rows[0])}).")
    return (f"the attentive model's map points at the finding at a different rate ({'; '.join(map(_difference, significant))}); "
            f"no difference detected at the other {len(rows) - len(significant)} ε, on these {rows[0]['n']} images.")


def grounding_section(evidence: Evidence) -> list:
    """Grad-CAM's pointing game on the synthetic ground truth, per model and ε, and each twin
    pair's paired test (Holm over the ε)."""
    from core.explain.grounding import grounding_twin_test

    by_spec = {m.spec: m.audit for m in evidence.models if m.audit and m.audit.get("localisation")}
    if not by_spec:
        return []
    parts = [_table(grounding_table({spec.title: audit for spec, audit in by_spec.items()}))]
    for spec, attentive in by_spec.items():
        vanilla = by_spec.get(spec.twin()) if spec.attention else None
        if vanilla is None:
            continue
        rows = grounding_twin_test(attentive, vanilla, method=GROUNDING_METHOD, part="lesion")
        if rows:
            parts.append(_p(f"{spec.title} minus {spec.twin().title}: {_twin_summary(rows)}"))
    parts.append(_p("Pointing game (Zhang et al. 2016) with Grad-CAM on the generators' exact masks: the share of the "
                    "audit's images that show the part whose map's maximum falls on it (within the pointing game's "
                    "tolerance), with its 95 % Wilson "
                    "interval; under attack the map of the attacked image (PGD on the true class). The gallery shows "
                    "every method.", "note"))
    return parts
