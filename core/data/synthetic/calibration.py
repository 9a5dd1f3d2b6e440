"""What the synthetic demo is calibrated to: each task's clean-performance band, taken from the
paper (section 4) or, where it gives none, from the task's reference model, and how a trained
model's card stands against it.

The generators' difficulty (typicality, look-alikes, graders' disagreement) and the demo recipe
were tuned until the compact undefended models' 95 % intervals met these bands; the findings
show every bundled model against its task's band, so a retrained zoo that drifts out is seen.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """One task's calibration band for the demo's undefended models."""

    metric: str  # the card metric judged: "clean_accuracy" (re-weighted to the real mix) or "auc"
    low: float  # the band, on that metric
    high: float
    ceiling: float | None  # no point estimate above this (an easier task than the real one); None: no ceiling
    basis: str  # where the band comes from, for a reader

    @property
    def title(self) -> str:
        return "clean accuracy (real mix)" if self.metric == "clean_accuracy" else "AUC"


TARGETS: dict[str, Target] = {
    # Paper section 4: ResNet-50 0.905 without attention, 0.88 with (Fig. 3), a few points either
    # side for a 96 px demo trained on a few thousand images.
    "derm": Target("clean_accuracy", 0.86, 0.93, 0.95,
                   "the paper's ResNet-50s (0.88 with attention, 0.905 without, its Fig. 3), a few points either side"),
    # Paper section 4: 0.832 without attention, 0.818 with (Fig. 5), a few points either side.
    "fundus": Target("clean_accuracy", 0.79, 0.87, 0.95,
                     "the paper's ResNet-50s (0.818 with attention, 0.832 without, its Fig. 5), a few points either side"),
    # The paper gives no clean figure for pneumothorax; CheXNet's AUC on ChestX-ray14 (Rajpurkar
    # et al. 2017: 0.8887) is the task's reference, about 4 points either side.
    "cxr": Target("auc", 0.85, 0.93, None,
                  "CheXNet's pneumothorax AUC on ChestX-ray14 (0.889, Rajpurkar et al. 2017), about 4 points either side"),
}


def standing(task: str, metrics: dict) -> str:
    """How a card's `metrics` stand against `task`'s band: "meets" (the 95 % interval overlaps the
    band and the estimate is under the ceiling), "above", "below", or "unknown" (not measured)."""
    target = TARGETS[task]
    value = metrics.get(target.metric)
    low, high = metrics.get(f"{target.metric}_low"), metrics.get(f"{target.metric}_high")
    if value is None or low is None or high is None:
        return "unknown"
    if low > target.high or (target.ceiling is not None and value > target.ceiling):
        return "above"
    if high < target.low:
        return "below"
    return "meets"


def band_text(task: str) -> str:
    """The band in words: 'clean accuracy (real mix) 0.86–0.93, no estimate above 0.95'."""
    target = TARGETS[task]
    ceiling = f", no estimate above {target.ceiling:.2f}" if target.ceiling is not None else ""
    return f"{target.title} {target.low:.2f}–{target.high:.2f}{ceiling}"
