"""Training on several devices or machines with tf.distribute."""

from __future__ import annotations

import json
import os

DISTRIBUTE = ("auto", "none", "mirrored", "multi-worker")


def distribution_strategy(kind: str = "auto"):
    """The tf.distribute strategy to train under.

    auto: MultiWorkerMirroredStrategy when TF_CONFIG describes a cluster, MirroredStrategy over
    the local GPUs when there are several, else none. mirrored: MirroredStrategy over every
    local GPU, or over the logical CPU devices when there is no GPU. multi-worker: from
    TF_CONFIG (one process per machine, each with the same command). none: one device.
    """
    import tensorflow as tf

    if kind not in DISTRIBUTE:
        raise ValueError(f"distribute must be one of {DISTRIBUTE}, got {kind!r}")
    cluster = json.loads(os.environ.get("TF_CONFIG") or "{}").get("cluster")
    if kind == "multi-worker" or (kind == "auto" and cluster):
        if not cluster:
            raise ValueError("distribute='multi-worker' needs TF_CONFIG with the cluster and this worker's task "
                             "(docs/architecture.md, Scaling out)")
        return tf.distribute.MultiWorkerMirroredStrategy()
    gpus = tf.config.list_logical_devices("GPU")
    if kind == "mirrored":
        devices = gpus or tf.config.list_logical_devices("CPU")
        return tf.distribute.MirroredStrategy(devices=[d.name for d in devices])
    if kind == "auto" and len(gpus) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def is_chief() -> bool:
    """Whether this process writes checkpoints and progress: always, except the non-chief
    workers of a multi-worker cluster (TF_CONFIG; the chief, or else worker 0, writes)."""
    config = json.loads(os.environ.get("TF_CONFIG") or "{}")
    task, cluster = config.get("task", {}), config.get("cluster", {})
    if not task:
        return True
    if "chief" in cluster:
        return task.get("type") == "chief"
    return task.get("type") == "worker" and int(task.get("index", 0)) == 0


def is_multi_worker(strategy) -> bool:
    import tensorflow as tf

    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)


def fit_distributed(model, strategy, data, *, epochs: int, initial_epoch: int, steps_per_epoch: int,
                    class_weight: dict | None, callback) -> None:
    """The training loop Keras's fit would run, written out with strategy.run: Keras 3's fit
    does not run under MultiWorkerMirroredStrategy (keras-team/keras#20585). Same loss
    (categorical cross-entropy, class-weighted, averaged over the global batch), the model's
    own optimizer, and the same callback hooks (progress, cancel, checkpoints, early stopping)."""
    import keras
    import tensorflow as tf

    classes = model.output_shape[-1]
    weights = tf.constant([float((class_weight or {}).get(c, 1.0)) for c in range(classes)], tf.float32)
    optimizer = model.optimizer
    train_batches = iter(strategy.experimental_distribute_dataset(data.train))
    sum_ = tf.distribute.ReduceOp.SUM

    def totals(y, probabilities, per_example):
        hits = tf.cast(tf.argmax(probabilities, axis=1) == tf.argmax(y, axis=1), tf.float32)
        return tf.reduce_sum(per_example), tf.reduce_sum(hits), tf.cast(tf.shape(y)[0], tf.float32)

    @tf.function
    def train_step(batches):
        def step(x, y):
            with tf.GradientTape() as tape:
                probabilities = model(x, training=True)
                per_example = keras.losses.categorical_crossentropy(y, probabilities)
                weighted = per_example * tf.gather(weights, tf.argmax(y, axis=1))
                batch = tf.cast(tf.shape(y)[0], tf.float32) * strategy.num_replicas_in_sync
                loss = tf.reduce_sum(weighted) / batch
            optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
            return totals(y, probabilities, weighted)
        return [strategy.reduce(sum_, value, axis=None) for value in strategy.run(step, args=next(batches))]

    @tf.function
    def evaluate_step(x, y):
        def step(x, y):
            probabilities = model(x, training=False)
            return totals(y, probabilities, keras.losses.categorical_crossentropy(y, probabilities))
        return [strategy.reduce(sum_, value, axis=None) for value in strategy.run(step, args=(x, y))]

    callback.set_model(model)
    model.stop_training = False
    for epoch in range(initial_epoch, epochs):
        callback.on_epoch_begin(epoch)
        loss = hits = seen = 0.0
        for step in range(steps_per_epoch):
            batch_loss, batch_hits, batch_seen = (float(v) for v in train_step(train_batches))
            loss, hits, seen = loss + batch_loss, hits + batch_hits, seen + batch_seen
            callback.on_train_batch_end(step, {"loss": loss / seen, "accuracy": hits / seen})
        val_loss = val_hits = val_seen = 0.0
        for x, y in strategy.experimental_distribute_dataset(data.val):
            part = [float(v) for v in evaluate_step(x, y)]
            val_loss, val_hits, val_seen = val_loss + part[0], val_hits + part[1], val_seen + part[2]
        callback.on_epoch_end(epoch, {"loss": loss / seen, "accuracy": hits / seen,
                                      "val_loss": val_loss / val_seen, "val_accuracy": val_hits / val_seen})
        if model.stop_training:
            break
