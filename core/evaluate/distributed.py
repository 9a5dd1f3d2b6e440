"""Robustness sweeps sharded over a Ray cluster (one machine or many).

The unit of work is a shard (core.evaluate.shards): a fixed slice of the test set attacked
with seeds drawn from its index, so a shard gives the same per-image result, bit for bit,
wherever it runs. Ray actors (one per GPU where the cluster has GPUs, else one per CPU slot)
each load a model once and attack the shards they are handed; the driver hands out one shard
at a time per actor, writes each shard's outcome atomically as soon as it arrives, and
merges. A re-run skips the shards already written; an actor that dies is restarted by Ray
and its shard run again (max_restarts / max_task_retries), and a shard whose retries are
spent goes to another actor.

    pool = RayPool("local", workers=2)                       # or "auto", or "ray://host:10001"
    outcomes = pool.sweep(spec, images, labels, epsilons=..., attack=..., folder=...)
"""

from __future__ import annotations

import os
import time
from typing import Callable

import numpy as np

from core.evaluate.presets import Preset
from core.evaluate.shards import load_shard, merge, save_shard, shard_bounds, shard_file
from core.jobs import PROJECT_ROOT, Cancelled
from core.models.spec import ModelSpec

ACTOR_RETRIES = 3  # restarts of a dead actor, and retries of the shard it was running
LOCAL_WORKER_NICENESS = 0  # a local pool's actors run at the user's priority (Ray's default: 15)


def _worker_class():
    import ray

    @ray.remote(max_restarts=ACTOR_RETRIES, max_task_retries=ACTOR_RETRIES)
    class ShardWorker:
        """Loads each model once, attacks the shards it is given."""

        def __init__(self, root: str):
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
            self.root, self.models = root, {}

        def pid(self) -> int:
            return os.getpid()

        def run(self, spec: dict, images, labels, epsilons, attack: dict, index: int) -> list[dict]:
            from core.evaluate.curve import attack_sweep
            from core.models.zoo import load_model

            spec = ModelSpec.from_dict(spec)
            if spec not in self.models:
                self.models[spec] = load_model(spec, root=self.root)
            return attack_sweep(self.models[spec], images, labels, epsilons=epsilons,
                                attack=Preset.from_dict(attack), seed_key=(index,))

    return ShardWorker


class RayPool:
    """Ray actors that evaluate shards. address: "local" (start Ray on this machine with
    `workers` CPU slots, no dashboard), "auto" (the running cluster) or a cluster address."""

    def __init__(self, address: str = "local", *, workers: int = 2, root=None):
        import ray

        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        if not ray.is_initialized():
            environment = {"env_vars": {"TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": str(PROJECT_ROOT)}}
            if address == "local":
                # Ray starts its workers at niceness 15 (worker_niceness), to keep the driver
                # responsive; here the driver only waits and the actors are the sweep, which at
                # nice 15 all but stopped beside any other busy process on the machine.
                ray.init(num_cpus=workers, include_dashboard=False, configure_logging=False,
                         log_to_driver=False, runtime_env=environment,
                         _system_config={"worker_niceness": LOCAL_WORKER_NICENESS})
            else:  # every node holds this repository and the checkpoints at the same path (docs/architecture.md)
                ray.init(address=address, log_to_driver=False, runtime_env=environment)
        gpus = ray.cluster_resources().get("GPU", 0)
        options = {"num_gpus": 1, "num_cpus": 1} if gpus >= 1 else {"num_cpus": 1}
        self.root = None if root is None else str(root)
        self.actors = [_worker_class().options(**options).remote(self.root) for _ in range(workers)]

    def pids(self) -> list[int]:
        import ray

        return ray.get([actor.pid.remote() for actor in self.actors])

    def shutdown(self) -> None:
        import ray

        for actor in self.actors:
            ray.kill(actor)
        self.actors = []

    def sweep(self, spec: ModelSpec, images, labels, *, epsilons, attack: Preset, folder,
              progress: Callable[..., None] | None = None, cancel: Callable[[], bool] | None = None) -> list[dict]:
        """attack_sweep over every shard of the test set, on the actors; merged outcomes."""
        import ray
        from ray.exceptions import RayActorError, RayTaskError

        labels = np.asarray(labels, np.int64)
        bounds = shard_bounds(len(labels))
        pending = [i for i in range(len(bounds)) if load_shard(shard_file(folder, i)) is None]
        done, started, total = len(bounds) - len(pending), time.monotonic(), len(bounds)
        images_this_run = 0
        in_flight: dict = {}  # object ref -> (shard index, actor)
        spec_dict, epsilon_list, attack_dict = spec.to_dict(), list(map(float, epsilons)), attack.to_dict()

        def size(index: int) -> int:
            return bounds[index][1] - bounds[index][0]

        def submit(actor):
            if pending:
                index = pending.pop(0)
                start, stop = bounds[index]
                ref = actor.run.remote(spec_dict, np.asarray(images[start:stop], np.float32), labels[start:stop],
                                       epsilon_list, attack_dict, index)
                in_flight[ref] = (index, actor)

        for actor in self.actors:
            submit(actor)
        while in_flight:
            if cancel is not None and cancel():
                for ref in in_flight:
                    ray.cancel(ref, force=True)
                raise Cancelled()
            ready, _ = ray.wait(list(in_flight), num_returns=1, timeout=1.0)
            for ref in ready:
                index, actor = in_flight.pop(ref)
                try:
                    save_shard(shard_file(folder, index), ray.get(ref))
                    done += 1
                    images_this_run += size(index)
                except (RayActorError, RayTaskError):
                    pending.insert(0, index)  # its retries are spent: another actor takes it
                    actor = next((a for a in self.actors if a is not actor), actor)
                submit(actor)
                if progress is not None:
                    elapsed = time.monotonic() - started
                    rate = images_this_run / elapsed if elapsed > 0 else 0.0
                    left = sum(map(size, pending)) + sum(size(i) for i, _ in in_flight.values())
                    progress(done, total, images_per_s=rate, eta_s=left / rate if rate else None)
        return merge([load_shard(shard_file(folder, i)) for i in range(len(bounds))])
