"""Every kind of saved run, one shape: a registry (RUN_KINDS: name -> core.runs.kind.RunKind)
of its settings type, its key, how it runs a model, how it compares twins and how it summarises,
over one store (core.store). Adding a kind is one file here and one line below.

    grid         the robustness curve over an ε grid under a protocol (core.evaluate)
    fmn          each image's smallest adversarial ε (core.evaluate.minimum_norm)
    corruptions  accuracy under natural corruptions (core.evaluate.corruption)
    mechanism    margins, gradients, curvature, CLEVER (core.mechanism)
    seeds        the seed study, task-level (core.evaluate.seeds)
    patches      how often an adversarial patch fools, against its area (core.evaluate.patches)
    universal    how often one universal patch fools held-out images, against its area
"""

from core.runs import corruptions, fmn, grid, mechanism, patches, seeds, universal
from core.runs.kind import RunKind

RUN_KINDS: dict[str, RunKind] = {module.KIND.name: module.KIND for module in (grid, fmn, corruptions, mechanism, seeds, patches,
                                                                          universal)}

__all__ = ["RUN_KINDS", "RunKind"]
