"""What a report holds, read from disk: every model of a task with its card, and whatever was
saved for it on one set of test images (grid curves under the strong and the paper's protocol,
corruption runs, smallest-ε runs, saliency audits). Nothing is computed here but hashes."""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata

from core.models.spec import ModelSpec

PACKAGES = ("tensorflow-cpu", "tensorflow", "keras", "numpy", "scipy", "foolbox", "adversarial-robustness-toolbox",
            "albumentations", "plotly", "streamlit", "scikit-image")


@dataclass
class ModelEvidence:
    """One model's card and saved results (None where nothing was saved)."""

    spec: ModelSpec
    card: dict
    checkpoint_sha256: str
    strong: dict | None = None
    paper: dict | None = None
    corruptions: dict | None = None
    minimum_norm: dict | None = None
    mechanism: dict | None = None
    audit: dict | None = None
    patches: dict | None = None  # the patch run with the curves page's settings (app_pages.patch_curves)
    l2: dict | None = None  # the strong-l2 curve on core.evaluate.threats.L2_IMAGES images
    universal: dict | None = None  # the universal-patch run with the curves page's settings


@dataclass
class Evidence:
    task: str
    profile: str
    data: str  # the test images, as core.evaluate names them
    n: int
    epsilons: list
    protocol: dict  # the strong preset, whole (Preset.to_dict)
    models: list = field(default_factory=list)
    created_at: str = ""
    versions: dict = field(default_factory=dict)
    configuration_sha256: str = ""
    seed_study: dict | None = None  # core.evaluate.seeds: attention's effect across training seeds

    def found(self, what: str) -> dict:
        """{spec: saved result} of the models that have one of kind `what` (a ModelEvidence field:
        "strong", "minimum_norm", "l2", ...)."""
        return {m.spec: getattr(m, what) for m in self.models if getattr(m, what)}


def versions() -> dict:
    """Python's and each installed package's version (absent packages left out)."""
    found = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def gather(task: str, *, profile: str = "demo", root=None, results_root=None, n: int = 200, data: str | None = None,
           epsilons=None) -> Evidence:
    """Everything saved for `task`'s models on `n` test images of `data` (default: the
    synthetic test split); ValueError, saying what to run, when no model has a saved curve."""
    from core.data.synthetic import split_description
    from core.engine.requests import file_digest
    from core.evaluate import PRESETS, latest_corruptions, load_minimum_norm, load_results, minimum_norm_key
    from core.evaluate.minimum_norm import FMN_STEPS
    from core.evaluate.threats import load_l2
    from core.store import load as load_keyed
    from core.explain.audit import load_audit
    from core.mechanism import latest_mechanism_key
    from core.models.zoo import available, checkpoint_path, read_card
    from core.tasks import get_task, middle_epsilon

    info = get_task(task)  # ValueError for an unknown task
    data = data or split_description(task)
    grid = sorted(float(e) for e in (epsilons or info.epsilons))
    specs = sorted((s for s in available(profile, root=root) if s.task == task),
                   key=lambda s: (s.backbone, s.defence, s.attention))
    if not specs:
        raise ValueError(f"no trained {task} models ({profile} profile) to report on: train them first "
                         f"(python -m core.train --demo-zoo --task {task})")
    roots = [r for r in (results_root, root) if r is not None] or [None]
    mechanism = (latest_mechanism_key(specs, data=data, n=n, epsilon=middle_epsilon(grid), roots=roots)
                 if any(e > 0 for e in grid) else None)
    evidence = Evidence(task, profile, data, n, grid, PRESETS["strong"].to_dict(),
                        created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"), versions=versions())
    for spec in specs:
        path = checkpoint_path(spec, root=root)
        keyed = dict(data=data, n=n, epsilons=grid, root=root, results_root=results_root)
        evidence.models.append(ModelEvidence(
            spec, read_card(path), file_digest(path),
            strong=load_results(spec, attack=PRESETS["strong"], **keyed),
            paper=load_results(spec, attack=PRESETS["paper"], **keyed),
            corruptions=latest_corruptions(spec, data=data, n=n, roots=roots),
            minimum_norm=load_minimum_norm(spec, minimum_norm_key(data, n, FMN_STEPS), root=root,
                                           results_root=results_root),
            mechanism=load_keyed(spec, mechanism, root=root, results_root=results_root) if mechanism else None,
            audit=load_audit(spec, root=root), patches=_patches(spec, data, root, results_root),
            l2=load_l2(spec, data=data, root=root, results_root=results_root),
            universal=_universal(spec, data, root, results_root)))
    if not any(m.strong for m in evidence.models):
        raise ValueError(f"no saved {task} robustness curve on {n} images of the {data} under the strong protocol: "
                         f"run python -m core.evaluate --task {task} --n {n} first (or open the Robustness curves "
                         "page and run the evaluation), then write the report")
    from core.evaluate.seeds import latest_seed_study

    evidence.seed_study = latest_seed_study(task, profile=profile, root=root, results_root=results_root)
    evidence.configuration_sha256 = configuration_hash(evidence)
    return evidence


def configuration_hash(evidence: Evidence) -> str:
    """SHA-256 of what decides the report's numbers: task, images, grid, protocol, and each
    checkpoint's bytes (a retrained model changes it)."""
    blob = {"task": evidence.task, "profile": evidence.profile, "data": evidence.data, "n": evidence.n,
            "epsilons": evidence.epsilons, "protocol": evidence.protocol,
            "checkpoints": {m.spec.model_id: m.checkpoint_sha256 for m in evidence.models}}
    return hashlib.sha256(json.dumps(blob, sort_keys=True).encode()).hexdigest()


def provenance(evidence: Evidence) -> dict:
    """What a reader needs to reproduce the numbers: the settings, the checkpoints' hashes and
    training seeds, the package versions and the configuration hash."""
    return {"task": evidence.task, "profile": evidence.profile, "data": evidence.data, "n": evidence.n,
            "epsilons": evidence.epsilons, "protocol": evidence.protocol, "created_at": evidence.created_at,
            "configuration_sha256": evidence.configuration_sha256, "versions": evidence.versions,
            "checkpoints": {m.spec.model_id: {"sha256": m.checkpoint_sha256,
                                              "training_seed": (m.card.get("config") or {}).get("seed")}
                            for m in evidence.models}}


def _universal(spec, data: str, root, results_root) -> dict | None:
    """The saved universal-patch run with the settings the curves page shows (core.evaluate.universal)."""
    from core.evaluate.universal import LEARNT_ON, SHOWN_IMAGES, SHOWN_STEPS
    from core.runs import RUN_KINDS

    kind = RUN_KINDS["universal"]
    return kind.load(spec, kind.settings(data=data, n=SHOWN_IMAGES, n_learn=LEARNT_ON, steps=SHOWN_STEPS), root=root,
                     results_root=results_root)


def _patches(spec, data: str, root, results_root) -> dict | None:
    """The saved patch run with the settings the curves page shows (core.evaluate.patches)."""
    from core.evaluate.patches import SHOWN_IMAGES, SHOWN_STEPS
    from core.runs import RUN_KINDS

    kind = RUN_KINDS["patches"]
    return kind.load(spec, kind.settings(data=data, n=SHOWN_IMAGES, steps=SHOWN_STEPS), root=root,
                     results_root=results_root)
