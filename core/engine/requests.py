"""The typed requests the app sends to the engine process, and what each one runs there.

A request is a frozen dataclass of plain values (numpy arrays, settings dataclasses, model
references) that pickles across the process boundary; its `run(model)` is executed in the
worker with the warm model it names, and is the only place that imports TensorFlow."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.models.spec import ModelSpec

_DIGESTS: dict[tuple[str, int, int], str] = {}  # (path, mtime_ns, size) -> content hash


def file_digest(path: str | Path) -> str:
    """SHA-256 of a file's bytes, memoised per (path, modification time, size)."""
    stat = os.stat(path)
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _DIGESTS:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        _DIGESTS[key] = digest.hexdigest()
    return _DIGESTS[key]


def array_digest(array: np.ndarray | None) -> str:
    """SHA-256 of an array's dtype, shape and bytes ("-" for None)."""
    if array is None:
        return "-"
    array = np.ascontiguousarray(array)
    return hashlib.sha256(f"{array.dtype}{array.shape}".encode() + array.tobytes()).hexdigest()


@dataclass(frozen=True)
class ModelRef:
    """A checkpoint file and its content hash: a retrained or replaced file is another model."""

    spec: ModelSpec
    path: str
    digest: str

    @classmethod
    def of(cls, spec: ModelSpec, root=None) -> "ModelRef":
        """The checkpoint of `spec` under `root` (None: the repository's), as it is now."""
        from core.models.zoo import checkpoint_path

        path = checkpoint_path(spec, root=root)
        return cls(spec, str(path), file_digest(path))


@dataclass(frozen=True)
class Prime:
    """Start the engine and import what every request needs (TensorFlow, the attacks, the
    saliency methods), no model: the cold start's largest part, paid while the page draws."""

    model: None = None
    warm: bool = field(default=False, init=False)

    def key(self) -> str:
        return "prime"

    def run(self, model) -> None:
        import core.attacks.pgd  # noqa: F401 - the imports are the point
        import core.explain.gradcam  # noqa: F401
        import core.explore.exploration  # noqa: F401
        import core.explore.warmup  # noqa: F401
        import core.models.build  # noqa: F401

        return None


@dataclass(frozen=True)
class Load:
    """Load the model (the worker keeps it); replies None."""

    model: ModelRef
    warm: bool = field(default=False, init=False)

    def key(self) -> str:
        return f"load:{self.model.digest}"

    def run(self, model) -> None:
        return None


@dataclass(frozen=True)
class Warm(Load):
    """Load the model and trace its compiled functions (the attack, the saliency map)."""

    warm: bool = field(default=True, init=False)


@dataclass(frozen=True)
class OodInput:
    """What core.ood.assess needs besides the model: the input's header and raw pixels."""

    task: str
    metadata: dict
    raw: np.ndarray | None = None

    def key(self) -> str:
        return hashlib.sha256(repr(sorted(self.metadata.items())).encode() + self.task.encode()
                              + array_digest(self.raw).encode()).hexdigest()


@dataclass(frozen=True, eq=False)
class Explore:
    """One model's column of the explorer (core.explore.explore_one). With `source` (the
    vanilla twin's own Explore request), the twin's perturbation is applied instead."""

    model: ModelRef
    image: np.ndarray
    epsilon: float
    attack: object  # core.attack_settings.PGD (or another attack settings object)
    label: int | None = None
    seed: int = 0
    method: str = "grad_cam"
    truth: dict | None = None  # ground-truth masks of a synthetic image
    ood: OodInput | None = None
    source: "Explore | None" = None
    explain: int | None = None  # the class the saliency maps explain; None: each image's predicted class
    layer: str | None = None  # an imported model's other marked feature map; None: its own
    warm: bool = field(default=True, init=False)

    def key(self) -> str:
        """Everything the reply depends on, hashed: the checkpoint's content, the image, the
        attack and its settings, the masks, the header and the transfer source."""
        truth = "-" if not self.truth else "".join(f"{k}{array_digest(np.asarray(v))}"
                                                   for k, v in sorted(self.truth.items()))
        parts = (self.model.digest, array_digest(self.image), repr(float(self.epsilon)), repr(self.attack),
                 repr(self.label), repr(self.seed), self.method, truth, self.ood.key() if self.ood else "-",
                 self.source.key() if self.source else "-")
        if self.explain is not None:  # only then: every key saved before (cache, bundled views) stays
            parts += (f"explain{int(self.explain)}",)
        if self.layer is not None:
            parts += (f"layer{self.layer}",)
        return "explore:" + hashlib.sha256("|".join(parts).encode()).hexdigest()

    def run(self, model, source=None, on_progress=None):
        from core.explore import explore_one

        ood = None
        if self.ood is not None:
            from core import ood as ood_module

            ood = ood_module.assess(model, ood_module.load(self.model.path), self.ood.task, self.image,
                                    self.ood.metadata, self.ood.raw).to_dict()
        return explore_one(self.model.spec, model, self.image, epsilon=self.epsilon, attack=self.attack,
                           label=self.label, seed=self.seed, method=self.method, source=source, ood=ood,
                           truth=self.truth, measure_perceptibility=False,  # the app measures it (stream.py)
                           explain=self.explain, on_progress=on_progress, layer=self.layer)


