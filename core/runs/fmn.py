"""Each image's smallest adversarial ε (FMN): the whole curve from one run."""

from __future__ import annotations

from dataclasses import dataclass

from core.runs.kind import RunKind


@dataclass(frozen=True)
class FmnSettings:
    data: str  # the test images' description
    n: int  # how many test images
    steps: int = 100  # FMN's steps per image (core.evaluate.minimum_norm.FMN_STEPS)

    def material(self) -> dict:
        return {"data": self.data, "n": self.n, "attack": "fmn-linf", "steps": self.steps}


def _run(spec, settings: FmnSettings, *, images, labels, root=None, results_root=None) -> dict:
    from core.evaluate import evaluate_minimum_norm

    return evaluate_minimum_norm(spec, images, labels, data=settings.data, steps=settings.steps, root=root,
                                 results_root=results_root)


def _compare(attentive: dict, vanilla: dict) -> dict:
    from core.evaluate.minimum_norm import star_comparison

    return star_comparison(attentive, vanilla)


def _summarise(result: dict) -> str:
    from core.formatting import epsilon_text

    median = result["median"]
    return (f"median ε* {epsilon_text(median['median'])} (95 % CI {median['low']:.4g} to {median['high']:.4g}); "
            f"{result['not_broken']} of {result['n']} not broken")


KIND = RunKind("fmn", "smallest adversarial ε", "fmn", FmnSettings, _run, _compare, _summarise, mode_flag="--fmn",
               field_flags={"n": "--n", "steps": "--fmn-steps"}, renamed={"--steps": "--fmn-steps"})
