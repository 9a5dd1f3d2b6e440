"""Why one twin is harder to fool: margins, gradients, curvature, CLEVER, loss surfaces."""

from __future__ import annotations

from dataclasses import dataclass

from core.runs.kind import RunKind


@dataclass(frozen=True)
class MechanismSettings:
    data: str  # the test images' description
    n: int  # how many test images
    epsilon: float  # the radius the measures are taken at
    seed: int = 0  # the attacks' and estimates' random draws

    def material(self) -> dict:
        return {"data": self.data, "n": self.n, "epsilon": float(self.epsilon), "seed": self.seed}


def _run(spec, settings: MechanismSettings, *, images, labels, root=None, results_root=None) -> dict:
    from core.mechanism import evaluate_mechanism

    return evaluate_mechanism(spec, images, labels, data=settings.data, epsilon=settings.epsilon, seed=settings.seed,
                              root=root, results_root=results_root)


def _compare(attentive: dict, vanilla: dict) -> dict:
    from core.mechanism import mechanism_twin_tests

    return mechanism_twin_tests(attentive, vanilla)


def _summarise(result: dict) -> str:
    return f"{len(result['measures'])} measures on {result['n']} images"


KIND = RunKind("mechanism", "mechanism profile", "mechanism", MechanismSettings, _run, _compare, _summarise,
               mode_flag="--mechanism", field_flags={"n": "--n", "epsilon": "--mechanism-epsilon", "seed": "--seed"},
               renamed={"--epsilon": "--mechanism-epsilon"})
