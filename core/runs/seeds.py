"""The seed study: attention's effect across training seeds (a task-level run: every replica of
the task's four configurations, summarised in one file beside the task's results)."""

from __future__ import annotations

from dataclasses import dataclass

from core.runs.kind import RunKind


@dataclass(frozen=True)
class SeedSettings:
    data: str  # the test images' description
    n: int  # how many test images
    protocol: str  # the preset the study's robust accuracies are measured under
    fmn_key: str  # the minimum-norm runs it reads (core.evaluate.minimum_norm_key)
    seeds: tuple[int, ...]  # the training seeds compared

    def material(self) -> dict:
        return {"data": self.data, "n": self.n, "protocol": self.protocol, "fmn": self.fmn_key,
                "seeds": sorted(int(s) for s in self.seeds)}


def _run(spec, settings: SeedSettings, *, images=None, labels=None, root=None, results_root=None) -> dict:
    from core.evaluate.seeds import evaluate_seed_study

    return evaluate_seed_study(spec.task, settings.seeds, n=settings.n, profile=spec.profile, root=root,
                               results_root=results_root)


def _summarise(result: dict) -> str:
    return "; ".join(f"{family['title']}: {family['sentence']}" for family in result.get("families", []))


# The twins are compared inside the study (per seed and across seeds), not between two saved files.
KIND = RunKind("seeds", "seed study", "seeds", SeedSettings, _run, None, _summarise, mode_flag="--seed-study",
               field_flags={"n": "--n", "seeds": "--seed-study"}, implied=("data", "protocol", "fmn_key"))
