"""Several pages' columns in one request: what the app's Engine hands the worker when several
sessions asked for columns while it was busy (their ε changes at once). The worker runs each
model's columns as one batch (worker.explore_together), which costs a fraction of running them
one after another (bench/gathered.py)."""

from __future__ import annotations

import copy
from concurrent.futures import Future

from core.engine.requests import Explore, Together

# The most columns one gathered request holds (five sessions' four columns, and a few more):
# more would make the first of them wait for all the rest.
MOST_GATHERED = 24


def columns(request) -> tuple:
    """The Explore requests a page's request holds (a Together's, or the one Explore)."""
    return request.requests if isinstance(request, Together) else (request,)


def gatherable(request, warm: set) -> bool:
    """A page's column (or pair of columns) of models the worker has warmed (`warm`: their
    (path, digest)); a column whose input's distribution is assessed runs alone."""
    if isinstance(request, Together):
        return True
    return isinstance(request, Explore) and request.ood is None and (request.model.path, request.model.digest) in warm


def gather(parts: list[tuple]) -> tuple[Together, Future]:
    """`parts` ([(page request, its Future)]) as one Together and the Future of its reply,
    which settles each part's own: a Together's part gets its tuple, an Explore's its outcome,
    and a part whose column failed in the worker gets that error (apart=True: the worker runs
    the other columns)."""
    gathered: Future = Future()

    def settle(done: Future) -> None:
        if done.exception() is not None:
            for _, part_outer in parts:
                part_outer.set_exception(done.exception())
            return
        seen: set = set()

        def own(reply):  # the worker computes a view asked twice once: each page gets its own object
            if id(reply) in seen:
                return copy.copy(reply)
            seen.add(id(reply))
            return reply

        replies = iter(done.result())
        for part, part_outer in parts:
            mine = tuple(own(next(replies)) for _ in columns(part))
            failed = [reply for reply in mine if isinstance(reply, BaseException)]
            if failed:
                part_outer.set_exception(failed[0])
            else:
                part_outer.set_result(mine if isinstance(part, Together) else mine[0])

    gathered.add_done_callback(settle)
    return Together(tuple(column for part, _ in parts for column in columns(part)), apart=True), gathered
