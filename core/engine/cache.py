"""Explorations on disk, so a restarted server shows the views seen before at once.

Each entry is one model's outcome, named by the request's key: the SHA-256 of everything the
reply depends on (the checkpoint's bytes, the image's, the attack and its settings, the
masks, the header, the transfer source) and of FORMAT. A retrained or replaced checkpoint has
another hash, so it never serves a stale result. The folder is bounded: past `max_bytes`
the least recently used entries go, down to LOW_WATER of it (a hit refreshes an entry's time).

Where: $ADVATTN_CACHE, else runs/cache/explorations (git-ignored). Delete the folder to
clear it, or run `python -m core.engine --clear-cache`.

Behind it, read only, the bundled views (checkpoints/demo/views, or $ADVATTN_BUNDLED_VIEWS; an
empty value turns them off): the explorer's opening view of the bundled zoo, computed by the
same engine and saved under the same keys, so a first visitor sees it while
TensorFlow is still importing. Keyed like every entry, a bundled view of a checkpoint that has
since changed is simply never found. `python -m app_pages.first_view` writes them again.

Every entry is a checked archive (core.engine.codec: arrays and JSON under a SHA-256, read
without pickle): a damaged saved entry is removed and computed again, a damaged bundled view is
skipped. A cache that cannot be written (a full disk) never loses a computed result: the reply
is shown uncached, and `problem` says why for the page to show.

The server writes its entries in the background (put_later): deflating and hashing a column is
25-30 ms of the server's time, and it was paid in the script run, before the column was drawn
(profiled with five sessions exploring at once: a sixth of the explorer's script time). An entry
waiting for its write is served from memory, so nothing is computed twice meanwhile."""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from core.atomic import atomic_path
from core.engine.codec import DamagedEntry, decode, encode

FORMAT = 2  # 2: checked .npz archives (1 was pickle); bump when what an outcome holds, or how it is computed, changes
MAX_BYTES = 512 * 2**20  # about 1,500 explored columns at 96 px, 250 at 224 px
# Puts between two listings of the folder: a put adds its own size to a running total and lists
# the folder only when that total passes max_bytes or this many puts after the last listing,
# which also counts what another process (a second server, first_view) wrote meanwhile.
# Listing a full folder is 1,700 stats, 70-95 ms measured here: on every put, that was 0.3 s
# of the server's time per ε change once the cache neared its bound.
RESCAN_EVERY = 64
# A folder found past max_bytes is cut to this share of it, so that a full cache does not
# list itself again on the very next put (the least recently used ~10 %, about 150 columns).
LOW_WATER = 0.9


def cache_root() -> Path:
    """$ADVATTN_CACHE, else the runs folder's cache/explorations."""
    from core.jobs import runs_root

    return Path(os.environ.get("ADVATTN_CACHE", runs_root() / "cache" / "explorations"))


def bundled_views_root() -> Path | None:
    """$ADVATTN_BUNDLED_VIEWS (empty: none), else checkpoints/demo/views."""
    from core.models.zoo import CHECKPOINT_ROOT

    folder = os.environ.get("ADVATTN_BUNDLED_VIEWS", str(CHECKPOINT_ROOT / "demo" / "views"))
    return Path(folder) if folder else None


