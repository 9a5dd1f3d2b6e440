"""The report's section on the seed study (core.evaluate.seeds): attention's effect per training
seed and its mean over seeds, each replica's accuracy and how far the seed alone moves it. The
curves page draws the same blocks (app_pages.seeds)."""

from __future__ import annotations

import pandas as pd

from core.report.gather import Evidence
from core.report.parts import Figure, Sentence as _p, Table as _table


def seeds_section(evidence: Evidence) -> list:
    """The seed study: each seed's twin difference and the mean over seeds with its t-interval."""
    return seed_blocks(evidence.seed_study)


def seed_blocks(study: dict | None) -> list:
    """A saved seed study's section (core.evaluate.seeds), which the curves page draws too."""
    from core.figures import seed_figure

    if not study or not study["families"]:
        return []
    return ([Figure(seed_figure(study), "each seed's twin difference and the mean over seeds")]
            + [_p(f"{f['title']}: {f['sentence']}") for f in study["families"]] + seed_spread(study)
            + [_p(f"{study['n']} test images; seeds {', '.join(map(str, study['seeds']))}; per seed the twins' paired "
                  "difference at the real class mix (stratified McNemar), across seeds the mean with a Student-t "
                  "interval on k − 1 degrees of freedom.", "note")])


def seed_spread(study: dict) -> list:
    """Each replica's clean and robust accuracy, and how far the training seed alone moves a
    configuration's clean accuracy."""
    rows, sentences = [], []
    for family in study["families"]:
        clean = {"vanilla": [], "attentive": []}
        for entry in family["per_seed"]:
            row = {"family": family["title"], "seed": entry["seed"]}
            for twin in ("vanilla", "attentive"):
                accuracy = entry["accuracy"][twin]
                clean[twin].append(accuracy["clean"])
                row[f"{twin} clean"], row[f"{twin} at ε"] = accuracy["clean"], accuracy["robust"]
            rows.append(row)
        spans = {twin: 100 * (max(v) - min(v)) for twin, v in clean.items() if v}
        sentences.append(_p(f"{family['title']}: across the {len(family['per_seed'])} seeds the clean accuracy "
                            f"(real mix) spans {spans['vanilla']:.1f} points without attention and "
                            f"{spans['attentive']:.1f} with it, the same data and recipe, only the training seed "
                            "changed."))
    return [_table(pd.DataFrame(rows))] + sentences if rows else []
