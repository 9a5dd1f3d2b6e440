"""ModelSpec: which of the zoo's models this is (task x backbone x attention x profile)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from core.models.backbones import FAMILIES, FAMILY_TITLES, PROFILES, Backbone, backbone_for
from core.tasks import Task, get_task


# Training-time defences (core.train.defence): the id part of a defended model's name and its title.
DEFENCES = {"none": ("", ""), "pgd-at": ("pgdat", "PGD-AT"), "trades": ("trades", "TRADES")}


@dataclass(frozen=True)
class ModelSpec:
    """One model of the zoo. The paper trains 4 per task (section 3.3), 12 in all, and the
    demo profile mirrors them with compact backbones."""

    task: str  # "derm", "fundus" or "cxr"
    backbone: str  # family: "resnet50" or "inception_resnet_v2"
    attention: bool  # with the soft-attention block (Datta et al. 2021)
    profile: str = "demo"  # "demo" (compact, 96 px) or "paper" (keras.applications, 224 px)
    defence: str = "none"  # training-time defence: "none", "pgd-at" or "trades" (core.train.defence)
    seed: int = 0  # training seed; another seed is a replica of the same configuration (issue 23's seed study)

    def __post_init__(self):
        get_task(self.task)
        backbone_for(self.backbone, self.profile)
        if not isinstance(self.attention, bool):
            raise ValueError(f"attention must be True or False, got {self.attention!r}")
        if self.defence not in DEFENCES:
            raise ValueError(f"defence must be one of {list(DEFENCES)}, got {self.defence!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}")

    @property
    def task_info(self) -> Task:
        return get_task(self.task)

    @property
    def backbone_info(self) -> Backbone:
        return backbone_for(self.backbone, self.profile)

    @property
    def input_size(self) -> int:
        return self.backbone_info.input_size

    @property
    def variant(self) -> str:
        return "attention" if self.attention else "vanilla"

    def _tags(self) -> list[str]:
        """What sets this model apart from the paper's seed-0 undefended one: ["pgdat", "seed1"]."""
        return [t for t in (DEFENCES[self.defence][0], f"seed{self.seed}" if self.seed else "") if t]

    @property
    def file_stem(self) -> str:
        """The checkpoint's file name without suffix, e.g. "resnet50_attention_pgdat" or, for
        another training seed, "resnet50_attention_seed1"."""
        return "_".join([f"{self.backbone}_{self.variant}", *self._tags()])

    @property
    def model_id(self) -> str:
        """Unique, file-safe name, e.g. "demo-derm-resnet50-attention" (a defended model says
        so: "demo-cxr-resnet50-attention-pgdat", a replica its seed: "...-attention-seed1", and
        neither overwrites the model it differs from)."""
        return "-".join([f"{self.profile}-{self.task}-{self.backbone}-{self.variant}", *self._tags()])

    @property
    def title(self) -> str:
        """What a person reads, e.g. "ResNet-50 + soft attention" or "... · PGD-AT"."""
        suffix = " + soft attention" if self.attention else ""
        compact = " (compact)" if self.profile == "demo" else ""
        defence = DEFENCES[self.defence][1]
        seed = f" · seed {self.seed}" if self.seed else ""
        return f"{FAMILY_TITLES[self.backbone]}{compact}{suffix}" + (f" · {defence}" if defence else "") + seed

    def twin(self) -> "ModelSpec":
        """The same model with attention toggled: the paper's comparison pair."""
        return replace(self, attention=not self.attention)

    def to_dict(self) -> dict:
        """JSON-ready; an undefended model's dict has no "defence" key and a seed-0 one no "seed"
        key (as before either existed), so older cards still match."""
        data = asdict(self)
        if self.defence == "none":
            del data["defence"]
        if self.seed == 0:
            del data["seed"]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "ModelSpec":
        try:
            return cls(task=data["task"], backbone=data["backbone"], attention=bool(data["attention"]),
                       profile=data.get("profile", "demo"), defence=data.get("defence", "none"),
                       seed=data.get("seed", 0))
        except (KeyError, TypeError) as error:
            raise ValueError(f"not a model spec: {data!r} ({error})") from None


def all_specs(profile: str = "demo", task: str | None = None, *, defences=("none",)) -> list[ModelSpec]:
    """Every spec of a profile (optionally one task), in a stable order: per task, the paper's
    four, then each defence of `defences` beyond "none" (all of DEFENCES: every model a zoo
    may hold)."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; expected one of {sorted(PROFILES)}")
    unknown = [d for d in defences if d not in DEFENCES]
    if unknown:
        raise ValueError(f"defences must be among {list(DEFENCES)}, got {unknown}")
    from core.tasks import TASKS

    tasks = [task] if task is not None else list(TASKS)
    return [ModelSpec(t, b, a, profile, d) for t in tasks for d in defences for b in FAMILIES for a in (False, True)]
