"""Architecture or seed? The attentive-vs-vanilla difference across training seeds (issue 23).

One trained model per configuration answers for that pair of trained models only: a McNemar
test covers which test images were drawn, not which weights training happened to find, and
training randomness alone moves a demo model by several points. So each configuration is
trained again with other seeds (replicas, `ModelSpec.seed`, same data and recipe), each seed's
twins are compared on the same images as usual, and the k per-seed differences give the
architecture's effect: their mean with a Student-t interval on k - 1 degrees of freedom
(Bouthillier et al. 2021, "Accounting for variance in machine learning benchmarks"). With k = 3
that interval is wide (t = 4.30): it says honestly how little three seeds can settle.

    replica_specs(task, seeds)          the 4 configurations x seeds
    study_key(...)                      the file name's key of one study's settings
    seed_study(results_by_spec, ...)    per family: each seed's twin tests, then the mean over seeds
    mean_interval(values)               the mean with its t-interval

Per replica the study reads two saved results on the same test images: the minimum-norm run
(each image's ε*: the median, the twins' Wilcoxon test), the cheap whole-curve summary, and the
`strong` protocol at one ε per backbone family (grid [0, ε]: clean and robust accuracy, the
twins' paired test). That ε is where the family's seed-0 twins are half fooled: the median of
their pooled ε* (study_epsilon). A fixed grid point does not work on every task: on the binary
tasks every demo model is at 0 % from the paper's ε = 0.01 on, where a difference of 0 would say
nothing; a paired comparison of proportions has most power where they are near one half, and a
median over both twins favours neither.
"""

from __future__ import annotations

import hashlib
import json
import math

import numpy as np

from core.evaluate.minimum_norm import median_interval, stars_of, star_twin_test
from core.evaluate.twins import SIGNIFICANCE, twin_test
from core.formatting import epsilon_text, in_255, points
from core.models.backbones import FAMILIES, FAMILY_TITLES
from core.models.spec import ModelSpec

STUDY_SEEDS = (0, 1, 2)  # the minimum: three trained models per configuration


def replica_specs(task: str, seeds=STUDY_SEEDS, *, profile: str = "demo") -> list[ModelSpec]:
    """The paper's four configurations of `task`, each at every training seed of `seeds`."""
    seeds = sorted({int(s) for s in seeds})
    if len(seeds) < 2:
        raise ValueError(f"a seed study needs at least 2 training seeds, got {seeds}")
    return [ModelSpec(task, family, attention, profile, seed=seed)
            for seed in seeds for family in FAMILIES for attention in (False, True)]


def study_key(data: str, n: int, protocol: str, fmn_key: str, seeds) -> str:
    """`seeds-<hash>`: the key of a saved study (same images, protocols and seeds; a newer study
    of the same settings replaces it)."""
    blob = json.dumps({"data": data, "n": n, "protocol": protocol, "fmn": fmn_key,
                       "seeds": sorted(int(s) for s in seeds)}, sort_keys=True)
    return "seeds-" + hashlib.sha1(blob.encode()).hexdigest()[:12]


def study_epsilon(stars, *, fallback: float) -> float:
    """The median of pooled ε* (the seed-0 twins'), to two significant digits; `fallback` where
    there are none or FMN broke fewer than half of the images."""
    values = np.asarray(stars, np.float64)
    if not len(values) or not np.isfinite(np.median(values)) or np.median(values) <= 0:
        return float(fallback)
    median = float(np.median(values))
    return float(f"{median:.2g}")


def mean_interval(values, *, level: float = 0.95) -> dict:
    """mean, low, high (Student-t on len - 1 degrees of freedom), sd and k of `values`."""
    from scipy import stats

    values = np.asarray(values, np.float64)
    k = len(values)
    if k == 0:
        raise ValueError("no values to average")
    mean = float(values.mean())
    if k == 1:
        return {"mean": mean, "low": float("nan"), "high": float("nan"), "sd": float("nan"), "k": 1}
    sd = float(values.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, k - 1)) * sd / math.sqrt(k)
    return {"mean": mean, "low": mean - half, "high": mean + half, "sd": sd, "k": k}


def _at(rows: list[dict], epsilon: float) -> dict:
    for row in rows:
        if math.isclose(row["epsilon"], epsilon, rel_tol=0, abs_tol=1e-12):
            return row
    raise ValueError(f"the saved results have no ε = {epsilon}; evaluate the replicas at it")


def _seed_row(seed: int, attentive: dict, vanilla: dict, epsilon: float) -> dict:
    """One seed's twins: clean and robust differences with their McNemar tests, and the ε*
    medians with the Wilcoxon test where both minimum-norm runs are there."""
    tests = twin_test(attentive["grid"], vanilla["grid"])
    clean, robust = _at(tests, 0.0), _at(tests, epsilon)
    row = {"seed": seed, "clean": {k: clean[k] for k in ("difference", "low", "high", "p_value")},
           "robust": {k: robust[k] for k in ("difference", "low", "high", "p_value", "n")},
           "accuracy": {name: {"clean": _at(r["grid"]["curve"], 0.0)["accuracy"],
                               "robust": _at(r["grid"]["curve"], epsilon)["accuracy"]}
                        for name, r in (("attentive", attentive), ("vanilla", vanilla))}}
    if attentive.get("fmn") and vanilla.get("fmn"):
        a, v = stars_of(attentive["fmn"]), stars_of(vanilla["fmn"])
        medians = {"attentive": median_interval(a), "vanilla": median_interval(v)}
        row["epsilon_star"] = {**medians, "difference": medians["attentive"]["median"] - medians["vanilla"]["median"],
                               "p_value": star_twin_test(a, v)["p_value"]}
    return row


