"""Background jobs: a real subprocess, a progress file, cancel, kill -9, the lock."""

import os
import signal

import pytest

from core.jobs import JobError, ProgressWriter, cancel_job, job_status, list_jobs, start_job, wait_for
from core.models.zoo import ModelSpec, load_checkpoint

SPEC = ModelSpec("cxr", "resnet50", False)


def _train_args(root, epochs=40):
    return ["--task", "cxr", "--backbone", "resnet50", "--no-attention", "--root", str(root),
            "--max-epochs", str(epochs), "--synthetic-train", "32", "--synthetic-val", "16",
            "--synthetic-test", "16", "--batch-size", "16", "--patience", "100"]


def _epochs_done(status):
    return status.progress.get("phase") == "epoch" and status.progress.get("epoch", 0) >= 2


def test_killed_training_leaves_a_loadable_checkpoint_and_a_failed_status(tmp_path):
    runs, zoo = tmp_path / "runs", tmp_path / "zoo"
    start_job("train", "t1", _train_args(zoo), root=runs)
    status = wait_for("t1", root=runs, timeout_s=300, until=lambda s: _epochs_done(s) or not s.running)
    assert status.running, status.log_tail
    with pytest.raises(JobError, match="already running"):  # one job per model
        start_job("train", "t1", _train_args(zoo), root=runs)
    pid = int(status.progress["pid"])
    os.kill(pid, signal.SIGKILL)
    status = wait_for("t1", root=runs, timeout_s=30)
    assert status.status == "failed" and "killed" in status.message
    model = load_checkpoint(zoo / "demo" / "cxr" / "resnet50_vanilla.keras")
    assert model.get_layer("logits").units == 2


def test_cancel_stops_the_job_cleanly(tmp_path):
    runs, zoo = tmp_path / "runs", tmp_path / "zoo"
    start_job("train", "t2", _train_args(zoo), root=runs)
    wait_for("t2", root=runs, timeout_s=300, until=lambda s: _epochs_done(s) or not s.running)
    cancel_job("t2", root=runs)
    status = wait_for("t2", root=runs, timeout_s=60)
    assert status.status == "cancelled", status.log_tail
    assert [j.key for j in list_jobs(root=runs)] == ["t2"]
    start_job("train", "t2", _train_args(zoo), root=runs)  # finished: the same key may start again
    assert job_status("t2", root=runs).running
    cancel_job("t2", root=runs, grace_s=0.5)  # still importing TensorFlow: terminated after the grace
    assert wait_for("t2", root=runs, timeout_s=60).status in ("cancelled", "done", "failed")


def test_status_survives_a_new_reader_and_reports_fraction(tmp_path):
    writer = ProgressWriter(tmp_path / "x" / "progress.json")
    (tmp_path / "x" / "job.json").write_text(f'{{"kind": "train", "pid": {os.getpid()}, "started_at": "t"}}')
    writer.update(epoch=2, epochs=4, step=5, steps=10)
    status = job_status("x", root=tmp_path)
    assert status.running and status.fraction == pytest.approx(1.5 / 4)
    writer.finish("done", message="ok")
    assert job_status("x", root=tmp_path).status == "done" and job_status("x", root=tmp_path).fraction == 1
    assert job_status("nothing", root=tmp_path) is None


def test_unknown_kind_is_refused(tmp_path):
    with pytest.raises(JobError, match="kind must be one of"):
        start_job("mine", "k", [], root=tmp_path)


def test_a_cli_error_is_one_line_and_a_failed_job(tmp_path):
    runs = tmp_path / "runs"
    start_job("evaluate", "e1", ["--task", "cxr", "--root", str(tmp_path / "empty"), "--no-checks"], root=runs)
    status = wait_for("e1", root=runs, timeout_s=120)
    assert status.status == "failed"
    assert "error: no checkpoint at" in status.log_tail and "Traceback" not in status.log_tail


@pytest.mark.parametrize("key", ["/etc/passwd", "../escape", "a/b", "..", "", "x" * 200, "evaluate ..x"])
def test_job_keys_are_plain_names(tmp_path, key):
    with pytest.raises(JobError, match="plain name"):
        start_job("train", key, [], root=tmp_path)
    with pytest.raises(JobError, match="plain name"):
        job_status(key, root=tmp_path)
    assert not any(tmp_path.iterdir())