class ExplorationCache:
    """A bounded folder of checked replies (core.engine.codec), one file per request key, over
    an optional read-only folder of bundled replies (same names)."""

    def __init__(self, root: str | Path, *, max_bytes: int = MAX_BYTES, bundled: str | Path | None = None) -> None:
        if max_bytes <= 0:
            raise ValueError(f"max_bytes must be positive, got {max_bytes}")
        self.root, self.max_bytes = Path(root), int(max_bytes)
        self.bundled = None if bundled is None else Path(bundled)
        self.problem: str | None = None  # why the last put could not be saved (None once one is)
        self._lock = threading.Lock()  # the page and the prefetching threads put at once
        self._bytes: int | None = None  # the folder's size at the last listing, plus the puts since
        self._puts_since_listing = 0
        self._pending: dict[str, object] = {}  # key -> reply handed to put_later, not yet written
        self._writer: ThreadPoolExecutor | None = None  # one thread: the writes go in order

    def _path(self, key: str) -> Path:
        kind, _, digest = key.partition(":")
        return self.root / f"{kind}-{digest}-v{FORMAT}.npz"

    def bundled_path(self, key: str) -> Path | None:
        """Where a bundled reply to `key` would be (None without a bundled folder)."""
        return None if self.bundled is None else self.bundled / self._path(key).name

    def get(self, key: str):
        """The reply saved under `key`, else the bundled one, else None (a saved entry that
        cannot be read or fails its checks is removed; a bundled one is only skipped). A reply
        still waiting for its write (put_later) is served from memory."""
        with self._lock:
            if key in self._pending:
                return self._pending[key]
        path = self._path(key)
        reply = _read(path)
        if reply is _MISSING:
            return self._bundled(key)
        if reply is _DAMAGED:
            _remove(path)
            return self._bundled(key)
        try:
            os.utime(path)  # recently used
        except OSError:
            pass
        return reply

    def _bundled(self, key: str):
        path = self.bundled_path(key)
        reply = _MISSING if path is None else _read(path)
        return None if reply in (_MISSING, _DAMAGED) else reply

    def __contains__(self, key: str) -> bool:
        """Whether a reply is saved or bundled under `key` (without reading it)."""
        with self._lock:
            if key in self._pending:
                return True
        bundled = self.bundled_path(key)
        return self._path(key).is_file() or (bundled is not None and bundled.is_file())

    def bundle(self, key: str, reply) -> Path:
        """Write `reply` into the bundled folder under `key` (python -m app_pages.first_view)."""
        path = self.bundled_path(key)
        if path is None:
            raise ValueError("this cache has no bundled folder to write into")
        with atomic_path(path) as temporary:
            temporary.write_bytes(encode(reply))
        return path

    def put(self, key: str, reply) -> bool:
        """Save `reply` under `key` (atomically), then keep the folder within its bound: evict()
        when the running total may have passed it (RESCAN_EVERY). Returns False, with `problem`
        saying why, when it cannot be written (a full or read-only disk): the caller still has
        its reply."""
        path = self._path(key)
        try:
            with atomic_path(path) as temporary:
                temporary.write_bytes(encode(reply))
                size = temporary.stat().st_size
        except OSError as error:
            self.problem = (f"the exploration cache at {self.root} cannot be written ({error.strerror or error}); "
                            "results are shown but not kept: free some space or set ADVATTN_CACHE")
            return False
        self.problem = None
        with self._lock:
            self._puts_since_listing += 1
            if self._bytes is not None:
                self._bytes += size  # a key written again is counted twice: a listing comes sooner
            listing = (self._bytes is None or self._bytes > self.max_bytes
                       or self._puts_since_listing >= RESCAN_EVERY)
        if listing:
            self.evict()
        return True

    def put_later(self, key: str, reply) -> Future:
        """put() on the cache's own writer thread, so the caller (a script run drawing the
        column, the engine's reply thread) does not wait for the write; meanwhile get() and `in`
        find the reply in memory. The future gives put()'s result; `problem` is set as by put()."""
        with self._lock:
            self._pending[key] = reply
            if self._writer is None:
                self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="advattn-cache-writer")
            writer = self._writer
        try:
            return writer.submit(self._write_pending, key, reply)
        except RuntimeError:  # the interpreter is exiting: no new threads, so written here
            done: Future = Future()
            done.set_result(self._write_pending(key, reply))
            return done

    def _write_pending(self, key: str, reply) -> bool:
        try:
            return self.put(key, reply)
        finally:
            with self._lock:
                if self._pending.get(key) is reply:
                    del self._pending[key]

    def flush(self) -> None:
        """Wait until every put_later so far is written (or has failed, with `problem` set)."""
        with self._lock:
            writer = self._writer
        if writer is not None:
            writer.submit(lambda: None).result()

    def entries(self) -> list[Path]:
        """The entries (regular files only), least recently used first."""
        found = []
        for path in self.root.glob(f"*-v{FORMAT}.npz"):
            try:
                if path.is_file():
                    found.append((path.stat().st_mtime_ns, path))
            except OSError:
                continue
        return [path for _, path in sorted(found)]

    def evict(self) -> None:
        """Remove the least recently used entries until the folder fits `max_bytes` (down to
        LOW_WATER of it when it did not), and restart the running size total from the listing."""
        entries = self.entries()
        sizes = {}
        for path in entries:
            try:
                sizes[path] = path.stat().st_size
            except FileNotFoundError:  # evicted meanwhile by another thread or process
                continue
        total = sum(sizes.values())
        goal = self.max_bytes if total <= self.max_bytes else int(LOW_WATER * self.max_bytes)
        for path in entries:
            if total <= goal:
                break
            if _remove(path):
                total -= sizes.get(path, 0)
        with self._lock:
            self._bytes, self._puts_since_listing = total, 0

    def clear(self) -> int:
        """Remove every entry; returns how many there were."""
        self.flush()  # a write still waiting would bring its entry back
        entries = self.entries()
        for path in entries:
            _remove(path)
        return len(entries)


_MISSING, _DAMAGED = object(), object()


def _remove(path: Path) -> bool:
    """Delete an entry; False where the disk refuses (a folder under an entry's name, a
    read-only disk): it is skipped all the same."""
    try:
        path.unlink(missing_ok=True)
        return True
    except OSError:
        return False


def _read(path: Path):
    """The reply in `path`, _MISSING when there is none, _DAMAGED when it fails its checks."""
    try:
        if not path.is_file():
            return _MISSING
        if path.stat().st_size > MAX_BYTES:
            return _DAMAGED
        return decode(path.read_bytes())
    except FileNotFoundError:
        return _MISSING
    except (OSError, DamagedEntry):
        return _DAMAGED


_DEFAULT_CACHES: dict[tuple, ExplorationCache] = {}
_DEFAULT_CACHES_LOCK = threading.Lock()


def default_cache() -> ExplorationCache:
    """The server's cache, at cache_root(), over the bundled views: one object per folder in
    this process, so its running size total (RESCAN_EVERY) is shared by every request."""
    where = (cache_root(), bundled_views_root())
    with _DEFAULT_CACHES_LOCK:
        if where not in _DEFAULT_CACHES:
            _DEFAULT_CACHES[where] = ExplorationCache(where[0], bundled=where[1])
        return _DEFAULT_CACHES[where]
