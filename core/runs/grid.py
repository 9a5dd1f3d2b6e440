"""The robustness curve over an ε grid (paper Fig. 3/5/7) under a protocol, with its checks."""

from __future__ import annotations

from dataclasses import dataclass

from core.runs.kind import RunKind


@dataclass(frozen=True)
class GridSettings:
    data: str  # the test images' description (core.evaluate.evaluation_data)
    n: int  # how many test images
    epsilons: tuple[float, ...]  # the ε grid, [0, 1] pixel scale
    preset: str = "strong"  # a protocol of core.evaluate.PRESETS
    checks: bool = True  # run the checks beside the curve (they do not change it: not part of the key)

    def material(self) -> dict:
        from core.evaluate import PRESETS

        return {"data": self.data, "n": self.n, "epsilons": [float(e) for e in sorted(self.epsilons)],
                "attack": PRESETS[self.preset].to_dict()}


def _run(spec, settings: GridSettings, *, images, labels, root=None, results_root=None) -> dict:
    from core.evaluate import PRESETS, evaluate_model

    return evaluate_model(spec, images, labels, data=settings.data, epsilons=sorted(settings.epsilons),
                          attack=PRESETS[settings.preset], with_checks=settings.checks, root=root,
                          results_root=results_root)


def _compare(attentive: dict, vanilla: dict) -> list:
    from core.evaluate import twin_test

    return twin_test(attentive, vanilla)


def _summarise(result: dict) -> str:
    from core.formatting import epsilon_text

    return ", ".join(f"{epsilon_text(r['epsilon'])}: {r['accuracy']:.3f}" for r in result["curve"])


KIND = RunKind("grid", "robustness curve", "", GridSettings, _run, _compare, _summarise,
               field_flags={"n": "--n", "epsilons": "--epsilons", "preset": "--preset"})
