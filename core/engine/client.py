"""The app's side of the engine: one worker process per server, shared by every session.

Requests are serialised: one worker process runs them one at a time (ProcessPoolExecutor with
max_workers=1 and the spawn start method, so the worker starts clean, without the app's
Streamlit state). What a person asked for goes first: requests wait here, in a queue of two
priorities, and the worker is handed one at a time, so background work (warming models nobody
has asked for yet, prefetching presets and neighbouring ε) yields to a page's request at every
request boundary: a page waits for the one request already running at most. Within a priority,
the order of submission, except that the columns several pages asked for while the worker was
busy go to it together (core.engine.gather: one batch per model in the worker). If the worker dies (killed, out of memory), the pool is broken: the
requests still waiting fail with it, and the next request starts a fresh worker, whose models
warm again."""

from __future__ import annotations

import atexit
import heapq
import itertools
import multiprocessing
import os
import queue as queues
import sys
import threading
import types
from collections import OrderedDict
from contextlib import contextmanager
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from core.engine import gather, startup, worker

STARTING_TIMEOUT_S = 600.0  # the longest a reply may take (a cold start included)
DIED = ("the engine process stopped (killed or out of memory); it restarts with the next request and the models "
        "warm again")


class EngineError(RuntimeError):
    """The engine process stopped while it held a request; the next request restarts it."""


