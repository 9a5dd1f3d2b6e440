"""train(): one model of the zoo, as the paper trained it (section 3.3)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Callable

import keras
import numpy as np

from core.data.datasets import class_weights
from core.jobs import Cancelled
from core.models.spec import ModelSpec
from core.train.config import TrainConfig
from core.train.data import Splits, load_splits
from core.train.distribute import distribution_strategy, fit_distributed, is_chief, is_multi_worker
from core.train.tracker import Tracker, resume_path


def check_defence_affordable(spec: ModelSpec, config: TrainConfig) -> None:
    """ValueError for adversarial training of a paper-profile model (224 px or more, the full
    backbones) on a machine without a GPU, unless config.accept_defence_cost says to go on:
    each batch costs its attack's defence_steps forward-backward passes more than standard
    training (bench/defence_cost.py), and an undefended paper-profile epoch already takes hours
    on a CPU."""
    import tensorflow as tf

    if config.defence == "none" or spec.profile != "paper" or config.accept_defence_cost:
        return
    if not tf.config.list_logical_devices("GPU"):
        raise ValueError(
            f"defence: {config.defence} on the paper profile costs about {config.defence_steps + 1}x a standard "
            f"epoch ({config.defence_steps} attack steps per batch), and this machine has no GPU: expect days. "
            "Train it on a GPU machine, use the demo profile, or set accept_defence_cost "
            "(--accept-defence-cost true) to train here anyway")


def starting_checkpoint(spec: ModelSpec, init_from: str, *, root=None) -> Path:
    """The checkpoint `init_from` names for `spec` ("undefended": the same model trained without
    a defence, under `root`; else a .keras path); ValueError where it is missing or holds another
    architecture (its weights would not fit)."""
    from core.models.zoo import CheckpointError, checkpoint_path, read_card

    if init_from == "undefended":
        source = replace(spec, defence="none")
        if source == spec:
            raise ValueError(f"init_from: {spec.model_id} is the undefended model itself; 'undefended' starts a "
                             "defended model from it")
        path = checkpoint_path(source, root=root)
        hint = f"; train {source.model_id} first"
    else:
        path, hint = Path(init_from), ""
    try:
        card = read_card(path) if path.is_file() else None
    except CheckpointError as error:
        raise ValueError(f"init_from: {path} cannot be read: {error}") from None
    if card is None:
        raise ValueError(f"init_from: no checkpoint at {path}{hint}")
    other = card.get("spec") or {}
    fields = ("task", "backbone", "attention", "profile")
    if any(other.get(k) != getattr(spec, k) for k in fields):
        raise ValueError(f"init_from: {path} holds another architecture ({other}) than {spec.model_id}; its weights "
                         "do not fit")
    return path


def build_before_fit(model, element_spec) -> None:
    """Create the optimizer's and the compiled metrics' variables now, from the shapes of the
    training batches (`element_spec`: a tf.data element spec, (images, one-hot) first), as Keras
    itself does under a distribution strategy. Under none (one CPU or GPU) Keras leaves them to
    its first trace of the train step, and TensorFlow then traces that step a second time (a
    tf.function that creates variables on its first call is traced again without them): 1.6-2 s
    more per run for a demo model here, the slowest part of a short run's start. The multi-worker
    loop (fit_distributed) traced its own step twice the same way. Keras 3's own build (a private
    method; Keras is pinned in requirements.txt); without it, training still runs, slower to start."""
    build = getattr(model, "_symbolic_build", None)
    if build is not None:
        build(data_batch=tuple(element_spec)[:2])


def start_from(model, path: Path) -> str:
    """Load the weights of the checkpoint at `path` into `model`; returns the card's init text."""
    from core.models.zoo import load_checkpoint

    model.set_weights(load_checkpoint(path).get_weights())
    return f"fine-tuned from {path.name}"


