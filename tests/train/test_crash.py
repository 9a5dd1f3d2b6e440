"""kill -9 a real training process, resume it in a fresh process, and compare with a run that
was never interrupted (issue: the resume state must load in a process that has not built a
model yet, where Keras has not seen this tool's layers)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
EPOCHS = 3
COMMAND = [sys.executable, "-m", "core.train", "--task", "cxr", "--backbone", "resnet50", "--attention",
           "--profile", "demo", "--max-epochs", str(EPOCHS), "--patience", str(EPOCHS), "--batch-size", "8",
           "--synthetic-train", "24", "--synthetic-val", "8", "--synthetic-test", "8"]


def _run(root: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([*COMMAND, "--root", str(root), *extra], cwd=REPO, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})


def test_resume_after_kill_9_finishes_like_an_uninterrupted_run(tmp_path):
    from core.train import TrainConfig, train
    from core.models.zoo import ModelSpec

    config = TrainConfig(max_epochs=EPOCHS, patience=EPOCHS, batch_size=8, synthetic_train=24, synthetic_val=8,
                         synthetic_test=8)  # the command's settings, run here without a process of its own
    train(ModelSpec("cxr", "resnet50", True), config, root=tmp_path / "straight")
    killed_root = tmp_path / "killed"
    state = killed_root / "demo" / "cxr" / "resnet50_attention.resume.json"
    process = subprocess.Popen([*COMMAND, "--root", str(killed_root)], cwd=REPO, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    deadline = time.monotonic() + 240
    while not state.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # mid-epoch, perhaps mid-write
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    resumed = _run(killed_root, "--resume")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    cards = {name: json.loads((tmp_path / name / "demo" / "cxr" / "resnet50_attention.json").read_text())
             for name in ("straight", "killed")}
    assert cards["killed"]["status"] == "done" and cards["killed"]["epochs_trained"] == EPOCHS
    assert len(cards["killed"]["history"]["val_loss"]) == EPOCHS
    # Same seed: the epochs before the kill are the same computation in both runs.
    first = [card["history"]["loss"][0] for card in cards.values()]
    np.testing.assert_allclose(first[0], first[1], rtol=1e-4)
    # After it, the resumed run draws its batches anew, so it matches to training noise: its final
    # validation loss within a factor 2 (plus 0.05) of the uninterrupted run's.
    final = [card["history"]["val_loss"][-1] for card in cards.values()]
    assert final[1] <= 2 * final[0] + 0.05 and final[0] <= 2 * final[1] + 0.05, final
    from core.models.zoo import load_model

    load_model(ModelSpec("cxr", "resnet50", True), root=killed_root)  # the final checkpoint loads
    assert not state.exists()  # finished: nothing left to resume
