"""Does each saliency method point at the finding, clean and under attack? The localisation
part of the explain audit, on synthetic test images whose ground truth is known.

Per method, part (finding, shortcut) and epsilon: the pointing-game hit rate with its Wilson
interval and the mean share of the map's mass inside the mask with a bootstrap interval
(core.explain.localisation), over the images that have that part.
"""

from __future__ import annotations

import numpy as np

from core.explain.localisation import localisation
from core.explain.registry import Method
from core.stats import proportion_ci

PARTS = ("lesion", "shortcut")
BOOTSTRAP = 1000


def grounding_rates(model, images, labels, truth: dict, *, methods: dict[str, Method], epsilons,
                    steps: int = 10, seed: int = 0) -> dict:
    """{method: {part: [{"epsilon", "n", "pointing", "pointing_low", "pointing_high", "energy",
    "energy_low", "energy_high", "hits", "energies"}]}}; epsilon 0 is the clean map. The attack
    is PGD on the true class (`steps` steps of 2.5 eps / steps, seeded)."""
    from core.attacks import pgd, predict_logits

    present = {part: np.flatnonzero(np.asarray(truth[part]).reshape(len(labels), -1).max(axis=1) >= 0.5)
               for part in PARTS}
    rates = {name: {part: [] for part in PARTS} for name in methods}
    for epsilon in sorted(float(e) for e in epsilons):
        attacked = images if epsilon == 0 else pgd(model, images, labels, epsilon=epsilon, steps=steps,
                                                   rel_stepsize=2.5 / steps, seed=seed)
        classes = predict_logits(model, attacked).argmax(axis=1).astype(np.int32)
        for name, method in methods.items():
            maps = method.fn(model, attacked, classes)
            for part in PARTS:
                chosen = present[part]
                if not chosen.size:
                    continue
                scores = localisation(maps[chosen], np.asarray(truth[part])[chosen])
                rates[name][part].append(_row(epsilon, scores, seed))
    return rates


def _row(epsilon: float, scores: dict, seed: int) -> dict:
    hits = scores["pointing_game"][~np.isnan(scores["pointing_game"])]
    energies = scores["energy_inside"][~np.isnan(scores["energy_inside"])]
    k, n = int(hits.sum()), int(hits.size)
    low, high = proportion_ci(k, n)
    energy_low, energy_high = _mean_interval(energies, seed)
    return {"epsilon": epsilon, "n": n, "pointing": k / n if n else float("nan"), "pointing_low": low,
            "pointing_high": high, "energy": float(energies.mean()) if energies.size else float("nan"),
            "energy_low": energy_low, "energy_high": energy_high,
            "hits": "".join("1" if h else "0" for h in hits), "energies": [round(float(e), 4) for e in energies]}


def _mean_interval(values: np.ndarray, seed: int) -> tuple[float, float]:
    """95 % BCa bootstrap interval of the mean (scipy.stats.bootstrap); nan below 3 values."""
    if values.size < 3 or np.ptp(values) == 0:
        value = float(values.mean()) if values.size else float("nan")
        return value, value
    from scipy.stats import bootstrap

    result = bootstrap((values,), np.mean, n_resamples=BOOTSTRAP, rng=np.random.default_rng(seed))
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def grounding_rows(audits: dict) -> list[dict]:
    """The saved audits' localisation as table rows: {title: audit} -> one row per model,
    method, part and epsilon (rates with their intervals)."""
    from core.explain.registry import METHODS

    rows = []
    for title, audit in audits.items():
        for method, parts in audit.get("localisation", {}).items():
            for part, entries in parts.items():
                for entry in entries:
                    rows.append({"model": title, "method": METHODS[method].title if method in METHODS else method,
                                 "looks at": PART_TITLES[part], "ε": entry["epsilon"], "images": entry["n"],
                                 "points at it": entry["pointing"],
                                 "95 % CI": f"{entry['pointing_low']:.2f}–{entry['pointing_high']:.2f}",
                                 "share of the map inside": entry["energy"],
                                 "share 95 % CI": f"{entry['energy_low']:.2f}–{entry['energy_high']:.2f}"})
    return rows


PART_TITLES = {"lesion": "the finding", "shortcut": "the shortcut"}


def grounding_twin_test(attentive: dict, vanilla: dict, *, method: str, part: str = "lesion") -> list[dict]:
    """Attentive minus vanilla pointing-game rate per epsilon, paired on the same audit images
    (Newcombe's interval, exact McNemar), with one sentence each; [] when either lacks it."""
    from core.formatting import epsilon_text, points
    from core.stats import SIGNIFICANCE, holm, paired_difference

    a = attentive.get("localisation", {}).get(method, {}).get(part, [])
    b = vanilla.get("localisation", {}).get(method, {}).get(part, [])
    rows = []
    for x, y in zip(a, b):
        if x["epsilon"] != y["epsilon"] or len(x["hits"]) != len(y["hits"]) or not x["hits"]:
            continue
        test = paired_difference([h == "1" for h in x["hits"]], [h == "1" for h in y["hits"]])
        rows.append({"epsilon": x["epsilon"], **test})
    for row, adjusted in zip(rows, holm([row["p_value"] for row in rows])):  # the ε of one method: one family
        where = "clean" if row["epsilon"] == 0 else f"at {epsilon_text(row['epsilon'])}"
        verdict = ("a significant difference" if adjusted < SIGNIFICANCE else
                   f"no difference detected; the data allow from {points(row['low'])} to {points(row['high'])} points")
        row["p_holm"] = adjusted
        row["sentence"] = (f"{where.capitalize()}, the attentive model's map points at {PART_TITLES[part]} "
                           f"{points(row['difference'])} points more often than its vanilla twin's (95 % CI "
                           f"{points(row['low'])} to {points(row['high'])}, McNemar p = {row['p_value']:.2g}, "
                           f"{adjusted:.2g} after Holm's adjustment over the {len(rows)} ε): {verdict} "
                           f"on these {row['n']} images.")
    return rows
