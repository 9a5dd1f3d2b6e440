"""Which class an attack turns each class into: the confusion matrix under attack, read from a
saved multi-class curve (each row keeps the class every image became, core.evaluate.curve).

    confusion_under_attack(result, epsilon)   counts, row shares and one sentence per class

For a clinician the direction matters more than the count: melanoma read as a naevus is a
cancer sent home; a naevus read as melanoma is an excision too many (Finlayson et al. 2019).
"""

from __future__ import annotations

import numpy as np

from core.encoding import text_to_labels
from core.formatting import epsilon_text
from core.models.spec import ModelSpec
from core.stats import proportion_ci


def confusion_under_attack(result: dict, epsilon: float) -> dict:
    """The confusion matrix (true class x predicted class, counts) of a saved multi-class curve
    at `epsilon`, each row's shares, and for each class the class its images most often became
    under attack, with the share's 95 % Wilson interval. ValueError when the result keeps no
    predictions (an older one, or a binary task: its scores give sensitivity and specificity)."""
    task = ModelSpec.from_dict(result["spec"]).task_info
    row = next((r for r in result["curve"] if np.isclose(r["epsilon"], epsilon)), None)
    if row is None:
        grid = ", ".join(epsilon_text(r["epsilon"]) for r in result["curve"])
        raise ValueError(f"this result has no ε {epsilon_text(epsilon)}; it was evaluated at {grid}")
    if "predicted" not in row or "labels" not in result:
        raise ValueError("this result keeps no per-image predictions (multi-class curves saved by core.evaluate "
                         "since the confusion matrix was added do): evaluate it again")
    labels, predicted = text_to_labels(result["labels"]), text_to_labels(row["predicted"])
    k = task.num_classes
    counts = np.zeros((k, k), np.int64)
    np.add.at(counts, (labels, predicted), 1)
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.full((k, k), np.nan), where=totals > 0)
    return {"epsilon": float(row["epsilon"]), "classes": list(task.classes), "class_names": list(task.class_names),
            "counts": counts.tolist(), "shares": shares.tolist(),
            "became": [_became(task, counts, i) for i in range(k)]}


def _became(task, counts: np.ndarray, true: int) -> dict:
    """What class `true`'s images most often became when they were misclassified."""
    n = int(counts[true].sum())
    wrong = counts[true].copy()
    wrong[true] = 0
    name = task.class_names[true]
    if n == 0:
        return {"class": task.classes[true], "n": 0, "sentence": f"{name}: no images in the sample"}
    if wrong.sum() == 0:
        return {"class": task.classes[true], "n": n, "kept": n,
                "sentence": f"{name}: all {n} kept their class"}
    to = int(wrong.argmax())
    low, high = proportion_ci(int(wrong[to]), n)
    return {"class": task.classes[true], "n": n, "kept": int(counts[true, true]), "to": task.classes[to],
            "share": wrong[to] / n, "low": low, "high": high,
            "sentence": (f"{name}: {counts[true, true]} of {n} kept their class; most often became "
                         f"{task.class_names[to]} ({wrong[to]} of {n}, {100 * wrong[to] / n:.0f} % "
                         f"[{100 * low:.0f}, {100 * high:.0f}])")}