def seed_study(found: dict[ModelSpec, dict], *, epsilons: dict[str, float]) -> list[dict]:
    """Per backbone family with at least two seeds whose twins both have a grid result: the
    per-seed rows and the mean over seeds (t-interval) of the robust-accuracy difference at
    the family's ε (`epsilons[family]`), the clean difference and the median-ε* difference,
    with one sentence.

    found: {replica spec: {"grid": strong result on [0, ε], "fmn": minimum-norm result or None,
    "card": the replica's card}}, all on the same test images.
    """
    summaries = []
    for family in FAMILIES:
        if family not in epsilons:
            continue
        epsilon = epsilons[family]
        seeds = sorted({s.seed for s in found if s.backbone == family})
        rows = []
        for seed in seeds:
            pair = {s.attention: r for s, r in found.items() if s.backbone == family and s.seed == seed}
            if True in pair and False in pair and pair[True].get("grid") and pair[False].get("grid"):
                rows.append(_seed_row(seed, pair[True], pair[False], epsilon))
        if len(rows) < 2:
            continue
        summary = {"family": family, "title": FAMILY_TITLES[family], "epsilon": epsilon, "per_seed": rows,
                   "robust": mean_interval([r["robust"]["difference"] for r in rows]),
                   "clean": mean_interval([r["clean"]["difference"] for r in rows])}
        if all("epsilon_star" in r for r in rows):
            summary["epsilon_star"] = mean_interval([r["epsilon_star"]["difference"] for r in rows])
        summary["sentence"] = study_sentence(summary)
        summaries.append(summary)
    return summaries


def study_sentence(summary: dict) -> str:
    """e.g. "Across 3 training seeds, soft attention changes the compact ResNet-50's robust
    accuracy at ε = 0.005 by −4.1 points on average (95 % t-interval −20.3 to +12.1; per seed
    −12.7, +3.0, −2.6, of which 0 significant alone): training randomness is as large as the
    effect, so one trained pair cannot say what the architecture does." """
    rows, mean = summary["per_seed"], summary["robust"]
    per_seed = ", ".join(points(r["robust"]["difference"]) for r in rows)
    significant = [r for r in rows if r["robust"]["p_value"] < SIGNIFICANCE]
    same_sign = len({r["robust"]["difference"] > 0 for r in rows if r["robust"]["difference"] != 0}) <= 1
    head = (f"Across {len(rows)} training seeds, soft attention changes {summary['title']}'s robust accuracy at "
            f"{epsilon_text(summary['epsilon'])} by {points(mean['mean'])} points on average (95 % t-interval "
            f"{points(mean['low'])} to {points(mean['high'])}; per seed {per_seed}, {len(significant)} of "
            f"{len(rows)} significant alone by McNemar)")
    if mean["low"] > 0 or mean["high"] < 0:
        direction = "raises" if mean["mean"] > 0 else "lowers"
        tail = f"attention {direction} robustness for this architecture, beyond training randomness"
    elif same_sign:
        tail = ("every seed points the same way, but the interval over seeds includes 0: more seeds would "
                "settle whether this is the architecture")
    else:
        tail = ("the sign changes with the training seed: one trained pair cannot say what the architecture "
                "does")
    star = summary.get("epsilon_star")
    extra = (f" The median smallest adversarial ε moves by {in_255(star['mean']):+.2f}/255 on average "
             f"(t-interval {in_255(star['low']):+.2f} to {in_255(star['high']):+.2f})." if star else "")
    return f"{head}: {tail}.{extra}"


def train_command(task: str, seed: int, profile: str = "demo") -> str:
    """How to train the replicas of `task` at `seed` (the demo zoo's recipe, the same split)."""
    zoo = "--demo-zoo " if profile == "demo" else f"--profile {profile} "
    return f"python -m core.train {zoo}--task {task} --seed {seed} --split-seed 0"


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
    from core.evaluate.results import load_results, results_folder
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
    write_json(path, study)
    return {**study, "path": str(path)}


def replica_cards(task: str, seeds=STUDY_SEEDS, *, profile: str = "demo", root=None) -> dict[ModelSpec, dict | None]:
    """{replica: its card}, None where neither its weights nor its card are here (the card
    says whether training is done: a replica still training has a checkpoint on disk)."""
    from core.models.zoo import CheckpointError, card_path, checkpoint_path, read_card

    cards = {}
    for spec in replica_specs(task, seeds, profile=profile):
        checkpoint = checkpoint_path(spec, root=root)
        try:
            found = checkpoint.is_file() or card_path(checkpoint).is_file()
            cards[spec] = read_card(checkpoint) if found else None
        except CheckpointError:
            cards[spec] = None
    return cards


def training_status(card: dict | None) -> str | None:
    """"done", "training", "cancelled", ... (cards older than the status field: done); None
    without a card."""
    return None if card is None else card.get("status", "done")


def trained_replicas(task: str, seeds=STUDY_SEEDS, *, profile: str = "demo", root=None) -> list[ModelSpec]:
    """The replicas whose training is done (their weights may be gone: not bundled)."""
    return [spec for spec, card in replica_cards(task, seeds, profile=profile, root=root).items()
            if training_status(card) == "done"]


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
    from core.evaluate.results import results_folder

    spec = ModelSpec(task, FAMILIES[0], False, profile)
    studies = []
    for folder_root in [r for r in (results_root, root) if r is not None] or [None]:
        for path in results_folder(spec, root=folder_root).glob("seeds-*.json"):
            try:
                studies.append(json.loads(path.read_text()))
            except (OSError, json.JSONDecodeError):
                continue
    return max(studies, key=lambda s: s.get("created_at", ""), default=None)
