"""Explorations on disk, so a restarted server shows the views seen before at once.

Each entry is one model's outcome, named by the request's key: the SHA-256 of everything the
reply depends on (the checkpoint's bytes, the image's, the attack and its settings, the
masks, the header, the transfer source) and of FORMAT. A retrained or replaced checkpoint has
another hash, so it never serves a stale result. The folder is bounded: past `max_bytes`
the least recently used entries go (a hit refreshes an entry's time).

Where: $ADVATTN_CACHE, else runs/cache/explorations (git-ignored). Delete the folder to
clear it, or run `python -m core.engine --clear-cache`."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

from core.atomic import atomic_path

FORMAT = 1  # bump when what an outcome holds, or how it is computed, changes
MAX_BYTES = 512 * 2**20  # about 1,500 explored columns at 96 px, 250 at 224 px


def cache_root() -> Path:
    """$ADVATTN_CACHE, else the runs folder's cache/explorations."""
    from core.jobs import runs_root

    return Path(os.environ.get("ADVATTN_CACHE", runs_root() / "cache" / "explorations"))


class ExplorationCache:
    """A bounded folder of pickled replies, one file per request key."""

    def __init__(self, root: str | Path, *, max_bytes: int = MAX_BYTES) -> None:
        if max_bytes <= 0:
            raise ValueError(f"max_bytes must be positive, got {max_bytes}")
        self.root, self.max_bytes = Path(root), int(max_bytes)

    def _path(self, key: str) -> Path:
        kind, _, digest = key.partition(":")
        return self.root / f"{kind}-{digest}-v{FORMAT}.pkl"

    def get(self, key: str):
        """The reply saved under `key`, or None (an unreadable entry is removed)."""
        path = self._path(key)
        try:
            with open(path, "rb") as handle:
                reply = pickle.load(handle)
        except FileNotFoundError:
            return None
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
            path.unlink(missing_ok=True)
            return None
        try:
            os.utime(path)  # recently used
        except OSError:
            pass
        return reply

    def __contains__(self, key: str) -> bool:
        """Whether a reply is saved under `key` (without reading it)."""
        return self._path(key).exists()

    def put(self, key: str, reply) -> None:
        """Save `reply` under `key` (atomically), then evict past the size bound."""
        with atomic_path(self._path(key)) as temporary:
            with open(temporary, "wb") as handle:
                pickle.dump(reply, handle, protocol=pickle.HIGHEST_PROTOCOL)
        self.evict()

    def entries(self) -> list[Path]:
        """The entries, least recently used first."""
        found = []
        for path in self.root.glob("*.pkl"):
            try:
                found.append((path.stat().st_mtime_ns, path))
            except FileNotFoundError:
                continue
        return [path for _, path in sorted(found)]

    def evict(self) -> None:
        """Remove the least recently used entries until the folder fits `max_bytes`."""
        entries = self.entries()
        sizes = {path: path.stat().st_size for path in entries if path.exists()}
        total = sum(sizes.values())
        for path in entries:
            if total <= self.max_bytes:
                break
            path.unlink(missing_ok=True)
            total -= sizes.get(path, 0)

    def clear(self) -> int:
        """Remove every entry; returns how many there were."""
        entries = self.entries()
        for path in entries:
            path.unlink(missing_ok=True)
        return len(entries)


def default_cache() -> ExplorationCache:
    """The server's cache, at cache_root()."""
    return ExplorationCache(cache_root())
