"""Explorations on disk, so a restarted server shows the views seen before at once.

Each entry is one model's outcome, named by the request's key: the SHA-256 of everything the
reply depends on (the checkpoint's bytes, the image's, the attack and its settings, the
masks, the header, the transfer source) and of FORMAT. A retrained or replaced checkpoint has
another hash, so it never serves a stale result. The folder is bounded: past `max_bytes`
the least recently used entries go (a hit refreshes an entry's time).

Where: $ADVATTN_CACHE, else runs/cache/explorations (git-ignored). Delete the folder to
clear it, or run `python -m core.engine --clear-cache`.

Behind it, read only, the bundled views (checkpoints/demo/views, or $ADVATTN_BUNDLED_VIEWS; an
empty value turns them off): the explorer's opening view of the bundled zoo, computed by the
same engine and saved under the same keys (gzip-compressed), so a first visitor sees it while
TensorFlow is still importing. Keyed like every entry, a bundled view of a checkpoint that has
since changed is simply never found. `python -m app_pages.first_view` writes them again."""

from __future__ import annotations

import gzip
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


def bundled_views_root() -> Path | None:
    """$ADVATTN_BUNDLED_VIEWS (empty: none), else checkpoints/demo/views."""
    from core.models.zoo import CHECKPOINT_ROOT

    folder = os.environ.get("ADVATTN_BUNDLED_VIEWS", str(CHECKPOINT_ROOT / "demo" / "views"))
    return Path(folder) if folder else None


UNREADABLE = (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError)


class ExplorationCache:
    """A bounded folder of pickled replies, one file per request key, over an optional
    read-only folder of bundled replies (gzip-compressed, same names plus .gz)."""

    def __init__(self, root: str | Path, *, max_bytes: int = MAX_BYTES, bundled: str | Path | None = None) -> None:
        if max_bytes <= 0:
            raise ValueError(f"max_bytes must be positive, got {max_bytes}")
        self.root, self.max_bytes = Path(root), int(max_bytes)
        self.bundled = None if bundled is None else Path(bundled)

    def _path(self, key: str) -> Path:
        kind, _, digest = key.partition(":")
        return self.root / f"{kind}-{digest}-v{FORMAT}.pkl"

    def bundled_path(self, key: str) -> Path | None:
        """Where a bundled reply to `key` would be (None without a bundled folder)."""
        return None if self.bundled is None else self.bundled / (self._path(key).name + ".gz")

    def get(self, key: str):
        """The reply saved under `key`, else the bundled one, else None (an unreadable saved
        entry is removed; an unreadable bundled one is only skipped)."""
        path = self._path(key)
        try:
            with open(path, "rb") as handle:
                reply = pickle.load(handle)
        except FileNotFoundError:
            return self._bundled(key)
        except UNREADABLE:
            path.unlink(missing_ok=True)
            return self._bundled(key)
        try:
            os.utime(path)  # recently used
        except OSError:
            pass
        return reply

    def _bundled(self, key: str):
        path = self.bundled_path(key)
        if path is None:
            return None
        try:
            with gzip.open(path, "rb") as handle:
                return pickle.load(handle)
        except (*UNREADABLE, gzip.BadGzipFile):
            return None

    def __contains__(self, key: str) -> bool:
        """Whether a reply is saved or bundled under `key` (without reading it)."""
        bundled = self.bundled_path(key)
        return self._path(key).exists() or (bundled is not None and bundled.exists())

    def bundle(self, key: str, reply) -> Path:
        """Write `reply` into the bundled folder under `key` (python -m app_pages.first_view)."""
        path = self.bundled_path(key)
        if path is None:
            raise ValueError("this cache has no bundled folder to write into")
        with atomic_path(path) as temporary:
            with gzip.open(temporary, "wb", compresslevel=9) as handle:
                pickle.dump(reply, handle, protocol=pickle.HIGHEST_PROTOCOL)
        return path

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
    """The server's cache, at cache_root(), over the bundled views."""
    return ExplorationCache(cache_root(), bundled=bundled_views_root())
