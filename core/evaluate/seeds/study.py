"""Attention's effect across training seeds: each seed's twins compared on the same images,
then the mean of the per-seed differences with a Student-t interval on k - 1 degrees of freedom
(Bouthillier et al. 2021)."""

from __future__ import annotations

import math

import numpy as np

from core.evaluate.minimum_norm import median_interval, stars_of, star_twin_test
from core.evaluate.twins import twin_test
from core.stats import SIGNIFICANCE, holm, possible_difference
from core.formatting import epsilon_text, in_255, points
from core.models.backbones import FAMILIES, FAMILY_TITLES
from core.models.spec import ModelSpec


def study_epsilon(stars, *, fallback: float) -> float:
    """The median of pooled ε* (the seed-0 twins'), to two significant digits; `fallback` where
    there are none or FMN broke fewer than half of the images."""
    values = np.asarray(stars, np.float64)
    if not len(values) or not np.isfinite(np.median(values)) or np.median(values) <= 0:
        return float(fallback)
    median = float(np.median(values))
    return float(f"{median:.2g}")


def mean_interval(values, *, level: float = 0.95) -> dict:
    """mean, low, high (Student-t on len - 1 degrees of freedom), sd and k of `values`."""
    from scipy import stats

    values = np.asarray(values, np.float64)
    k = len(values)
    if k == 0:
        raise ValueError("no values to average")
    mean = float(values.mean())
    if k == 1:
        return {"mean": mean, "low": float("nan"), "high": float("nan"), "sd": float("nan"), "k": 1}
    sd = float(values.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, k - 1)) * sd / math.sqrt(k)
    return {"mean": mean, "low": mean - half, "high": mean + half, "sd": sd, "k": k}


def _at(rows: list[dict], epsilon: float) -> dict:
    for row in rows:
        if math.isclose(row["epsilon"], epsilon, rel_tol=0, abs_tol=1e-12):
            return row
    raise ValueError(f"the saved results have no ε = {epsilon}; evaluate the replicas at it")


def _seed_row(seed: int, attentive: dict, vanilla: dict, epsilon: float) -> dict:
    """One seed's twins: clean and robust differences with their McNemar tests, and the ε*
    medians with the Wilcoxon test where both minimum-norm runs are there."""
    tests = twin_test(attentive["grid"], vanilla["grid"])
    clean, robust = _at(tests, 0.0), _at(tests, epsilon)
    row = {"seed": seed, "clean": {k: clean[k] for k in ("difference", "low", "high", "p_value")},
           "robust": {k: robust[k] for k in ("difference", "low", "high", "p_value", "n")},
           "accuracy": {name: {"clean": _at(r["grid"]["curve"], 0.0)["accuracy"],
                               "robust": _at(r["grid"]["curve"], epsilon)["accuracy"]}
                        for name, r in (("attentive", attentive), ("vanilla", vanilla))}}
    if attentive.get("fmn") and vanilla.get("fmn"):
        a, v = stars_of(attentive["fmn"]), stars_of(vanilla["fmn"])
        medians = {"attentive": median_interval(a), "vanilla": median_interval(v)}
        row["epsilon_star"] = {**medians, "difference": medians["attentive"]["median"] - medians["vanilla"]["median"],
                               "p_value": star_twin_test(a, v)["p_value"]}
    return row


def seed_study(found: dict[ModelSpec, dict], *, epsilons: dict[str, float]) -> list[dict]:
    """Per backbone family with at least two seeds whose twins both have a grid result: the
    per-seed rows and the mean over seeds (t-interval) of the robust-accuracy difference at
    the family's ε (`epsilons[family]`), the clean difference and the median-ε* difference,
    with one sentence.

    found: {replica spec: {"grid": strong result on [0, ε], "fmn": minimum-norm result or None,
    "card": the replica's card}}, all on the same test images.
    """
    summaries = []
    for family in FAMILIES:
        if family not in epsilons:
            continue
        epsilon = epsilons[family]
        seeds = sorted({s.seed for s in found if s.backbone == family})
        rows = []
        for seed in seeds:
            pair = {s.attention: r for s, r in found.items() if s.backbone == family and s.seed == seed}
            if True in pair and False in pair and pair[True].get("grid") and pair[False].get("grid"):
                rows.append(_seed_row(seed, pair[True], pair[False], epsilon))
        if len(rows) < 2:
            continue
        summary = {"family": family, "title": FAMILY_TITLES[family], "epsilon": epsilon, "per_seed": rows,
                   "robust": mean_interval([r["robust"]["difference"] for r in rows]),
                   "clean": mean_interval([r["clean"]["difference"] for r in rows])}
        if all("epsilon_star" in r for r in rows):
            summary["epsilon_star"] = mean_interval([r["epsilon_star"]["difference"] for r in rows])
        summaries.append(with_holm(summary))
    return summaries


def with_holm(summary: dict) -> dict:
    """`summary` with each per-seed test's Holm-adjusted p (`p_holm`: the family's seeds are one
    family of tests, per measure) and its sentence written from them; a study saved before the
    adjustment gets both when it is read."""
    rows = summary["per_seed"]
    for measure in ("robust", "clean", "epsilon_star"):
        tested = [row[measure] for row in rows if "p_value" in row.get(measure, {})]
        for test, adjusted in zip(tested, holm([test["p_value"] for test in tested])):
            test["p_holm"] = adjusted
    summary["sentence"] = study_sentence(summary)
    return summary


def study_sentence(summary: dict) -> str:
    """e.g. "Across 3 training seeds, soft attention changes the compact ResNet-50's robust
    accuracy at ε = 0.005 by −4.1 points on average (95 % t-interval −20.3 to +12.1; per seed
    −12.7, +3.0, −2.6, 0 of 3 significant alone by McNemar after Holm's adjustment over the seeds):
    training randomness is as large as the
    effect, so one trained pair cannot say what the architecture does." """
    rows, mean = summary["per_seed"], possible_difference(summary["robust"])
    per_seed = ", ".join(points(r["robust"]["difference"]) for r in rows)
    significant = [r for r in rows if r["robust"].get("p_holm", r["robust"]["p_value"]) < SIGNIFICANCE]
    same_sign = len({r["robust"]["difference"] > 0 for r in rows if r["robust"]["difference"] != 0}) <= 1
    head = (f"Across {len(rows)} training seeds, soft attention changes {summary['title']}'s robust accuracy at "
            f"{epsilon_text(summary['epsilon'])} by {points(mean['mean'])} points on average (95 % t-interval "
            f"{points(mean['low'])} to {points(mean['high'])}{', cut to the possible range' if mean['cut'] else ''}; "
            f"per seed {per_seed}, {len(significant)} of "
            f"{len(rows)} significant alone by McNemar after Holm's adjustment over the seeds)")
    if mean["low"] > 0 or mean["high"] < 0:
        direction = "raises" if mean["mean"] > 0 else "lowers"
        tail = f"attention {direction} robustness for this architecture, beyond training randomness"
    elif same_sign:
        tail = ("every seed points the same way, but the interval over seeds includes 0: more seeds would "
                "settle whether this is the architecture")
    else:
        tail = ("the sign changes with the training seed: one trained pair cannot say what the architecture "
                "does")
    star = summary.get("epsilon_star")
    extra = (f" The median smallest adversarial ε moves by {in_255(star['mean']):+.2f}/255 on average "
             f"(t-interval {in_255(star['low']):+.2f} to {in_255(star['high']):+.2f})." if star else "")
    return f"{head}: {tail}.{extra}"

