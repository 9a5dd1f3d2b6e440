"""Background jobs for the UI: training and evaluation in a separate process.

A job lives in a folder `runs/<key>/` that outlives the page and the browser session:

    job.json       who started what: kind, command, pid, start time (written by the launcher)
    progress.json  what the worker last reported (ProgressWriter, written atomically)
    log.txt        the worker's output
    cancel         present when a cancel was asked for; the worker stops after its batch

One job per key (one per model) at a time: a second launch raises JobError. A worker that
dies without reporting an end (a crash, kill -9) is reported as failed, with its last log
lines; the checkpoints it wrote before are whole (core.atomic).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from core.atomic import write_json

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def runs_root() -> Path:
    """Where jobs live: $ADVATTN_RUNS, else the repository's runs/ (git-ignored)."""
    return Path(os.environ.get("ADVATTN_RUNS", PROJECT_ROOT / "runs"))

KINDS = {"train": "core.train", "evaluate": "core.evaluate", "import": "core.models.imported"}
KEY_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")  # a plain folder name: no "/", no ".." alone
FINISHED = ("done", "failed", "cancelled")


class Cancelled(Exception):
    """Raised inside a training or evaluation run when its cancel() callback says stop."""


class JobError(ValueError):
    """A job cannot be started or found; the message says why."""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class ProgressWriter:
    """What a worker reports: merged fields written atomically to progress.json.
    With path None (a run from the command line, not a job) it records nothing."""

    def __init__(self, path: str | Path | None):
        self.path = None if path is None else Path(path)
        self.state = {"status": "running", "started_at": _now(), "pid": os.getpid()}
        self._write()

    def update(self, **fields) -> None:
        self.state.update(fields, status="running")
        self._write()

    def finish(self, status: str, *, message: str = "") -> None:
        if status not in FINISHED:
            raise ValueError(f"status must be one of {FINISHED}, got {status!r}")
        self.state.update(status=status, message=message, finished_at=_now())
        self._write()

    def _write(self) -> None:
        if self.path is not None:
            self.state["updated_at"] = _now()
            write_json(self.path, self.state)


def run_cli(main) -> int:
    """Run a command-line `main()`; a ValueError (every error of core that a person can act
    on) becomes one line on stderr and exit status 2, not a traceback. A job's status then
    reads "failed" with that line in its log tail."""
    try:
        return main()
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr, flush=True)
        return 2


@dataclass
class JobStatus:
    """A job as the UI shows it."""

    key: str
    kind: str
    status: str  # running | done | failed | cancelled
    progress: dict = field(default_factory=dict)
    message: str = ""
    log_tail: str = ""
    started_at: str = ""
    cancelling: bool = False  # a cancel was asked for and the worker has not stopped yet

    @property
    def running(self) -> bool:
        return self.status == "running"

    @property
    def fraction(self) -> float:
        """Share of the work done, from epochs and steps (training) or items (evaluation)."""
        p = self.progress
        if self.status == "done":
            return 1.0
        if "epochs" in p and "epoch" in p and p.get("steps"):
            done = (p["epoch"] - 1) + p.get("step", 0) / p["steps"]
            return max(0.0, min(1.0, done / p["epochs"]))
        if p.get("total"):
            return max(0.0, min(1.0, p.get("done", 0) / p["total"]))
        return 0.0


def _alive(pid: int) -> bool:
    try:
        reaped, _ = os.waitpid(pid, os.WNOHANG)  # our own child: reap it if it ended
        return reaped == 0
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    try:  # a zombie is not alive
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except (OSError, IndexError):
        return True


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return {}


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def job_status(key: str, *, root: str | Path | None = None) -> JobStatus | None:
    """The job called `key`, or None if there never was one."""
    folder = Path(root or runs_root()) / check_key(key)
    job = _read(folder / "job.json")
    if not job:
        return None
    progress = _read(folder / "progress.json")
    status = progress.get("status", "running")
    message = progress.get("message", "")
    if status == "running" and not _alive(int(job.get("pid", -1))):
        status = "failed"
        message = "the job stopped without finishing (it crashed or was killed); see its log"
    log = _tail(folder / "log.txt")
    return JobStatus(key, job.get("kind", "?"), status, progress, message, log, job.get("started_at", ""),
                     cancelling=status == "running" and (folder / "cancel").exists())


