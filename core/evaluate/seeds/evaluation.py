"""Run a seed study: evaluate each trained replica that lacks them (the minimum-norm run, then
`strong` at its family's study epsilon), then save the study beside the task's results."""

from __future__ import annotations

import json

import numpy as np

from core.evaluate.minimum_norm import stars_of
from core.evaluate.seeds.replicas import STUDY_SEEDS, replica_cards, train_command, training_status
from core.evaluate.seeds.study import _at, seed_study, study_epsilon, with_holm
from core.formatting import epsilon_text
from core.models.backbones import FAMILIES
from core.models.spec import USER_PROFILE, ModelSpec


def study_key(data: str, n: int, protocol: str, fmn_key: str, seeds) -> str:
    """`seeds-<hash>`: the key of a saved study (same images, protocols and seeds; a newer study
    of the same settings replaces it)."""
    from core.store import run_key

    return run_key("seeds", {"data": data, "n": n, "protocol": protocol, "fmn": fmn_key,
                             "seeds": sorted(int(s) for s in seeds)})



def evaluate_seed_study(task: str, seeds=STUDY_SEEDS, *, n: int | None = None, profile: str = "demo", root=None,
                        results_root=None, fmn_steps: int | None = None, with_checks: bool = True,
                        evaluate: bool = True, log=print) -> dict:
    """Evaluate every trained replica of `task` that lacks them (the minimum-norm run, then the
    `strong` protocol on the grid [0, ε] at its family's study_epsilon), then the study
    (seed_study), saved as `<task folder>/results/seeds-<key>.json`. Replicas not trained yet
    are listed with the command that trains them. A replica whose weights are gone (they are not
    bundled) but whose card and results at these settings are saved still counts: the study
    reads its saved results. evaluate=False runs nothing: the study of what is saved (while the
    evaluations run elsewhere, say)."""
    from datetime import datetime, timezone

    from core.atomic import write_json
    from core.evaluate.data import evaluation_data, training_config
    from core.evaluate.minimum_norm import FMN_STEPS, evaluate_minimum_norm, load_minimum_norm, minimum_norm_key
    from core.evaluate.model import evaluate_model
    from core.evaluate.presets import PRESETS
    from core.evaluate.results import load_results
    from core.store import results_folder
    from core.models.zoo import checkpoint_path

    steps, attack, keyed = fmn_steps or FMN_STEPS, PRESETS["strong"], dict(root=root, results_root=results_root)
    cards = replica_cards(task, seeds, profile=profile, root=root)
    specs = list(cards)
    has_weights = {s: checkpoint_path(s, root=root).is_file() for s in specs}
    status = {s: training_status(card) for s, card in cards.items()}
    trained = [s for s in specs if status[s] == "done"]  # not one still training: its checkpoint is on disk
    found, data, count, left_out = {}, "", 0, {}

    def cannot_run(spec) -> str | None:
        """Why a replica lacking a result cannot be evaluated here, or None where it can."""
        if not evaluate:
            return "not evaluated yet (the study read saved results only)"
        return None if has_weights[spec] else "its weights are not here and its results at these settings are not saved"

    loaded = {}  # the replicas of a configuration share their test images: read them once

    def test_data(spec):
        config = training_config(spec, root)
        key = (spec.input_size, None if config is None else (config.data, config.data_format, config.data_split_seed,
                                                             config.val_fraction, config.test_fraction))
        if key not in loaded:
            loaded[key] = evaluation_data(spec, n=n, config=config, lazy=True)
        return loaded[key]

    for spec in trained:  # first every minimum-norm run: the study's ε comes from seed 0's
        images, labels, data = test_data(spec)
        count = len(labels)
        fmn = load_minimum_norm(spec, minimum_norm_key(data, count, steps), **keyed)
        reason = None if fmn is not None else cannot_run(spec)
        if reason:
            left_out[spec] = reason
            log(f"{spec.model_id}: no saved minimum-norm run, {reason}: left out")
            continue
        if fmn is None:
            log(f"{spec.model_id}: minimum-norm run ({steps} steps, {count} images)")
            fmn = evaluate_minimum_norm(spec, images, labels, data=data, steps=steps, **keyed)
        found[spec] = {"fmn": fmn, "card": cards[spec]}
    first = min(int(s) for s in seeds)
    epsilons = {family: study_epsilon(np.concatenate([stars_of(r["fmn"]) for s, r in found.items()
                                                      if s.backbone == family and s.seed == first] or [[]]),
                                      fallback=specs[0].task_info.middle_epsilon)
                for family in {s.backbone for s in found}}
    for spec, record in list(found.items()):
        epsilon = epsilons[spec.backbone]
        grid = load_results(spec, data=data, n=count, epsilons=[0.0, epsilon], attack=attack, **keyed)
        reason = None if grid is not None else cannot_run(spec)
        if reason:
            left_out[spec] = reason
            log(f"{spec.model_id}: no saved `strong` result at {epsilon_text(epsilon)}, {reason}: left out")
            del found[spec]
            continue
        if grid is None:
            log(f"{spec.model_id}: strong protocol at {epsilon_text(epsilon)} on {count} images")
            images, labels, _ = test_data(spec)
            grid = evaluate_model(spec, images, labels, data=data, epsilons=[0.0, epsilon], attack=attack,
                                  with_checks=with_checks, **keyed)
        record["grid"] = grid
    key = study_key(data, count, attack.name, minimum_norm_key(data, count, steps), seeds)
    study = {"task": task, "profile": profile, "epsilons": epsilons, "data": data, "n": count,
             "seeds": sorted({int(s) for s in seeds}), "attack": attack.to_dict(), "fmn_steps": steps,
             "replicas": [_replica_summary(spec, record, epsilons[spec.backbone]) for spec, record in found.items()],
             "missing": [{"model_id": s.model_id, "train": train_command(task, s.seed, profile),
                          "reason": left_out.get(s) or {None: "not trained", "training": "still training"}.get(
                              status[s], f"its training was {status[s]}")}
                         for s in specs if s not in found],
             "families": seed_study(found, epsilons=epsilons),
             "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    path = results_folder(specs[0], root=results_root or root) / f"{key}.json"
    write_json(path, study, compact=True)
    return {**study, "path": str(path)}



def _replica_summary(spec: ModelSpec, record: dict, epsilon: float) -> dict:
    """What a reader of the study needs of one replica: its id, seed, card and numbers."""
    card, grid = record["card"], record["grid"]
    summary = {"model_id": spec.model_id, "spec": spec.to_dict(), "seed": spec.seed,
               "trained": {k: card.get(k) for k in ("created_at", "epochs_trained", "best_epoch", "best_val_loss")},
               "config": card.get("config", {}), "clean": _at(grid["curve"], 0.0)["accuracy"],
               "robust": _at(grid["curve"], epsilon)["accuracy"], "verdict": grid.get("verdict")}
    if record.get("fmn"):
        summary["median_epsilon_star"] = record["fmn"]["median"]
    return summary


def latest_seed_study(task: str, *, profile: str = "demo", root=None, results_root=None) -> dict | None:
    """The newest saved seed study of `task` (under results_root, then beside the checkpoints)."""
    from core.store import results_folder

    if profile == USER_PROFILE:  # imported models are not trained here: there is no seed study of them
        return None
    spec = ModelSpec(task, FAMILIES[0], False, profile)
    studies = []
    for folder_root in [r for r in (results_root, root) if r is not None] or [None]:
        for path in results_folder(spec, root=folder_root).glob("seeds-*.json"):
            try:
                studies.append(json.loads(path.read_text()))
            except (OSError, json.JSONDecodeError):
                continue
    study = max(studies, key=lambda s: s.get("created_at", ""), default=None)
    if study is not None:  # the adjustment and the sentence as the code writes them now
        study["families"] = [with_holm(family) for family in study.get("families", [])]
    return study
