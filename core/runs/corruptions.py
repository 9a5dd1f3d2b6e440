"""Accuracy against severity under each natural corruption of the task's modality."""

from __future__ import annotations

from dataclasses import dataclass

from core.runs.kind import RunKind


@dataclass(frozen=True)
class CorruptionSettings:
    data: str  # the test images' description
    n: int  # how many test images
    corruptions: tuple[str, ...]  # keys of core.corruptions.CORRUPTIONS
    seed: int = 0  # the corruptions' random draws

    def material(self) -> dict:
        return {"data": self.data, "n": self.n, "corruptions": sorted(self.corruptions), "seed": self.seed}


def _run(spec, settings: CorruptionSettings, *, images, labels, root=None, results_root=None) -> dict:
    from core.evaluate import evaluate_corruptions

    return evaluate_corruptions(spec, images, labels, data=settings.data, names=list(settings.corruptions),
                                seed=settings.seed, root=root, results_root=results_root)


def _compare(attentive: dict, vanilla: dict) -> dict:
    from core.evaluate import corruption_twin_test

    return corruption_twin_test(attentive, vanilla)


def _summarise(result: dict) -> str:
    return f"{len(result['corruptions'])} corruptions on {result['n']} images"


KIND = RunKind("corruptions", "natural corruptions", "corruptions", CorruptionSettings, _run, _compare, _summarise,
               mode_flag="--corruptions", field_flags={"n": "--n", "corruptions": "--corruptions", "seed": "--seed"})
