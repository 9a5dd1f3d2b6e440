"""Robustness curves (the paper's Fig. 3/5/7), with an interval on every accuracy.

A sweep attacks the images at each epsilon in increasing order. An image counts as robust
at epsilon only if it was classified correctly and no attack of the preset fooled it at
this epsilon or any smaller one (an adversarial example inside a smaller ball lies inside
every larger ball), so the curve can only fall. Per image and epsilon it keeps the most
adversarial example found so far (lowest true-class margin); on binary tasks its positive-
class probability gives the AUC under attack.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from core.attacks import predict_logits, true_class_margin, worst_case
from core.attacks.predict import softmax
from core.encoding import flags_to_text, labels_to_text
from core.evaluate.presets import PRESETS, Preset
from core.evaluate.shards import load_shard, merge, save_shard, shard_bounds, shard_file
from core.formatting import in_255
from core.jobs import Cancelled
from core.metrics import accuracy_summary
from core.stats import auc_ci, proportion_ci
from core.tasks import Task, get_task

BOOTSTRAP = 1000  # AUC bootstrap replicates


def attack_sweep(model, images, labels, *, epsilons, attack: Preset = PRESETS["strong"], seed_key=(),
                 progress: Callable[[int, int], None] | None = None,
                 cancel: Callable[[], bool] | None = None) -> list[dict]:
    """Per-image outcome at each epsilon (increasing): dicts with epsilon, robust (bool array),
    robust_this_epsilon (bool array, or None when the preset skips fooled images), scores
    (probability per class of the kept example) and fooled_by ({attack title: new images}).

    seed_key: extra entropy for the attacks' seeds (e.g. the shard index), so a part of a
    test set is attacked the same way whoever evaluates it.
    """
    labels = np.asarray(labels, np.int64)
    members = attack.members_for(int(model.output_shape[-1]))
    grid = sorted(float(e) for e in epsilons)
    logits = predict_logits(model, images)
    kept_logits, kept_margin = logits.copy(), true_class_margin(logits, labels)
    correct = logits.argmax(axis=1) == labels
    fooled = ~correct
    units, done = len(grid) * len(members), 0
    outcomes = []

    def after_each(_index):
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, units)
        if cancel is not None and cancel():
            raise Cancelled()

    for index, epsilon in enumerate(grid):
        if cancel is not None and cancel():
            raise Cancelled()
        todo = np.flatnonzero(correct if attack.attack_every_epsilon else ~fooled)
        robust_now = correct.copy()
        fooled_by = {m.title: 0 for m in members} if epsilon > 0 else {}
        if epsilon > 0 and todo.size:
            result = worst_case(model, images[todo], labels[todo], epsilon=epsilon, attacks=members,
                                seed=np.random.SeedSequence([attack.seed, *seed_key, index]), after_each=after_each)
            robust_now[todo] = result.robust
            better = result.margins < kept_margin[todo]
            kept_margin[todo[better]] = result.margins[better]
            kept_logits[todo[better]] = result.logits[better]
            new = ~fooled[todo] & ~result.robust
            fooled_by = {m.title: int((result.fooled_by[new] == i).sum()) for i, m in enumerate(members)}
            fooled[todo[~result.robust]] = True
        else:
            done += len(members)
            if progress is not None:
                progress(done, units)
        outcomes.append({"epsilon": epsilon, "robust": ~fooled, "fooled_by": fooled_by,
                         "robust_this_epsilon": robust_now if attack.attack_every_epsilon else None,
                         "scores": softmax(kept_logits)})
    return outcomes


def curve_rows(outcomes: list[dict], labels, *, task: Task | None = None, binary: bool | None = None,
               seed: int = 0) -> list[dict]:
    """One row per epsilon: accuracy with its 95 % interval, the per-image robust flags, the raw
    accuracy of the attack at this epsilon alone (when known), what each attack added, and on
    binary tasks the AUC under attack with a bootstrap interval.

    With `task`, `accuracy` is re-weighted to the task's real class mix (core.metrics), with
    `balanced_accuracy`, `sample_accuracy` and `per_class` recalls beside it; without, it is
    the plain share of the sample with its Wilson interval."""
    labels = np.asarray(labels, np.int64)
    binary = task.is_binary if task is not None else bool(binary)
    rows = []
    for outcome in outcomes:
        robust = np.asarray(outcome["robust"], bool)
        n, k = int(robust.size), int(robust.sum())
        low, high = proportion_ci(k, n)
        row = {"epsilon": outcome["epsilon"], "epsilon_255": in_255(outcome["epsilon"]),
               "accuracy": k / n if n else float("nan"), "accuracy_low": low, "accuracy_high": high,
               "robust_count": k, "n": n, "fooled_by": outcome["fooled_by"], "robust": flags_to_text(robust)}
        if task is not None and n:
            row.update(accuracy_summary(robust, labels, task), weighting="real")
        if outcome["robust_this_epsilon"] is not None:
            row["accuracy_this_epsilon"] = float(np.mean(outcome["robust_this_epsilon"])) if n else float("nan")
        if not binary:  # the class each image became: the confusion matrix under attack
            row["predicted"] = labels_to_text(np.asarray(outcome["scores"]).argmax(axis=1))
        if binary:
            positive = outcome["scores"][:, 1]
            interval = auc_ci(positive, labels == 1, n_boot=BOOTSTRAP, seed=seed)
            row.update(auc=interval["auc"], auc_low=interval["low"], auc_high=interval["high"],
                       scores=[float(np.float32(s)) for s in positive])
        rows.append(row)
    return rows


def sweep_shards(model, images, labels, *, epsilons, attack: Preset = PRESETS["strong"], folder=None,
                 progress: Callable[[float, int], None] | None = None,
                 cancel: Callable[[], bool] | None = None) -> list[dict]:
    """attack_sweep over the fixed shards of the test set (core.evaluate.shards), merged.

    With `folder`, each shard's outcome is saved there as soon as it is done and a shard
    already saved is not recomputed. progress(done, total) counts shards (fractions too).
    """
    bounds = shard_bounds(len(labels))
    outcomes = []
    for index, (start, stop) in enumerate(bounds):
        saved = load_shard(shard_file(folder, index)) if folder is not None else None
        if saved is None:
            def shard_progress(done, units, index=index):
                if progress is not None:
                    progress(index + done / units, len(bounds))

            saved = attack_sweep(model, images[start:stop], labels[start:stop], epsilons=epsilons, attack=attack,
                                 seed_key=(index,), progress=shard_progress, cancel=cancel)
            if folder is not None:
                save_shard(shard_file(folder, index), saved)
        if progress is not None:
            progress(index + 1, len(bounds))
        outcomes.append(saved)
    return merge(outcomes)


def robustness_curve(model, images, labels, *, epsilons, attack: Preset = PRESETS["strong"],
                     task: Task | str | None = None, progress: Callable[[float, int], None] | None = None,
                     cancel: Callable[[], bool] | None = None, folder=None) -> list[dict]:
    """Robust accuracy at each epsilon, in increasing order of epsilon (see curve_rows),
    computed shard by shard (sweep_shards); with `task`, re-weighted to its real class mix."""
    outcomes = sweep_shards(model, images, labels, epsilons=epsilons, attack=attack, folder=folder,
                            progress=progress, cancel=cancel)
    task = get_task(task) if isinstance(task, str) else task
    return curve_rows(outcomes, labels, task=task, binary=int(model.output_shape[-1]) == 2, seed=attack.seed)
