"""Which way a binary model is fooled: its operating point, fixed once on the validation split
(Youden's J: the threshold on the positive-class probability that maximises sensitivity +
specificity - 1; Youden 1950), and the sensitivity and specificity at that threshold, with
Wilson intervals, clean, under attack or under a corruption. A falling sensitivity is a
finding hidden (a pneumothorax missed); a falling specificity, one invented (Finlayson et al.
2019: the harms differ).

    youden_threshold(scores, labels)                    -> {threshold, sensitivity, specificity, youden_j}
    sensitivity_specificity(scores, labels, threshold)  -> both with their intervals
    under_attack(result, threshold)                     -> one row per epsilon of a saved binary curve
    under_corruption(result, threshold)                 -> {corruption: one row per severity}
    card_threshold(card)                                -> the card's operating point, or 0.5 and why
    harm_sentence(title, clean, changed, condition)     -> both harms in one sentence
    boundary_gap(scores, labels, threshold)             -> images the operating point calls right only
                                                           because the attack aimed at 0.5
    boundary_gap_at(result, threshold, epsilon)         -> the same, at one epsilon of a saved curve
    gap_sentence(title, gap, condition)                 -> what that gap means, or None

On two classes an attack aimed at the other class is the untargeted attack (core.attacks.pgd),
so the curve's positives measure the attack that hides the finding and its negatives the attack
that invents it: the two harms are read apart from one run.
"""

from __future__ import annotations

import numpy as np

from core.stats import proportion_ci


def youden_threshold(scores, labels) -> dict:
    """The threshold on `scores` (positive-class probabilities) maximising Youden's J on these
    labels (1 = positive); a score at or above it is called positive. Ties in J: the threshold
    nearest 0.5. ValueError without both classes."""
    scores, labels = np.asarray(scores, np.float64), np.asarray(labels).astype(bool)
    if scores.shape != labels.shape or not labels.any() or labels.all():
        raise ValueError("an operating point needs scores and labels of the same length with both classes present")
    values = np.unique(scores)
    candidates = np.r_[values[0], (values[1:] + values[:-1]) / 2, values[-1] + 1e-12]  # between observed scores
    positives, negatives = labels.sum(), (~labels).sum()
    sensitivity = np.array([(scores[labels] >= t).sum() / positives for t in candidates])
    specificity = np.array([(scores[~labels] < t).sum() / negatives for t in candidates])
    youden = sensitivity + specificity - 1
    best = np.flatnonzero(np.isclose(youden, youden.max()))
    chosen = best[np.argmin(np.abs(candidates[best] - 0.5))]
    return {"threshold": float(candidates[chosen]), "sensitivity": float(sensitivity[chosen]),
            "specificity": float(specificity[chosen]), "youden_j": float(youden[chosen]), "n": int(len(labels))}


def sensitivity_specificity(scores, labels, threshold: float) -> dict:
    """Sensitivity and specificity of calling `scores` >= `threshold` positive, each with its
    95 % Wilson interval and counts."""
    scores, labels = np.asarray(scores, np.float64), np.asarray(labels).astype(bool)
    called = scores >= threshold
    found, positives = int((called & labels).sum()), int(labels.sum())
    cleared, negatives = int((~called & ~labels).sum()), int((~labels).sum())
    sens_low, sens_high = proportion_ci(found, positives)
    spec_low, spec_high = proportion_ci(cleared, negatives)
    return {"threshold": float(threshold),
            "sensitivity": found / positives if positives else float("nan"), "sensitivity_low": sens_low,
            "sensitivity_high": sens_high, "positives": positives,
            "specificity": cleared / negatives if negatives else float("nan"), "specificity_low": spec_low,
            "specificity_high": spec_high, "negatives": negatives}


def under_attack(result: dict, threshold: float) -> list[dict]:
    """Sensitivity and specificity at `threshold` at each epsilon of a saved curve of a binary
    task (core.evaluate results keep each image's positive-class score under attack)."""
    from core.encoding import text_to_labels

    if "labels" not in result or not all("scores" in row for row in result["curve"]):
        raise ValueError("this result keeps no per-image scores and labels (a binary task's curve saved by "
                         "core.evaluate does): evaluate it again")
    labels = text_to_labels(result["labels"]) == 1
    return [{"epsilon": row["epsilon"], **sensitivity_specificity(row["scores"], labels, threshold)}
            for row in result["curve"]]