def list_jobs(*, root: str | Path | None = None) -> list[JobStatus]:
    """Every job under `root`, newest first."""
    root = Path(root or runs_root())
    found = [job_status(p.name, root=root) for p in root.iterdir() if p.is_dir()] if root.is_dir() else []
    return sorted((j for j in found if j), key=lambda j: j.started_at, reverse=True)


def check_key(key: str) -> str:
    """A job key is a plain name (letters, digits, '.', '_', '-'): never a path."""
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key) or ".." in key:
        raise JobError(f"a job key must be a plain name of letters, digits, '.', '_' and '-', got {key!r}")
    return key


def start_job(kind: str, key: str, arguments: list[str], *, files: dict[str, dict] | None = None,
              root: str | Path | None = None) -> JobStatus:
    """Start `python -m core.<kind> ARGUMENTS` in the background as job `key`.

    files: {flag: JSON-ready dict}; each is written to the job's folder and passed as
    `flag <path>` (typed settings travel whole, e.g. --config run.json from TrainConfig, instead
    of being rebuilt as flags field by field). JobError if a job with this key is still
    running (one job per model at a time).
    """
    if kind not in KINDS:
        raise JobError(f"kind must be one of {sorted(KINDS)}, got {kind!r}")
    check_key(key)
    root = Path(root or runs_root())
    folder = root / key
    current = job_status(key, root=root)
    if current is not None and current.running:
        raise JobError(f"a {current.kind} job for {key} is already running (since {current.started_at}); "
                       "wait for it or cancel it first")
    if current is not None or folder.exists():
        _clear(folder)
    root.mkdir(parents=True, exist_ok=True)
    try:
        folder.mkdir()  # atomic claim: of two launches at once, one fails here
    except FileExistsError:
        raise JobError(f"another launch of {key} happened at the same moment; try again") from None
    for flag, payload in (files or {}).items():
        path = folder / f"{flag.lstrip('-')}.json"
        write_json(path, payload)
        arguments = [*arguments, flag, str(path)]
    command = [sys.executable, "-m", KINDS[kind], *arguments,
               "--progress-file", str(folder / "progress.json"), "--cancel-file", str(folder / "cancel")]
    with open(folder / "log.txt", "wb") as log:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True,
                                   env={**os.environ, "PYTHONUNBUFFERED": "1", "TF_CPP_MIN_LOG_LEVEL": "2"})
    write_json(folder / "job.json", {"key": key, "kind": kind, "command": command, "pid": process.pid,
                                     "started_at": _now()})
    return job_status(key, root=root)


def _clear(folder: Path) -> None:
    for path in [*(folder / n for n in ("job.json", "progress.json", "log.txt", "cancel")), *folder.glob("*.json")]:
        path.unlink(missing_ok=True)
    try:
        folder.rmdir()
    except OSError:
        pass


def cancel_job(key: str, *, root: str | Path | None = None, grace_s: float = 0.0) -> JobStatus:
    """Ask job `key` to stop after its current batch; after `grace_s` seconds without an end,
    terminate its process group."""
    folder = Path(root or runs_root()) / check_key(key)
    job = _read(folder / "job.json")
    if not job:
        raise JobError(f"no job called {key}")
    (folder / "cancel").touch()
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and _alive(int(job["pid"])):
        time.sleep(0.1)
    if grace_s and _alive(int(job["pid"])):
        try:
            os.killpg(int(job["pid"]), signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            pass
    return job_status(key, root=root)


def wait_for(key: str, *, root: str | Path | None = None, timeout_s: float = 600,
             until=lambda status: not status.running) -> JobStatus:
    """Poll job `key` until `until(status)` holds; JobError after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        status = job_status(key, root=root)
        if status is not None and until(status):
            return status
        if time.monotonic() > deadline:
            raise JobError(f"job {key} did not reach the awaited state in {timeout_s:.0f} s")
        time.sleep(0.2)
