"""Training under tf.distribute: MirroredStrategy over two logical CPU devices, and
MultiWorkerMirroredStrategy from TF_CONFIG with two local worker processes over loopback."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["--task", "cxr", "--backbone", "resnet50", "--no-attention", "--max-epochs", "1", "--synthetic-train", "32",
         "--synthetic-val", "16", "--synthetic-test", "16", "--batch-size", "16"]


def _environment(**extra):
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": str(ROOT), **extra}


def test_mirrored_strategy_trains_on_two_logical_cpu_devices(tmp_path):
    script = f"""
import json, sys
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from core.models.zoo import ModelSpec, load_model
from core.train import TrainConfig, distribution_strategy, train
replicas = distribution_strategy("mirrored").num_replicas_in_sync
config = TrainConfig(max_epochs=2, synthetic_train=32, synthetic_val=16, synthetic_test=16, batch_size=16,
                     distribute="mirrored")
card = train(ModelSpec("cxr", "resnet50", False), config, root={str(tmp_path)!r})
load_model(ModelSpec("cxr", "resnet50", False), root={str(tmp_path)!r})
print(json.dumps({{"replicas": replicas, "status": card["status"], "losses": card["history"]["loss"]}}))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=_environment(),
                         cwd=ROOT, timeout=400)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["replicas"] == 2 and result["status"] == "done" and len(result["losses"]) == 2


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def test_multi_worker_training_from_tf_config_with_two_local_processes(tmp_path):
    cluster = {"worker": [f"127.0.0.1:{port}" for port in _free_ports(2)]}
    workers = []
    for index in range(2):
        config = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})
        workers.append(subprocess.Popen(
            [sys.executable, "-m", "core.train", *SMALL, "--distribute", "multi-worker", "--root", str(tmp_path)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
            env=_environment(TF_CONFIG=config)))
    outputs = []
    for worker in workers:
        try:
            outputs.append(worker.communicate(timeout=400)[0])
        finally:
            worker.kill()
    assert [w.returncode for w in workers] == [0, 0], "\n---\n".join(o[-2000:] for o in outputs)
    assert "done: test accuracy" in outputs[0]  # the chief reports and writes the checkpoint
    assert (tmp_path / "demo" / "cxr" / "resnet50_vanilla.keras").is_file()
