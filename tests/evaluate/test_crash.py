"""kill -9 a sharded evaluation midway, run it again: the per-image results equal an
uninterrupted run's, bit for bit (the saved shards are kept, the rest recomputed with the
same per-shard seeds)."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}


def _command(root: Path) -> list[str]:
    return [sys.executable, "-m", "core.evaluate", "--task", "cxr", "--root", str(root), "--model",
            "demo-cxr-resnet50-vanilla", "--n", "100", "--epsilons", "0", "0.01", "--preset", "custom",
            "--steps", "12", "--no-checks"]


def test_a_killed_evaluation_resumes_to_the_same_per_image_results(tmp_path):
    from core.models.zoo import ModelSpec
    from core.train import TrainConfig, train

    spec = ModelSpec("cxr", "resnet50", False)
    train(spec, TrainConfig(max_epochs=1, synthetic_train=32, synthetic_val=16, synthetic_test=16, batch_size=16),
          root=tmp_path / "straight")
    shutil.copytree(tmp_path / "straight", tmp_path / "killed")
    from core.cli.evaluate import main

    assert main(_command(tmp_path / "straight")[3:]) == 0  # the same command, run here: no new process
    process = subprocess.Popen(_command(tmp_path / "killed"), cwd=REPO, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env=ENV)
    deadline = time.monotonic() + 300
    shards = lambda: list((tmp_path / "killed").rglob("shard-*.npz"))  # noqa: E731
    while not shards() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL and len(shards()) == 1, "not killed midway"
    assert main(_command(tmp_path / "killed")[3:]) == 0  # the re-run: the saved shard is kept, the rest computed
    results = [json.loads(next((tmp_path / name).rglob("results/*.json")).read_text())
               for name in ("straight", "killed")]
    for a, b in zip(results[0]["curve"], results[1]["curve"]):
        assert a["robust"] == b["robust"] and a.get("scores") == b.get("scores")
