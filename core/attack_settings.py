"""The attacks as typed, frozen settings: what a page, a preset or a background job hands to
the engine (core.evaluate.PRESETS is built from them; core.attacks re-exports them). Outside
core.attacks, and free of any engine import, so that a page can build one without loading
TensorFlow; core.attacks.run(setting, model, images, labels, *, epsilon, seed) runs it.

Every setting has a `kind` (the attack it describes), a title and scaled(factor) (Carlini et
al.'s "more iterations").
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

from core.paper import PAPER_REL_STEPSIZE, PAPER_STEPS

P_INIT = 0.8  # Square's initial share of changed pixels: the authors' default for L-inf
DEFAULT_NORM = "linf"  # the paper's threat model (core.attacks.norms)


class _NormShownWhenNotDefault:
    """The threat model named in a setting's repr and dict only where it is not the paper's
    L-inf: every key saved before settings had a norm (the explorer's cache and bundled views,
    the results' file names) stays what it was."""

    def __repr__(self) -> str:
        shown = [f"{f.name}={getattr(self, f.name)!r}" for f in fields(self)
                 if f.name != "norm" or self.norm != DEFAULT_NORM]
        return f"{type(self).__name__}({', '.join(shown)})"


def settings_dict(setting) -> dict:
    """A setting as the dict its key is built from: {"kind", fields...}, the norm only where it
    is not L-inf."""
    values = asdict(setting)
    if values.get("norm") == DEFAULT_NORM:
        del values["norm"]
    return {"kind": setting.kind, **values}


NORMS = ("linf", "l2")  # the threat models (core.attacks.norms holds their helpers)


def check_norm(norm: str) -> str:
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {list(NORMS)}, got {norm!r}")
    return norm


LESION_SIDE_SHARE = 0.25  # a lesion-sized square: a quarter of the image's side (the synthetic lesions' scale)


def l2_radius(epsilon: float, size: int) -> float:
    """The L2 radius an L-inf ε stands for here: the L2 length of a change of ε on every channel
    of every pixel of a lesion-sized square (a quarter of the side of a size x size RGB image),
    ε sqrt(3) size / 4. The explorer's L2 threat and the L2 grid use it, so an L2 attack at
    "ε" may spend the same energy as an L-inf one confined to a lesion, anywhere."""
    return float(epsilon) * 3 ** 0.5 * size * LESION_SIDE_SHARE


def l2_grid(epsilons, size: int) -> tuple[float, ...]:
    """A task's L2 grid: the radius (l2_radius) each ε of its L-inf grid stands for on
    size x size images, so the L2 curve's points sit beside the paper's."""
    return tuple(l2_radius(e, size) for e in epsilons)



@dataclass(frozen=True, repr=False)
class PGD(_NormShownWhenNotDefault):
    """L-inf PGD (core.attacks.pgd): `steps` steps of rel_stepsize x epsilon."""

    steps: int = PAPER_STEPS  # foolbox's default, the paper's
    rel_stepsize: float = PAPER_REL_STEPSIZE  # step = rel_stepsize * eps (foolbox: 0.01 / 0.3)
    random_start: bool = True
    loss: str = "ce"
    restarts: int = 1
    engine: str = "native"
    norm: str = DEFAULT_NORM  # "linf" (the paper's) or "l2" (core.attacks.norms)

    kind = "pgd"

    def __post_init__(self):
        check_norm(self.norm)

    @property
    def title(self) -> str:
        start = "" if self.random_start else ", no random start"
        norm = "" if self.norm == DEFAULT_NORM else f" {self.norm.upper()}"
        return f"PGD{norm}-{self.loss} ({self.steps} steps of {self.rel_stepsize:.3g} ε{start})"

    def scaled(self, factor: int) -> "PGD":
        return replace(self, steps=self.steps * factor)


@dataclass(frozen=True)
class FGSM:
    """One full sign step (core.attacks.fgsm)."""

    loss: str = "ce"

    kind = "fgsm"

    @property
    def title(self) -> str:
        return f"FGSM-{self.loss}"

    def scaled(self, factor: int) -> "FGSM":
        return self  # one step by definition


@dataclass(frozen=True, repr=False)
class APGD(_NormShownWhenNotDefault):
    """Auto-PGD (core.attacks.apgd; Croce & Hein 2020)."""

    steps: int = 100  # Croce & Hein's N_iter
    loss: str = "ce"
    restarts: int = 1
    engine: str = "native"
    norm: str = DEFAULT_NORM  # "linf" (the paper's) or "l2" (core.attacks.norms)

    kind = "apgd"

    def __post_init__(self):
        check_norm(self.norm)

    @property
    def title(self) -> str:
        norm = "" if self.norm == DEFAULT_NORM else f" {self.norm.upper()}"
        return f"APGD{norm}-{self.loss} ({self.steps} steps)"

    def scaled(self, factor: int) -> "APGD":
        return replace(self, steps=self.steps * factor)


@dataclass(frozen=True, repr=False)
class Square(_NormShownWhenNotDefault):
    """Square Attack (core.attacks.square; Andriushchenko et al. 2020), gradient-free. Its L2
    search runs on ART's SquareAttack(norm=2) (engine "art"); the native engine is L-inf."""

    queries: int = 1000
    p_init: float = P_INIT
    engine: str = "native"
    norm: str = DEFAULT_NORM  # "linf" (the paper's) or "l2"

    kind = "square"

    def __post_init__(self):
        check_norm(self.norm)
        if self.norm == "l2" and self.engine != "art":
            raise ValueError(f"Square-L2 runs on ART's SquareAttack(norm=2): engine must be 'art', got {self.engine!r}")

    @property
    def title(self) -> str:
        norm = "" if self.norm == DEFAULT_NORM else f" {self.norm.upper()}"
        return f"Square{norm} ({self.queries} queries)"

    def scaled(self, factor: int) -> "Square":
        return replace(self, queries=self.queries * factor)


@dataclass(frozen=True)
class Patch:
    """An adversarial patch (core.attacks.patch): a visible square of free pixels covering
    `area` of the image where an artefact would sit; its size is its area, so epsilon does not
    apply."""

    area: float = 0.02  # share of the image: core.attacks.patch.AREAS are 1, 2, 4, 8 %
    placement: str = "task"  # a key of core.attacks.patch.PLACEMENTS
    steps: int = 50  # sign-gradient steps per candidate location
    task: str | None = None  # whose artefact locations "task" uses
    loss: str = "ce"

    kind = "patch"

    @property
    def title(self) -> str:
        return f"patch of {self.area:.0%} ({self.placement}, {self.steps} steps)"

    def scaled(self, factor: int) -> "Patch":
        return replace(self, steps=self.steps * factor)


def takes_epsilon(perturbation) -> bool:
    """Whether `perturbation` has a radius ε: an attack in a norm ball does; a natural
    corruption and a patch (whose size is its area) do not."""
    return not isinstance(perturbation, (Natural, Patch))


def changed_word(perturbation) -> str:
    """What the changed image is called: "corrupted", "patched" or "adversarial"."""
    return "corrupted" if isinstance(perturbation, Natural) else "patched" if isinstance(perturbation, Patch) \
        else "adversarial"


def is_natural(perturbation) -> bool:
    """Whether `perturbation` is a natural corruption rather than an attack: the one way the
    explorer, its export and its views tell the two modes apart (ε does not apply to it)."""
    return isinstance(perturbation, Natural)


@dataclass(frozen=True)
class Natural:
    """Not an attack: a natural corruption (core.corruptions) at a severity, the same for every
    model and blind to it; the explorer's "natural" mode runs it where it would run PGD, and
    epsilon does not apply."""

    corruption: str = "gaussian_noise"  # a key of core.corruptions.CORRUPTIONS
    severity: int = 3  # 1 (mild) .. 5 (severe)
    task: str | None = None  # with a task, a corruption of another modality is refused

    kind = "natural"

    @property
    def title(self) -> str:
        return f"{self.corruption}, severity {self.severity}"

    def scaled(self, factor: int) -> "Natural":
        return self  # nothing to iterate