def train(spec: ModelSpec, config: TrainConfig = TrainConfig(), *, root=None,
          progress: Callable[[dict], None] | None = None,
          cancel: Callable[[], bool] | None = None, resume: bool = False) -> dict:
    """Train `spec` with `config`; returns the final card (metrics, history, paths).

    progress(event) receives dicts with phase, epoch, epochs, step, steps, loss, accuracy,
    val_loss, val_accuracy, elapsed_s and eta_s. cancel() returning True stops the run
    after the current batch; the best checkpoint saved so far stays on disk.
    """
    from core.models.zoo import (build_model, checkpoint_path, load_checkpoint, load_training_state, save_checkpoint,
                                 sweep_temporaries)

    if spec.defence != config.defence:
        raise ValueError(f"defence: the model {spec.model_id} is named for defence {spec.defence!r} but the "
                         f"training config says {config.defence!r}; give the same to both (the CLI does)")
    if spec.seed != config.seed:
        raise ValueError(f"seed: the model {spec.model_id} is named for seed {spec.seed} but the training config "
                         f"says {config.seed}; give the same to both (the CLI does), so a replica trained with "
                         "another seed never overwrites the model it replicates")
    path = checkpoint_path(spec, root=root)
    state_path = resume_path(path)
    state = _read_state(state_path) if resume else None
    if resume and state is None:
        raise ValueError(_nothing_to_resume(spec, path))
    source = starting_checkpoint(spec, config.init_from, root=root) if config.init_from and state is None else None
    strategy = distribution_strategy(config.distribute)  # first: a cluster's collectives need a fresh runtime
    check_defence_affordable(spec, config)
    if config.defence != "none" and is_multi_worker(strategy):
        raise ValueError("defence: adversarial training runs in Keras's own fit (one machine, any number of "
                         "GPUs); the multi-worker loop does not run it yet: use distribute='mirrored' or 'none'")
    if is_chief():
        sweep_temporaries(spec, root=root)  # one job per model: no write of it is running now
    keras.utils.set_random_seed(config.seed)
    data = load_splits(spec, config)
    with strategy.scope():
        if state is not None:
            model = load_training_state(state_path)
        else:
            model = build_model(spec, weights=config.weights)
            model.compile(optimizer=keras.optimizers.Adam(config.learning_rate, epsilon=config.adam_epsilon),
                          loss="categorical_crossentropy", metrics=["accuracy"])
        init = getattr(model, "backbone_init", state["init"] if state else "unknown")
        if source is not None:
            init = start_from(model, source)
    from core.train.defence import attach as attach_defence  # after the strategy: it imports the attacks

    attach_defence(model, config)
    weights = class_weights(data.train_labels, spec.task_info.num_classes) if config.class_weighting else None
    if weights and config.weighted_validation:
        data.val = weighted(data.val, weights)
    history = state["history"] if state else {}
    tracker = Tracker(spec, config, data, path, root, history, init, progress, cancel,
                       **({k: state[k] for k in ("best", "wait", "best_epoch")} if state else {}))
    schedule = dict(epochs=config.max_epochs, initial_epoch=state["epoch"] if state else 0,
                    steps_per_epoch=data.steps_per_epoch, class_weight=weights)
    with strategy.scope():
        build_before_fit(model, data.train.element_spec)
    try:
        if is_multi_worker(strategy):
            fit_distributed(model, strategy, data, callback=tracker, **schedule)
        else:
            model.fit(data.train, validation_data=data.val, callbacks=[tracker], shuffle=False, verbose=0, **schedule)
    except Cancelled:
        pass  # the tracker raised it after the current batch and recorded it
    cancelled = tracker.cancelled
    if not tracker.chief:  # a non-chief worker of a cluster: the chief writes everything
        return {"status": "cancelled" if cancelled else "done", "checkpoint": None, "chief": False}
    if not path.is_file():  # no finished epoch: nothing to report
        return {"status": "cancelled" if cancelled else "failed", "checkpoint": None}
    best = load_checkpoint(path)  # the best weights, as saved (early stopping restores these)
    metrics = _final_metrics(best, data, spec)
    if spec.task_info.is_binary:
        metrics["operating_point"] = _operating_point(best, data)
    if data.ood_sample is not None:
        from core import ood

        train_images, train_labels, held_out = data.ood_sample()
        ood.save(ood.fit(best, train_images, train_labels, held_out), path)
    card = tracker.card(status="cancelled" if cancelled else "done", metrics=metrics)
    save_checkpoint(best, spec, root=root, card=card)
    if not cancelled:  # finished: nothing to resume
        state_path.unlink(missing_ok=True)
        state_path.with_suffix(".json").unlink(missing_ok=True)
    return {**card, "checkpoint": str(path)}


def weighted(dataset, weights: dict):
    """(image, one-hot) batches -> (image, one-hot, class weight): the validation loss then
    weights classes as the training loss does (Keras applies class_weight to training only)."""
    import tensorflow as tf

    table = tf.constant([float(weights.get(c, 1.0)) for c in range(len(weights))], tf.float32)
    return dataset.map(lambda x, y: (x, y, tf.gather(table, tf.argmax(y, axis=-1))))


def _nothing_to_resume(spec: ModelSpec, path: Path) -> str:
    """Why --resume cannot continue, said so that nothing good is overwritten by accident."""
    from core.models.zoo import CheckpointError, read_card

    try:
        status = read_card(path).get("status") if path.is_file() else None
    except CheckpointError:
        status = None
    if status == "done":
        return (f"{spec.model_id} already finished training; there is nothing to resume. To train it again "
                "from scratch, run without --resume (this replaces its checkpoint) or delete it first")
    return (f"{spec.model_id} has no interrupted run to resume (no {resume_path(path).name}); "
            "run without --resume to start one")


def _final_metrics(model, data: Splits, spec: ModelSpec) -> dict:
    from core.attacks import predict
    from core.metrics import clean_metrics

    if data.test_images is not None:
        probabilities = predict(model, data.test_images)
    else:
        probabilities = np.concatenate([predict(model, x.numpy()) for x, _ in data.test_source])
    return clean_metrics(probabilities, data.test_labels, spec.task_info)


def _operating_point(model, data: Splits) -> dict:
    """Youden's threshold fixed on the validation split, and the test split's sensitivity and
    specificity at it (core.operating_point)."""
    from core.attacks import predict
    from core.operating_point import sensitivity_specificity, youden_threshold

    scores, labels = [], []
    for batch in data.val:
        scores.append(predict(model, batch[0].numpy())[:, 1])
        labels.append(np.argmax(batch[1].numpy(), axis=1))
    try:
        point = youden_threshold(np.concatenate(scores), np.concatenate(labels))
    except ValueError as error:  # a validation split without both classes fixes no threshold
        return {"fixed_on": None, "reason": str(error)}
    test = data.test_images if data.test_images is not None else np.concatenate(
        [x.numpy() for x, _ in data.test_source])
    return {**point, "fixed_on": "validation split",
            "test": sensitivity_specificity(predict(model, test)[:, 1], data.test_labels == 1, point["threshold"])}


def _read_state(state_path: Path) -> dict | None:
    card = state_path.with_suffix(".json")
    if not state_path.is_file() or not card.is_file():
        return None
    return json.loads(card.read_text())
