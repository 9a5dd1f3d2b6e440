"""Evaluation protocols: which attacks decide that an image is robust at epsilon.

    paper          foolbox's LinfPGD defaults as the paper ran them (40 steps of eps/30,
                   random start, cross-entropy on the logits): reproduces its protocol
    paper-softmax  the same with the softmax OUTPUT taken as logits (what foolbox does to a
                   Keras model ending in Dense(softmax)): reproduces the paper's likely artefact
    strong         the worst case per image over PGD-paper, PGD without random start,
                   APGD-CE, APGD-margin (+ APGD-DLR with 3+ classes), then Square on the
                   survivors (AutoAttack's protocol, Croce & Hein 2020): the number we stand behind
    strong-l2      the same protocol in the L2 ball (RobustBench's L2 threat model): PGD-L2,
                   APGD-CE/margin/DLR in L2, then ART's Square-L2 on the survivors; its ε are
                   radii (core.attack_settings.l2_grid)
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from core.attack_settings import APGD, FGSM, PGD, Square, settings_dict
from core.paper import PAPER_REL_STEPSIZE

MEMBER_TYPES = {"pgd": PGD, "apgd": APGD, "square": Square, "fgsm": FGSM}


@dataclass(frozen=True)
class Preset:
    """An evaluation protocol: attacks run in order, each on the images all earlier ones
    failed to fool (core.attacks.worst_case)."""

    name: str
    attacks: tuple  # PGD / APGD / Square / FGSM members
    description: str = field(default="", compare=False)  # words for people; not part of the numbers
    # True: every epsilon attacks every clean-correct image, so the raw accuracy of the attack
    # at each epsilon alone is known (the paper's way). False: an image fooled at a smaller
    # epsilon is not attacked again (its example lies inside every larger ball): cheaper.
    attack_every_epsilon: bool = False
    seed: int = 0

    def members_for(self, num_classes: int) -> tuple:
        """The members that apply to a model with `num_classes` outputs (DLR needs 3+)."""
        return tuple(a for a in self.attacks if not (getattr(a, "loss", "") == "dlr" and num_classes < 3))

    def scaled(self, factor: int) -> "Preset":
        """Every member with `factor` times its iterations or queries."""
        return Preset(f"{self.name} x{factor}", tuple(a.scaled(factor) for a in self.attacks), self.description,
                      self.attack_every_epsilon, self.seed)

    @property
    def title(self) -> str:
        return " → ".join(a.title for a in self.attacks)

    @property
    def norm(self) -> str:
        """The threat model of every member ("linf" or "l2"); ValueError for a mixed protocol."""
        found = {getattr(a, "norm", "linf") for a in self.attacks}
        if len(found) != 1:
            raise ValueError(f"the protocol {self.name!r} mixes threat models {sorted(found)}; one norm per protocol")
        return found.pop()

    def title_for(self, num_classes: int) -> str:
        """The title of the members that run on a model with `num_classes` outputs."""
        return " → ".join(a.title for a in self.members_for(num_classes))

    def passes(self, num_classes: int) -> float:
        """Forward+backward passes per image and ε, at most (an image the first attacks fool is
        not attacked again): PGD and APGD one per step and restart, FGSM one, a Square query
        about half of one (a forward pass and the search's own work; docs/architecture.md)."""
        total = 0.0
        for attack in self.members_for(num_classes):
            if hasattr(attack, "queries"):
                total += 0.5 * attack.queries
            else:
                total += getattr(attack, "steps", 1) * getattr(attack, "restarts", 1)
        return total

    def to_dict(self) -> dict:
        """What decides the numbers (the description does not)."""
        return {"name": self.name, "attacks": [settings_dict(a) for a in self.attacks],
                "attack_every_epsilon": self.attack_every_epsilon, "seed": self.seed}

    @classmethod
    def from_dict(cls, data: dict) -> "Preset":
        try:
            members = []
            for member in data["attacks"]:
                kind = MEMBER_TYPES[member["kind"]]
                known = {f.name for f in fields(kind)}
                members.append(kind(**{k: v for k, v in member.items() if k in known}))
            return cls(data["name"], tuple(members), data.get("description", ""),
                       bool(data.get("attack_every_epsilon", False)), int(data.get("seed", 0)))
        except (KeyError, TypeError) as error:
            raise ValueError(f"not an evaluation preset: {data!r} ({error})") from None


def custom_pgd(*, steps: int = 40, rel_stepsize: float = PAPER_REL_STEPSIZE, random_start: bool = True,
               loss: str = "ce", restarts: int = 1, seed: int = 0, norm: str = "linf") -> Preset:
    """A one-attack PGD protocol with the settings a person chose (every epsilon attacked)."""
    return Preset("custom", (PGD(steps, rel_stepsize, random_start, loss, restarts, norm=norm),),
                  "PGD with the settings chosen on the page", attack_every_epsilon=True, seed=seed)


_PAPER_PGD = PGD()  # 40 steps of eps/30, random start, cross-entropy on the logits

PRESETS: dict[str, Preset] = {
    "paper": Preset("paper", (_PAPER_PGD,),
                    "The paper's protocol: foolbox's LinfPGD defaults (40 steps of ε/30, random start, "
                    "cross-entropy on the logits), every ε run on every image.", attack_every_epsilon=True),
    "paper-softmax": Preset("paper-softmax", (PGD(loss="softmax-ce"),),
                            "The paper's likely setup: the same PGD with the softmax output taken as logits, "
                            "as foolbox treats a Keras model that ends in Dense(softmax). Its gradient "
                            "vanishes wherever the softmax saturates.", attack_every_epsilon=True),
    "strong": Preset("strong", (
        _PAPER_PGD,
        PGD(random_start=False),
        APGD(steps=100, loss="ce"),
        APGD(steps=100, loss="margin"),
        APGD(steps=100, loss="dlr"),  # 3+ classes only (derm)
        Square(queries=300),  # a CPU-sized budget; the authors use 5000
    ), "AutoAttack's protocol: an image is robust only if it survives every attack; each attack runs "
       "on the survivors of the ones before; Square only queries predictions, so gradient masking "
       "does not blind it (at 300 queries a check, not a guarantee)."),
}
PRESETS["strong-l2"] = Preset("strong-l2", (
    PGD(steps=40, rel_stepsize=2.5 / 40, norm="l2"),  # Madry et al.'s rule: the path can cross the ball
    APGD(steps=100, loss="ce", norm="l2"),
    APGD(steps=100, loss="margin", norm="l2"),
    APGD(steps=100, loss="dlr", norm="l2"),  # 3+ classes only (derm)
    Square(queries=300, engine="art", norm="l2"),  # ART's SquareAttack(norm=2), on the survivors
), "The strong protocol in the L2 ball: a change may be anywhere, its total length bounded (the radius); each ε of "
   "the grid is the L2 length of that ε spent on a lesion-sized square. Square-L2 is ART's.")
DEFAULT_PRESET = "strong"
L2_PRESETS = {"strong": "strong-l2"}  # a protocol's L2 counterpart (python -m core.evaluate --norm l2)


def for_norm(name: str, norm: str) -> str:
    """The preset that runs protocol `name` under `norm` (the name itself for L-inf)."""
    if norm == "linf" or PRESETS.get(name) is not None and PRESETS[name].norm == norm:
        return name
    if name not in L2_PRESETS:
        raise ValueError(f"the {name!r} protocol has no L2 counterpart; under L2 use one of {sorted(L2_PRESETS)}")
    return L2_PRESETS[name]


def evaluation_cost(preset: Preset, num_classes: int, *, n: int, epsilons, pass_seconds: float) -> tuple[float, float]:
    """(passes, seconds), at most, of evaluating one model on `n` images at `epsilons` under
    `preset`, at `pass_seconds` per image and pass (an imported model's card measures it)."""
    attacked = sum(1 for e in epsilons if e > 0)
    passes = n * attacked * preset.passes(num_classes)
    return passes, passes * pass_seconds
