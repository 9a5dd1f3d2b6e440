"""ModelSpec: which of the zoo's models this is (task x backbone x attention x profile)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from core.models.backbones import FAMILIES, FAMILY_TITLES, PROFILES, Backbone, backbone_for
from core.tasks import Task, get_task


@dataclass(frozen=True)
class ModelSpec:
    """One model of the zoo. The paper trains 4 per task (section 3.3), 12 in all, and the
    demo profile mirrors them with compact backbones."""

    task: str  # "derm", "fundus" or "cxr"
    backbone: str  # family: "resnet50" or "inception_resnet_v2"
    attention: bool  # with the soft-attention block (Datta et al. 2021)
    profile: str = "demo"  # "demo" (compact, 96 px) or "paper" (keras.applications, 224 px)

    def __post_init__(self):
        get_task(self.task)
        backbone_for(self.backbone, self.profile)
        if not isinstance(self.attention, bool):
            raise ValueError(f"attention must be True or False, got {self.attention!r}")

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

    @property
    def model_id(self) -> str:
        """Unique, file-safe name, e.g. "demo-derm-resnet50-attention"."""
        return f"{self.profile}-{self.task}-{self.backbone}-{self.variant}"

    @property
    def title(self) -> str:
        """What a person reads, e.g. "ResNet-50 + soft attention"."""
        suffix = " + soft attention" if self.attention else ""
        compact = " (compact)" if self.profile == "demo" else ""
        return f"{FAMILY_TITLES[self.backbone]}{compact}{suffix}"

    def twin(self) -> "ModelSpec":
        """The same model with attention toggled: the paper's comparison pair."""
        return ModelSpec(self.task, self.backbone, not self.attention, self.profile)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ModelSpec":
        try:
            return cls(task=data["task"], backbone=data["backbone"],
                       attention=bool(data["attention"]), profile=data.get("profile", "demo"))
        except (KeyError, TypeError) as error:
            raise ValueError(f"not a model spec: {data!r} ({error})") from None


def all_specs(profile: str = "demo", task: str | None = None) -> list[ModelSpec]:
    """Every spec of a profile (optionally one task), in a stable order."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; expected one of {sorted(PROFILES)}")
    from core.tasks import TASKS

    tasks = [task] if task is not None else list(TASKS)
    return [ModelSpec(t, b, a, profile) for t in tasks for b in FAMILIES for a in (False, True)]
