"""ModelSpec: which of the zoo's models this is (task x backbone x attention x profile).

The "user" profile holds the models a person imported (core.models.imported): there the
backbone is the model's name (a slug), `attention` marks the second model of a declared pair
(its twin, imported with twin_of), and `size` is the input size read from the model.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace

from core.models.backbones import FAMILIES, FAMILY_TITLES, PROFILES, Backbone, backbone_for
from core.tasks import Task, get_task


# Training-time defences (core.train.defence): the id part of a defended model's name and its title.
DEFENCES = {"none": ("", ""), "pgd-at": ("pgdat", "PGD-AT"), "trades": ("trades", "TRADES")}

USER_PROFILE = "user"  # imported models (core.models.imported), stored under checkpoints/user/
USER_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?")  # file- and id-safe
MAX_INPUT_SIZE = 1024  # the largest square input an imported model may take (pixels)


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
    size: int = 0  # an imported model's input size (the "user" profile only; 0 elsewhere: the backbone's)

    def __post_init__(self):
        get_task(self.task)
        if self.is_imported:
            self._check_imported()
        else:
            backbone_for(self.backbone, self.profile)
            if self.size:
                raise ValueError(f"size is set only for imported models, got {self.size!r}")
        if not isinstance(self.attention, bool):
            raise ValueError(f"attention must be True or False, got {self.attention!r}")
        if self.defence not in DEFENCES:
            raise ValueError(f"defence must be one of {list(DEFENCES)}, got {self.defence!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}")

    def _check_imported(self):
        if not isinstance(self.backbone, str) or not USER_NAME.fullmatch(self.backbone):
            raise ValueError("an imported model's name must be 1-40 lower-case letters, digits or "
                             f"hyphens, starting and ending with a letter or digit, got {self.backbone!r}")
        if self.defence != "none" or self.seed != 0:
            raise ValueError("an imported model has no training defence or seed of this tool")
        if isinstance(self.size, bool) or not isinstance(self.size, int) or not 8 <= self.size <= MAX_INPUT_SIZE:
            raise ValueError(f"an imported model's input size must be 8-{MAX_INPUT_SIZE} pixels, got {self.size!r}")

    @property
    def is_imported(self) -> bool:
        """A model the user brought (core.models.imported), not one this tool trained."""
        return self.profile == USER_PROFILE

    @property
    def task_info(self) -> Task:
        return get_task(self.task)

    @property
    def backbone_info(self) -> Backbone:
        if self.is_imported:
            raise ValueError(f"{self.backbone!r} is an imported model: it has no backbone of this tool")
        return backbone_for(self.backbone, self.profile)

    @property
    def input_size(self) -> int:
        return self.size if self.is_imported else self.backbone_info.input_size

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
        """What a person reads, e.g. "ResNet-50 + soft attention" or "... · PGD-AT"; an imported
        model "my-resnet (imported)", the twin declared for it "my-resnet (imported) · twin"."""
        if self.is_imported:
            return f"{self.backbone} (imported)" + (" · twin" if self.attention else "")
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
        if self.size == 0:
            del data["size"]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "ModelSpec":
        try:
            return cls(task=data["task"], backbone=data["backbone"], attention=bool(data["attention"]),
                       profile=data.get("profile", "demo"), defence=data.get("defence", "none"),
                       seed=data.get("seed", 0), size=data.get("size", 0))
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
