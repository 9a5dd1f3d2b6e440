"""What a person says about the model they import: its output, its preprocessing, its class
order. Checked here, before any file is read or TensorFlow imported."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.models.spec import MAX_INPUT_SIZE, USER_NAME
from core.tasks import Task, get_task

OUTPUTS = {  # what the model's last tensor holds
    "softmax": "probabilities that sum to 1 over its classes",
    "logits": "scores before a softmax",
    "sigmoid": "one probability per unit (a binary unit, or a multi-label head with `finding`)",
}
PREPROCESSINGS = {  # what the model expects, given an RGB image in [0, 1]
    "unit": "[0, 1]",
    "symmetric": "[-1, 1]",
    "imagenet": "torch-style: (x - mean) / std on [0, 1], ImageNet's mean and std",
    "caffe": "BGR, 0-255, ImageNet's channel means subtracted (Keras's ResNet-50)",
    "uint8": "0-255",
}


class ModelImportError(ValueError):
    """A model file this tool will not import, and why (nothing was written)."""


@dataclass(frozen=True)
class ImportSettings:
    """How to read a foreign classifier's input and output (the import form's fields)."""

    task: str  # the task it answers: "derm", "fundus" or "cxr"
    output: str  # one of OUTPUTS
    preprocessing: str  # one of PREPROCESSINGS
    class_names: tuple[str, ...] | None = None  # the model's output order; None: the task's own
    finding: int | str | None = None  # a multi-label sigmoid head's unit for the task (index or name)
    name: str | None = None  # the name it is listed by; None: from the file's name
    input_size: int | None = None  # where the model's input size is dynamic
    saliency_layer: str | None = None  # Grad-CAM's layer; None: the last with a spatial map > 1 x 1
    twin_of: str | None = None  # the name of an imported model of the task this one is the twin of

    def __post_init__(self):
        get_task(self.task)
        _one_of("output", self.output, OUTPUTS)
        _one_of("preprocessing", self.preprocessing, PREPROCESSINGS)
        if self.class_names is not None:
            names = tuple(str(n).strip() for n in self.class_names)
            if not names or any(not n for n in names) or len(set(n.lower() for n in names)) != len(names):
                raise ModelImportError(f"class_names must be distinct, non-empty names, got {list(self.class_names)}")
            object.__setattr__(self, "class_names", names)
        if self.input_size is not None and not 8 <= int(self.input_size) <= MAX_INPUT_SIZE:
            raise ModelImportError(f"input_size must be 8-{MAX_INPUT_SIZE} pixels, got {self.input_size}")
        if self.name is not None and not USER_NAME.fullmatch(self.name):
            raise ModelImportError(f"name must be 1-40 lower-case letters, digits or hyphens, got {self.name!r}")
        if self.finding is not None and self.output != "sigmoid":
            raise ModelImportError("finding names a unit of a multi-label sigmoid head: set output='sigmoid'")

    @property
    def task_info(self) -> Task:
        return get_task(self.task)


def _one_of(field: str, value, choices: dict) -> None:
    if value not in choices:
        raise ModelImportError(f"{field} must be one of {', '.join(choices)}, got {value!r}")


def slug(text: str) -> str:
    """A file name made into a model name: "My ResNet_v2.onnx" -> "my-resnet-v2"."""
    words = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return words[:40].strip("-") or "imported"


def _match(name: str, task: Task) -> int | None:
    """The task class a model's class name means (its key, its short name or its title, any
    case), or None."""
    folded = name.strip().lower()
    for index, names in enumerate(zip(task.classes, task.short_names, task.class_names)):
        if folded in (n.lower() for n in names) or folded == names[0].replace("_", " "):
            return index
    return None


def class_indices(settings: ImportSettings, outputs: int) -> tuple[int, ...]:
    """For a softmax or logits head of `outputs` units: the unit of each task class, in the
    task's order. ModelImportError naming the counts, or the names, when they do not match."""
    task = settings.task_info
    if settings.class_names is None:
        if outputs != task.num_classes:
            raise ModelImportError(
                f"the model has {outputs} outputs but the task {task.name} has {task.num_classes} classes "
                f"({', '.join(task.classes)}): give class_names, the model's output order")
        return tuple(range(outputs))
    if len(settings.class_names) != outputs:
        raise ModelImportError(f"class_names lists {len(settings.class_names)} names but the model has {outputs} outputs")
    found = {}
    for unit, name in enumerate(settings.class_names):
        index = _match(name, task)
        if index is not None:
            found[index] = unit
    missing = [task.classes[i] for i in range(task.num_classes) if i not in found]
    if missing:
        extra = [n for n in settings.class_names if _match(n, task) is None]
        raise ModelImportError(
            f"class_names has no output for the task's class(es) {', '.join(missing)}; the names accepted are "
            f"{', '.join(task.classes)} (or {', '.join(task.class_names)})"
            + (f"; not recognised: {', '.join(extra)}" if extra else ""))
    return tuple(found[i] for i in range(task.num_classes))


def finding_unit(settings: ImportSettings, outputs: int) -> int:
    """For a sigmoid head of `outputs` units: the unit that is the task's positive class."""
    task = settings.task_info
    if not task.is_binary:
        raise ModelImportError(f"a sigmoid output answers a binary task; {task.name} has {task.num_classes} classes: "
                               "use output='softmax' or 'logits'")
    finding = settings.finding
    if finding is None:
        if outputs != 1:
            raise ModelImportError(f"the model has {outputs} sigmoid outputs: name the task's unit with finding "
                                   "(its index, or its name in class_names)")
        return 0
    if isinstance(finding, str) and not finding.strip().lstrip("-").isdigit():
        names = [n.lower() for n in settings.class_names or ()]
        if finding.strip().lower() not in names:
            raise ModelImportError(f"finding {finding!r} is not among class_names "
                                   f"({', '.join(settings.class_names or ()) or 'none given'})")
        return names.index(finding.strip().lower())
    unit = int(finding)
    if not 0 <= unit < outputs:
        raise ModelImportError(f"finding {unit} is not a unit of the model's {outputs} outputs (0-{outputs - 1})")
    return unit
