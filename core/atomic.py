"""Atomic file writes: write a temporary file beside the target, then rename over it.

A reader (or a process killed mid-write) sees either the old file or the new one, never a
half-written one (os.replace is atomic on POSIX and Windows within one filesystem).
"""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `target` (same suffix); on success rename it over
    `target`, on error delete it."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}",
                                    dir=target.parent)
    os.close(handle)
    os.chmod(name, 0o644)  # mkstemp makes it 0600; a checkpoint or result is not a secret
    temporary = Path(name)
    try:
        yield temporary
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def write_text(target: str | Path, text: str) -> Path:
    """Write `text` to `target` atomically (fsync'd before the rename)."""
    with atomic_path(target) as temporary:
        with open(temporary, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
    return Path(target)


def write_json(target: str | Path, data, *, compact: bool = False) -> Path:
    """Write `data` as JSON to `target` atomically: indented for files people read (cards, job
    state), or `compact` for saved evidence that only programs read (results, audits), whose
    indentation would be a third of its size (the bundled zoo's budget)."""
    text = (json.dumps(data, separators=(",", ":"), sort_keys=True, default=str) if compact
            else json.dumps(data, indent=2, sort_keys=True, default=str))
    return write_text(target, text + "\n")