class Engine:
    """The worker process and what the app knows about it (which models it has warmed)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._warm: set[tuple[str, str]] = set()  # (path, digest) the current worker has warmed
        self._primed = False  # the current worker was asked to import the engine
        self.restarts = 0  # times a dead worker was replaced
        self.generation = 0  # counts the workers ended (replaced or shut down): a prefetch chain stops at its end
        self._waiting: list = []  # heap of (background, order, request, Future): what the worker runs next
        self._order = itertools.count()
        self._running: Future | None = None  # the one request handed to the worker
        self._progress: "OrderedDict[str, object]" = OrderedDict()  # Explore key -> its newest requests.Progress
        self.most_gathered = gather.MOST_GATHERED  # 1: no gathering (bench/gathered.py compares)

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                below = startup.niceness()  # a bad ADVATTN_ENGINE_NICENESS is a message here, not a dead worker
                context = multiprocessing.get_context("spawn")
                reports = context.Queue()
                self._pool = ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=worker.initialise,
                                                 initargs=(os.getpid(), below, reports))
                threading.Thread(target=self._read_progress, args=(self._pool, reports), daemon=True,
                                 name="advattn-engine-progress").start()
                with _plain_main():  # the first submit starts the worker process
                    self._pool.submit(int)
            return self._pool

    # Interim verdicts kept for the pages to pick up: a page takes its own at once, so a few
    # dozen cover every column in flight.
    MAX_PROGRESS = 64

    def _read_progress(self, pool: ProcessPoolExecutor, reports) -> None:
        """Keep the newest interim verdict per Explore key, for as long as `pool` is the worker."""
        while True:
            try:
                report = reports.get(timeout=1.0)
            except queues.Empty:
                with self._lock:
                    if self._pool is not pool:
                        return
                continue
            except (EOFError, OSError, ValueError):  # the queue closed with the interpreter
                return
            with self._lock:
                self._progress[report.key] = report
                self._progress.move_to_end(report.key)
                while len(self._progress) > self.MAX_PROGRESS:
                    self._progress.popitem(last=False)

    def progress(self, key: str):
        """The newest interim verdict (requests.Progress) of the Explore whose key() is `key`
        not taken yet, or None; taking it removes it."""
        with self._lock:
            return self._progress.pop(key, None)

    def _replace(self, broken: ProcessPoolExecutor) -> list:
        """Drop a broken pool (once, however many requests saw it break); returns the requests
        that were waiting for it, which fail with it (their caller resubmits what it still needs)."""
        with self._lock:
            if self._pool is not broken:
                return []
            self._pool, self._warm, self._primed = None, set(), False
            self.restarts += 1
            self.generation += 1
            waiting, self._waiting = self._waiting, []
        broken.shutdown(wait=False, cancel_futures=True)
        return waiting

    def submit(self, request, *, background: bool = False) -> Future:
        """Queue `request`; its Future raises EngineError if the worker dies meanwhile. A
        `background` request (a prefetch, a warm-up nobody asked for) runs only when no other
        request waits."""
        outer: Future = Future()
        with self._lock:
            heapq.heappush(self._waiting, (bool(background), next(self._order), request, outer))
        self._dispatch()
        return outer

    def waiting(self) -> int:
        """How many requests wait for the worker (not counting the one it runs)."""
        with self._lock:
            return len(self._waiting)

    def _dispatch(self) -> None:
        """Hand the worker the first waiting request, unless it runs one already. A page's
        columns of warm models go with every other page's columns waiting then (several
        sessions' ε changes at once), as one Together: the worker runs each model's columns as
        one batch, which costs a fraction of running them one after another."""
        with self._lock:
            if self._running is not None or not self._waiting:
                return
            background, _, request, outer = heapq.heappop(self._waiting)
            if not background and gather.gatherable(request, self._warm):
                request, outer = self._gather(request, outer)
            self._running = outer
        try:
            pool = self._executor()
            try:
                inner = pool.submit(worker.handle, request)
            except (BrokenProcessPool, RuntimeError):  # broken, or shut down by another thread: a new one
                self._fail(self._replace(pool))
                pool = self._executor()
                inner = pool.submit(worker.handle, request)
        except BaseException as error:  # noqa: BLE001 - the interpreter exiting: the request fails, the queue moves on
            self._finish(outer, error=error)
            return
        inner.add_done_callback(lambda done: self._settle(pool, request, outer, done))

    def _gather(self, request, outer: Future) -> tuple:
        """`request` with the other pages' columns waiting now, up to gather.MOST_GATHERED
        columns, as one Together and its Future (lock held); `request` itself when none waits."""
        parts, count, kept = [(request, outer)], len(gather.columns(request)), []
        for item in sorted(self._waiting):
            background, _, waiting, its_outer = item
            if (not background and gather.gatherable(waiting, self._warm)
                    and count + len(gather.columns(waiting)) <= self.most_gathered):
                parts.append((waiting, its_outer))
                count += len(gather.columns(waiting))
            else:
                kept.append(item)
        if len(parts) == 1:
            return request, outer
        self._waiting = kept
        heapq.heapify(self._waiting)
        return gather.gather(parts)

    def _settle(self, pool: ProcessPoolExecutor, request, outer: Future, done: Future) -> None:
        try:
            reply = done.result()
        except BrokenProcessPool:
            self._fail(self._replace(pool))
            self._finish(outer, error=EngineError(DIED))
        except BaseException as error:  # noqa: BLE001 - the request's own error, for the caller
            self._finish(outer, error=error)
        else:
            with self._lock:
                if request.warm and self._pool is pool:
                    self._warm.add((request.model.path, request.model.digest))
            self._finish(outer, reply=reply)

    def _finish(self, outer: Future, *, reply=None, error: BaseException | None = None) -> None:
        """Free the worker for the next request, then settle `outer` (whose callbacks may queue more)."""
        with self._lock:
            if self._running is outer:
                self._running = None
        self._dispatch()
        if error is not None:
            outer.set_exception(error)
        else:
            outer.set_result(reply)

    @staticmethod
    def _fail(waiting: list, message: str | None = None) -> None:
        for _, _, _, outer in waiting:
            if not outer.done():
                outer.set_exception(EngineError(message or DIED))

    def prime(self) -> None:
        """Start the worker and have it import TensorFlow and the engine (once per worker)."""
        from core.engine.requests import Prime

        with self._lock:
            if self._primed:  # reset whenever the worker is replaced or shut down
                return
            self._primed = True
        self.submit(Prime())

    def prewarm(self, refs) -> None:
        """Prime the worker, then load and compile `refs` (ModelRefs) one after another, each
        submitted only once the one before is done: a page's requests made meanwhile queue
        ahead of the rest, so prewarming never delays what a user asked for."""
        from core.engine.requests import Warm

        self.prime()
        pending = list(refs)

        def warm_next(done: Future | None = None) -> None:
            if done is not None and isinstance(done.exception(), EngineError):
                return  # the worker died: the next page request starts a fresh one
            while pending:
                ref = pending.pop(0)
                if not self.is_warm(ref):
                    self.submit(Warm(ref), background=True).add_done_callback(warm_next)
                    return

        warm_next()

    def call(self, request, timeout: float | None = STARTING_TIMEOUT_S):
        """Run `request` and return its reply (its errors raised here)."""
        return self.submit(request).result(timeout)

    def is_warm(self, ref) -> bool:
        """Whether the current worker has loaded and traced `ref` (a ModelRef)."""
        with self._lock:
            return (ref.path, ref.digest) in self._warm

    def pid(self) -> int:
        """The worker's process id (it starts the worker if none runs)."""
        return self._executor().submit(os.getpid).result(STARTING_TIMEOUT_S)

    def shutdown(self) -> None:
        """End the worker (the server's exit does it too)."""
        with self._lock:
            pool, self._pool, self._warm, self._primed = self._pool, None, set(), False
            self.generation += 1
            waiting, self._waiting = self._waiting, []
        self._fail(waiting, "the engine was shut down with the server")
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def _plain_main():
    """Spawn runs the starting process's __main__ module again in the worker. Under Streamlit
    that is the app script (Streamlit installs it as __main__ and never restores the real
    one; after an AppTest, a temporary script): the worker is started with a plain __main__,
    so it imports nothing but the engine."""
    saved = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if saved is not None:
            sys.modules["__main__"] = saved


_ENGINE: Engine | None = None
_ENGINE_LOCK = threading.Lock()


def engine() -> Engine:
    """The one Engine of this server process, shared by every session."""
    global _ENGINE
    with _ENGINE_LOCK:
        if _ENGINE is None:
            _ENGINE = Engine()
            atexit.register(_ENGINE.shutdown)
        return _ENGINE
