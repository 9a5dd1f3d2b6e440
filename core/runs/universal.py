"""How often one universal patch, learnt on the validation split, fools a model on held-out
test images, against the patch's area (core.evaluate.universal)."""

from __future__ import annotations

from dataclasses import dataclass

from core.runs import patches
from core.runs.kind import RunKind


@dataclass(frozen=True)
class UniversalSettings:
    data: str  # the held-out test images' description
    n: int  # how many test images
    learnt_on: str = ""  # the learning images' description ("" : the same data's validation split)
    n_learn: int = 200  # how many validation images each patch is learnt on
    areas: tuple[float, ...] = (0.01, 0.02, 0.04, 0.08)  # shares of the image (core.attacks.patch.AREAS)
    placement: str = "task"  # core.attacks.patch.PLACEMENTS
    steps: int = 100  # minibatch sign-gradient steps per candidate location
    seed: int = 0

    def material(self) -> dict:
        return {"data": self.data, "n": self.n, "learnt_on": self.learnt_on or _validation(self.data),
                "n_learn": self.n_learn, "areas": sorted(self.areas), "placement": self.placement,
                "steps": self.steps, "seed": self.seed}


def _validation(data: str) -> str:
    return data.replace("test split", "val split")


def _run(spec, settings: UniversalSettings, *, images, labels, root=None, results_root=None) -> dict:
    from core.evaluate.data import evaluation_data
    from core.evaluate.universal import evaluate_universal

    learn_images, learn_labels, learnt_on = evaluation_data(spec, n=settings.n_learn, split="val")
    return evaluate_universal(spec, learn_images, learn_labels, images, labels, data=settings.data,
                              learnt_on=settings.learnt_on or learnt_on, areas=settings.areas,
                              placement=settings.placement, steps=settings.steps, seed=settings.seed, root=root,
                              results_root=results_root)


def _summarise(result: dict) -> str:
    return "; ".join(f"{row['area']:.0%}: fools {row['success_rate']:.0%} ({row['success_low']:.0%}-"
                     f"{row['success_high']:.0%}) of {row['clean_correct']} held-out (learnt: "
                     f"{row['fooled_where_learnt']:.0%})" for row in result["areas"] if row["area"])


# the twins are compared as the per-image patch runs are: paired per area on the same test images
KIND = RunKind("universal", "universal patch", "universal", UniversalSettings, _run, patches.KIND.compare, _summarise,
               mode_flag="--universal-patch", field_flags={"n": "--n", "steps": "--patch-steps", "seed": "--seed"},
               renamed={"--steps": "--patch-steps"})
