"""Robustness curves as the paper measured them (section 3.4, Fig. 3/5/7).

    python -m core.evaluate --task derm                  the 4 demo models of a task
    python -m core.evaluate --task cxr --profile paper --data /data/cxr14 --data-format chestxray14

For each model: unweighted accuracy at every epsilon of the grid under L-inf PGD (clean
accuracy is epsilon 0; clean-misclassified images count as failures), on the test split,
with the attack settings recorded, plus the honest-robustness checks. Results are saved as
JSON and CSV beside the checkpoint, keyed by data and attack settings, so the UI re-uses
them instead of recomputing.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np

from core.atomic import write_json, write_text
from core.attacks import PAPER_REL_STEPSIZE, pgd, predict
from core.checks import robustness_checks, verdict
from core.jobs import Cancelled, ProgressWriter, run_cli
from core.models.spec import ModelSpec, all_specs
from core.models.zoo import CheckpointError, checkpoint_path, load_model

CHECK_IMAGES = 64  # the checks re-run attacks several times: on the first 64 images


@dataclass(frozen=True)
class AttackSettings:
    """How the curve's attack was run (foolbox LinfPGD defaults, as the paper used)."""

    steps: int = 40
    rel_stepsize: float = PAPER_REL_STEPSIZE
    random_start: bool = True
    restarts: int = 1
    seed: int = 0
    engine: str = "native"
    loss: str = "ce"  # the paper's cross-entropy; "margin" for over-confident models

    def pgd_options(self) -> dict:
        return asdict(self)


def robustness_curve(model, images, labels, *, epsilons, attack: AttackSettings = AttackSettings(),
                     progress: Callable[[int, int], None] | None = None,
                     cancel: Callable[[], bool] | None = None) -> list[dict]:
    """Robust accuracy at each epsilon, in increasing order of epsilon.

    Rows: epsilon, epsilon_255, accuracy, accuracy_this_epsilon, n. "accuracy" counts an
    image as fooled once the attack fooled it at this epsilon or any smaller one: an
    adversarial example inside a smaller ball lies inside every larger ball, so this is
    still a bound the attack has proved, and the curve can only fall. The raw result of the
    attack run at this epsilon alone is kept as "accuracy_this_epsilon"; where the two
    differ, the attack lost ground at the larger epsilon (e.g. a saturated softmax).
    """
    labels = np.asarray(labels)
    fooled = np.zeros(len(labels), bool)
    rows = []
    for index, epsilon in enumerate(sorted(float(e) for e in epsilons)):
        if cancel is not None and cancel():
            raise Cancelled()
        adversarial = pgd(model, images, labels, epsilon=epsilon, **attack.pgd_options())
        wrong = predict(model, adversarial).argmax(axis=1) != labels
        fooled |= wrong
        rows.append({"epsilon": epsilon, "epsilon_255": round(epsilon * 255, 4),
                     "accuracy": float(1 - fooled.mean()), "accuracy_this_epsilon": float(1 - wrong.mean()),
                     "n": int(len(labels))})
        if progress is not None:
            progress(index + 1, len(epsilons))
    return rows


def results_key(data: str, n: int, epsilons, attack: AttackSettings) -> str:
    """Short hash of everything that decides a curve."""
    blob = json.dumps({"data": data, "n": n, "epsilons": [float(e) for e in epsilons],
                       "attack": asdict(attack)}, sort_keys=True)
    return hashlib.sha1(blob.encode()).hexdigest()[:12]


def results_path(spec: ModelSpec, key: str, *, root="checkpoints") -> Path:
    """`<checkpoint folder>/results/<backbone>_<variant>-<key>.json` (and .csv)."""
    checkpoint = checkpoint_path(spec, root=root)
    return checkpoint.parent / "results" / f"{checkpoint.stem}-{key}.json"


def load_results(spec: ModelSpec, *, data: str, n: int, epsilons, attack: AttackSettings = AttackSettings(),
                 root="checkpoints") -> dict | None:
    """Saved results for exactly these settings, or None."""
    path = results_path(spec, results_key(data, n, epsilons, attack), root=root)
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None


def saved_results(spec: ModelSpec, *, root="checkpoints") -> list[dict]:
    """Every saved result of `spec`, newest first."""
    folder = checkpoint_path(spec, root=root).parent / "results"
    stem = checkpoint_path(spec, root=root).stem
    found = []
    for path in sorted(folder.glob(f"{stem}-*.json")):
        try:
            found.append(json.loads(path.read_text()))
        except (OSError, json.JSONDecodeError):
            continue
    return sorted(found, key=lambda r: r.get("created_at", ""), reverse=True)


def _csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["epsilon", "epsilon_255", "accuracy", "accuracy_this_epsilon", "n"])
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def evaluation_data(spec: ModelSpec, *, data: str = "synthetic", data_format: str = "synthetic",
                    n: int | None = None, config=None) -> tuple[np.ndarray, np.ndarray, str]:
    """(images, labels, description) of the test split, the first `n` images.

    `config` (a TrainConfig, default: the model card's, else the defaults) fixes the split
    fractions and seed, so a real dataset's test split is the one training held out.
    """
    from core.data.datasets import open_dataset
    from core.train import TrainConfig

    config = config or _training_config(spec) or TrainConfig()
    if data_format == "synthetic":
        from core.data import synthetic

        images, labels = synthetic.split(spec.task, "test", n or config.synthetic_test, size=spec.input_size)
        return images, labels, f"synthetic {spec.task} test split"
    from core.data.datasets import split_indices

    dataset = open_dataset(data, data_format, spec.task)
    indices = split_indices(dataset, val=config.val_fraction, test=config.test_fraction, seed=config.seed)["test"]
    indices = indices[:n] if n else indices
    images = np.stack([dataset.image(int(i), spec.input_size) for i in indices])
    return images, dataset.labels[indices], f"{dataset.name} test split"


