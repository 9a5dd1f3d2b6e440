"""How often an adversarial patch fools a model, against the patch's area (core.evaluate.patches)."""

from __future__ import annotations

from dataclasses import dataclass

from core.runs.kind import RunKind


@dataclass(frozen=True)
class PatchSettings:
    data: str  # the test images' description
    n: int  # how many test images
    areas: tuple[float, ...] = (0.01, 0.02, 0.04, 0.08)  # shares of the image (core.attacks.patch.AREAS)
    placement: str = "task"  # core.attacks.patch.PLACEMENTS
    steps: int = 100  # sign-gradient steps per candidate location
    seed: int = 0  # the patches' random starts

    def material(self) -> dict:
        return {"data": self.data, "n": self.n, "areas": sorted(self.areas), "placement": self.placement,
                "steps": self.steps, "seed": self.seed}


def _run(spec, settings: PatchSettings, *, images, labels, root=None, results_root=None) -> dict:
    from core.evaluate.patches import evaluate_patches

    return evaluate_patches(spec, images, labels, data=settings.data, areas=settings.areas,
                            placement=settings.placement, steps=settings.steps, seed=settings.seed, root=root,
                            results_root=results_root)


def _compare(attentive: dict, vanilla: dict) -> list:
    from core.evaluate.patches import patches_twin_test

    return patches_twin_test(attentive, vanilla)


def _summarise(result: dict) -> str:
    return "; ".join(f"{row['area']:.0%}: fools {row['success_rate']:.0%} ({row['success_low']:.0%}-"
                     f"{row['success_high']:.0%}) of {row['clean_correct']}" for row in result["areas"] if row["area"])


KIND = RunKind("patches", "adversarial patches", "patches", PatchSettings, _run, _compare, _summarise,
               mode_flag="--patches", field_flags={"n": "--n", "steps": "--patch-steps", "seed": "--seed"},
               renamed={"--steps": "--patch-steps"})