@dataclass(frozen=True)
class Progress:
    """A column's verdict while its attack runs: the model's probabilities on the adversarial
    image after `done` of `steps` steps. Sent by the worker (worker.reporter) for the Explore
    whose key() is `key`, only once that attack has run for a while (a fast one says nothing)."""

    key: str
    done: int
    steps: int
    probabilities: np.ndarray
    spec: ModelSpec | None = None  # set by the app when it hands the progress to a page


# The most columns one Together holds: the worker's column threads (worker._column_threads)
# and the stream's pairing (stream.SIDE_BY_SIDE) both follow it.
MOST_TOGETHER = 2


def usable_cores() -> int:
    """The CPU cores this process may run on (its affinity where the system says, else all):
    what the stream's pairing and the worker's TensorFlow threads share out."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@dataclass(frozen=True, eq=False)
class Together:
    """Several columns (Explore requests) of models the worker has warmed, run side by side on
    threads of the worker: one model's small convolutions at batch 1 leave cores idle (on this
    2-core CPU, four derm columns in two pairs took 0.385 s against 0.689 s one after the other,
    medians of 8 alternating runs). The worker runs them in turn instead whenever one of them
    would trace a function (a saliency method or attack not used on its model yet) or assess
    its input's distribution. The app's Engine also gathers several sessions' waiting columns
    into one; the worker then runs each model's columns as one batch (worker.explore_together).
    Replies the tuple of their outcomes, in order."""

    requests: tuple  # Explore requests; one whose transfer source is among them runs after it
    model: None = None
    warm: bool = field(default=False, init=False)
    apart: bool = False  # gathered from several pages: a column that fails fails alone (its error in its place)

    def key(self) -> str:
        return "together:" + "|".join(request.key() for request in self.requests)


@dataclass(frozen=True, eq=False)
class Minimal:
    """The smallest flipping epsilon of one model (core.explore.minimal_epsilon)."""

    model: ModelRef
    image: np.ndarray
    attack: object
    label: int | None = None
    seed: int = 0
    warm: bool = field(default=True, init=False)

    def key(self) -> str:
        parts = (self.model.digest, array_digest(self.image), repr(self.attack), repr(self.label), repr(self.seed))
        return "minimal:" + hashlib.sha256("|".join(parts).encode()).hexdigest()

    def run(self, model):
        from core.explore import minimal_epsilon

        return minimal_epsilon(model, self.image, attack=self.attack, label=self.label, seed=self.seed)


@dataclass(frozen=True, eq=False)
class Gallery:
    """One model's heatmap gallery (core.explore.heatmap_gallery)."""

    model: ModelRef
    images: np.ndarray
    labels: np.ndarray
    epsilons: tuple
    steps: int = 10
    method: str = "grad_cam"
    explain: int | str | None = None  # None: the predicted class; "true": the labels; or a class index
    layer: str | None = None  # an imported model's other marked feature map
    warm: bool = field(default=True, init=False)

    def key(self) -> str:
        parts = (self.model.digest, array_digest(self.images), array_digest(np.asarray(self.labels)),
                 repr(tuple(self.epsilons)), repr(self.steps), self.method, repr(self.explain), repr(self.layer))
        return "gallery:" + hashlib.sha256("|".join(parts).encode()).hexdigest()

    def run(self, model):
        from core.explore import explorer_rel_stepsize, heatmap_gallery

        return heatmap_gallery(model, self.images, np.asarray(self.labels), epsilons=list(self.epsilons),
                               steps=self.steps, rel_stepsize=explorer_rel_stepsize(self.steps), method=self.method,
                               explain=self.explain, layer=self.layer)