def under_corruption(result: dict, threshold: float) -> dict:
    """{corruption: sensitivity and specificity at `threshold` per severity} of a saved binary
    corruption run (core.evaluate.corruption keeps each image's positive-class score)."""
    from core.encoding import text_to_labels

    curves = result.get("corruptions", {})
    if "labels" not in result or not all("scores" in row for rows in curves.values() for row in rows):
        raise ValueError("this corruption run keeps no per-image scores (a binary task's run saved by core.evaluate "
                         "does): evaluate it again")
    labels = text_to_labels(result["labels"]) == 1
    return {name: [{"severity": row["severity"], **sensitivity_specificity(row["scores"], labels, threshold)}
                   for row in rows] for name, rows in curves.items()}


def card_threshold(card: dict) -> tuple[float, str]:
    """The operating point a model's card fixed on its validation split, and where it came
    from; 0.5 (the arg-max rule) with the reason when the card has none."""
    point = (card.get("metrics") or {}).get("operating_point") or {}
    if point.get("threshold") is not None:
        return float(point["threshold"]), f"Youden's J on the {point.get('fixed_on', 'validation split')}"
    return 0.5, "0.5 (the arg-max rule): this model's card fixes no operating point; train it again to fix one"


def boundary_gap(scores, labels, threshold: float) -> dict:
    """The images an operating point calls right only because the evaluation attacks the
    arg-max decision (0.5) and does not attack an image again at a larger ε once it is fooled:
    below 0.5, positives scored in [threshold, 0.5), still called positive; above, negatives
    in [0.5, threshold), still cleared. An attack aimed at the operating point would press them
    further, so the sensitivity (or specificity) read there is an upper bound."""
    scores, labels = np.asarray(scores, np.float64), np.asarray(labels).astype(bool)
    if threshold < 0.5:
        between, kept = labels & (scores >= threshold) & (scores < 0.5), labels & (scores >= threshold)
        measure = "sensitivity"
    else:
        between, kept = ~labels & (scores >= 0.5) & (scores < threshold), ~labels & (scores < threshold)
        measure = "specificity"
    total = int(labels.sum()) if measure == "sensitivity" else int((~labels).sum())
    return {"measure": measure, "threshold": float(threshold), "between": int(between.sum()), "kept": int(kept.sum()),
            "total": total}


def boundary_gap_at(result: dict, threshold: float, epsilon: float) -> dict:
    """boundary_gap at `epsilon` of a saved binary curve (its per-image scores and labels, as
    under_attack reads them)."""
    from core.encoding import text_to_labels

    scores = next(row["scores"] for row in result["curve"] if row["epsilon"] == epsilon)
    return boundary_gap(scores, text_to_labels(result["labels"]) == 1, threshold)


def gap_sentence(title: str, gap: dict, condition: str) -> str | None:
    """boundary_gap in words (None where no image lies in the gap)."""
    if not gap["between"]:
        return None
    point = f"its operating point ({gap['threshold']:.3f})"
    who, called, side = (("positives", "still called positive", f"between {point} and 0.5")
                         if gap["measure"] == "sensitivity" else
                         ("negatives", "still cleared", f"between 0.5 and {point}"))
    return (f"{title}, {condition}: {gap['between']} of the {gap['kept']} {who} {called} score {side}. The "
            "evaluation attacks the arg-max decision (0.5) and does not attack an image again once it is fooled, "
            f"so an attack aimed at the operating point would likely turn these too: the {gap['measure']} above is "
            f"an upper bound; with them turned it would be {(gap['kept'] - gap['between']) / gap['total']:.2f}.")


def harm_sentence(title: str, clean: dict, changed: dict, condition: str) -> str:
    """One sentence on both harms from two rows of sensitivity_specificity (clean, and under
    `condition`, e.g. "at ε = 0.01 (2.55/255)"): findings hidden and findings invented."""
    def called(row, measure, total):
        return round(row[measure] * row[total])

    missed = changed["positives"] - called(changed, "sensitivity", "positives")
    missed_clean = clean["positives"] - called(clean, "sensitivity", "positives")
    invented = changed["negatives"] - called(changed, "specificity", "negatives")
    invented_clean = clean["negatives"] - called(clean, "specificity", "negatives")
    return (f"{title}, {condition}: sensitivity {clean['sensitivity']:.2f} → {changed['sensitivity']:.2f} "
            f"(95 % CI {changed['sensitivity_low']:.2f}–{changed['sensitivity_high']:.2f}), the finding hidden in "
            f"{missed} of {changed['positives']} positive images ({missed_clean} clean); specificity "
            f"{clean['specificity']:.2f} → {changed['specificity']:.2f} (95 % CI {changed['specificity_low']:.2f}–"
            f"{changed['specificity_high']:.2f}), a finding invented in {invented} of {changed['negatives']} "
            f"negative images ({invented_clean} clean).")