def _training_config(spec: ModelSpec, root="checkpoints"):
    """The TrainConfig saved in the model's card, if there is one."""
    from dataclasses import fields

    from core.models.zoo import read_card
    from core.train import TrainConfig

    try:
        saved = read_card(checkpoint_path(spec, root=root)).get("config", {})
    except CheckpointError:
        return None
    known = {f.name for f in fields(TrainConfig)}
    return TrainConfig(**{k: v for k, v in saved.items() if k in known})


def evaluate_model(spec: ModelSpec, images, labels, *, data: str, epsilons=None,
                   attack: AttackSettings = AttackSettings(), with_checks: bool = True,
                   root="checkpoints", progress=None, cancel=None) -> dict:
    """The robustness curve (and checks) of `spec`'s checkpoint, saved as JSON and CSV."""
    model = load_model(spec, root=root)
    epsilons = list(spec.task_info.epsilons if epsilons is None else epsilons)
    rows = robustness_curve(model, images, labels, epsilons=epsilons, attack=attack,
                            progress=progress, cancel=cancel)
    result = {"model_id": spec.model_id, "spec": spec.to_dict(), "data": data, "n": int(len(labels)),
              "epsilons": epsilons, "attack": asdict(attack), "curve": rows,
              "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    if with_checks:
        twin = None
        if spec.attention:
            try:
                twin = load_model(spec.twin(), root=root)
            except CheckpointError:
                twin = None
        count = min(CHECK_IMAGES, len(labels))
        checks = robustness_checks(model, images[:count], labels[:count], epsilons=epsilons, twin=twin,
                                   steps=attack.steps, rel_stepsize=attack.rel_stepsize,
                                   restarts=attack.restarts, seed=attack.seed, loss=attack.loss, curve=rows)
        result["checks"] = [c.to_dict() for c in checks]
        result["checks_images"] = count
        result["verdict"] = verdict(checks)
    path = results_path(spec, results_key(data, len(labels), epsilons, attack), root=root)
    write_json(path, result)
    write_text(path.with_suffix(".csv"), _csv(rows))
    result["path"] = str(path)
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.evaluate", description="Robustness curves.")
    parser.add_argument("--task", required=True, choices=["derm", "fundus", "cxr"])
    parser.add_argument("--profile", choices=["demo", "paper"], default="demo")
    parser.add_argument("--model", action="append", help="model id(s); default: every model of the task")
    parser.add_argument("--data", default="synthetic")
    parser.add_argument("--data-format", default="synthetic")
    parser.add_argument("--n", type=int, help="test images (default: the whole test split)")
    parser.add_argument("--epsilons", type=float, nargs="+", help="default: the task's paper grid")
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--restarts", type=int, default=1)
    parser.add_argument("--loss", choices=["ce", "margin"], default="ce",
                        help="ce: the paper's cross-entropy; margin: Carlini-Wagner logit margin")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-checks", action="store_true")
    parser.add_argument("--root", default="checkpoints")
    parser.add_argument("--progress-file", type=Path)
    parser.add_argument("--cancel-file", type=Path)
    args = parser.parse_args(argv)
    specs = [s for s in all_specs(args.profile, args.task) if not args.model or s.model_id in args.model]
    if not specs:
        parser.error(f"no model matches {args.model}")
    attack = AttackSettings(steps=args.steps, restarts=args.restarts, seed=args.seed, loss=args.loss)
    writer = ProgressWriter(args.progress_file)
    cancel = (lambda: args.cancel_file.exists()) if args.cancel_file else None
    started = time.monotonic()
    try:
        for index, spec in enumerate(specs):
            images, labels, description = evaluation_data(spec, data=args.data, data_format=args.data_format,
                                                          n=args.n, config=_training_config(spec, args.root))

            def progress(done, total, index=index, spec=spec):
                finished, overall = index * total + done, len(specs) * total
                eta = (time.monotonic() - started) * (overall - finished) / finished
                writer.update(model=spec.model_id, done=finished, total=overall, eta_s=round(eta, 1))

            result = evaluate_model(spec, images, labels, data=description, epsilons=args.epsilons,
                                    attack=attack, with_checks=not args.no_checks, root=args.root,
                                    progress=progress, cancel=cancel)
            curve = ", ".join(f"{r['epsilon']:g}: {r['accuracy']:.3f}" for r in result["curve"])
            print(f"{spec.model_id}: {curve}\n  {result.get('verdict', '')}\n  -> {result['path']}", flush=True)
    except Cancelled:
        writer.finish("cancelled", message="cancelled by the user")
        return 0
    writer.finish("done", message=f"evaluated {len(specs)} model(s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))
