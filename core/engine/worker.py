"""The engine process's side: the warm models and the requests run on them.

Models stay loaded (and their compiled functions traced) for the life of the process, one
per checkpoint file, its newest content only, at most MAX_MODELS (least recently used
evicted: a user's training job rewrites its checkpoint every improving epoch). Requests
arrive one at a time (one worker process, one thread), so nothing here needs a lock; only a
Together request's columns run on threads, each on its own model, once every function they
call is traced."""

from __future__ import annotations

import functools
import os
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from core.engine.requests import MOST_TOGETHER, Explore, Progress, Together
from core.engine.startup import import_keras_without_sklearn, prepare_environment

MAX_MODELS = 12  # three tasks' four models: the bundled zoo, or the user's, all warm at once
MAX_SOURCES = 16  # recent explorations kept for the attentive twins that reuse their perturbation

_MODELS: "OrderedDict[tuple[str, str], object]" = OrderedDict()  # (path, digest) -> model
_WARM: set = set()  # (path, digest) whose compiled functions are traced
_SOURCES: "OrderedDict[str, object]" = OrderedDict()  # Explore key -> ModelOutcome
_TRACED: set = set()  # (path, digest, method, attack) whose Explore ran once: nothing left to trace
_PROGRESS = [None]  # the queue the app reads interim verdicts from (initialise), None: none are sent
# An attack says how it is going only once it has run this long: a warm column of the bundled
# zoo answers within core.engine.stream.QUIET_S (0.3 s) and is drawn once, unannounced.
PROGRESS_AFTER_S = 0.3


def initialise(parent: int, below: int, progress=None) -> None:
    """Run once when the process starts, `below` its app process in CPU priority (startup.niceness(),
    read and checked in the app process, where a bad value is a message): end it when the app
    process that started it ends. `progress`: a multiprocessing queue for interim verdicts."""
    prepare_environment(os.environ)
    os.nice(below)
    _PROGRESS[0] = progress

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="advattn-engine-parent-watch", daemon=True).start()


def handle(request):
    """Run `request` on the warm model it names; an Explore with a transfer source first gets
    the twin's outcome (kept from the twin's own request, or computed now)."""
    import_keras_without_sklearn()  # every request runs on TensorFlow; the first one imports it
    if isinstance(request, Together):
        return explore_together(request.requests, apart=request.apart)
    model = None if request.model is None else model_for(request.model, warm=request.warm)
    if not isinstance(request, Explore):
        return request.run(model)
    source = None if request.source is None else _outcome_of(request.source)
    reply = request.run(model, source=source, on_progress=reporter(request, model))
    _explored(request, reply)
    return reply


def reporter(request: Explore, model):
    """The on_progress of `request`'s attack: once it has run PROGRESS_AFTER_S, each report
    costs one forward pass and puts a Progress on the app's queue; None without a queue."""
    return batch_reporter([request], model)


def explore_together(requests, *, apart: bool = False) -> tuple:
    """The outcomes of several Explore requests (a page's pair of columns, or the columns of
    several sessions that the app's Engine gathered while the worker was busy), in order.

    The columns of one model with the same attack, method and layer run as one batch
    (core.explore.explore_many: each image keeps its own ε and seed); the batches go side by
    side on threads when nothing in them is left to trace, in turn otherwise. A column whose
    transfer source is among them runs after the rest, from its source's outcome. `apart`
    (several pages' columns): a column whose run raises gets its exception in its place, and
    the others still run; otherwise the first exception is raised. Columns with the same key
    (several pages at the same view) are computed once."""
    keys = [request.key() for request in requests]
    first = {}  # key -> the first column asking for it: pages asking the same (a preset, say) share one run
    for i, key in enumerate(keys):
        first.setdefault(key, i)
    own = [i for i in first.values() if requests[i].source is None]
    replies = dict(zip(own, _batched([requests[i] for i in own], apart=apart)))
    for i in first.values():
        if i not in replies:
            replies[i] = _caught(lambda: _explore_with_source(requests[i]), 1, apart)[0]
    return tuple(replies[first[key]] for key in keys)


def _explore_with_source(request: Explore) -> list:
    model = model_for(request.model)
    reply = request.run(model, source=_outcome_of(request.source), on_progress=reporter(request, model))
    _explored(request, reply)
    return [reply]


def _caught(run, count: int, apart: bool) -> list:
    """run()'s outcomes; with `apart`, its exception `count` times instead of raising it."""
    try:
        return run()
    except Exception as error:  # noqa: BLE001 - one page's column failing must not fail the other pages'
        if not apart:
            raise
        return [error] * count


def _batch_key(request: Explore) -> tuple:
    """What the columns of one batch share; a column whose input's distribution is assessed
    runs alone (its own key)."""
    if request.ood is not None:
        return (id(request),)
    return (request.model.path, request.model.digest, repr(request.attack), request.method, request.explain,
            request.layer, request.image.shape)


def _batched(requests, *, apart: bool = False) -> list:
    """The outcomes of Explore requests without a transfer source, in order (explore_together)."""
    groups: dict = {}
    for i, request in enumerate(requests):
        groups.setdefault(_batch_key(request), []).append(i)
    prepared = [(indices, _caught(lambda: [model_for(requests[indices[0]].model)], 1, apart)[0])
                for indices in groups.values()]

    def run(group) -> list:
        indices, model = group
        if isinstance(model, Exception):
            return [model] * len(indices)
        if len(indices) == 1:
            request = requests[indices[0]]
            return _caught(lambda: [request.run(model, on_progress=reporter(request, model))], 1, apart)
        return _caught(lambda: _explore_batch([requests[i] for i in indices], model), len(indices), apart)

    if len(prepared) > 1 and all(_traced(request) for request in requests):
        results = list(_column_threads().map(run, prepared))
    else:
        results = [run(group) for group in prepared]
    replies = [None] * len(requests)
    for (indices, _), outcomes in zip(prepared, results):
        for i, outcome in zip(indices, outcomes):
            replies[i] = outcome
            if not isinstance(outcome, Exception):
                _explored(requests[i], outcome)
    return replies


def _explore_batch(group, model) -> list:
    """One model's columns at once (core.explore.explore_many), each reporting its own progress."""
    from core.explore import explore_many

    first = group[0]
    return explore_many(first.model.spec, model, np.stack([request.image for request in group]),
                        epsilons=[request.epsilon for request in group], seeds=[request.seed for request in group],
                        labels=[request.label for request in group], attack=first.attack, method=first.method,
                        truths=[request.truth for request in group], explain=first.explain, layer=first.layer,
                        measure_perceptibility=False,  # the app measures it (stream.py)
                        on_progress=batch_reporter(group, model))


def batch_reporter(group, model):
    """The on_progress of a batch of columns' attack (reporter's, for several): one forward
    pass per report, one Progress per column."""
    queue = _PROGRESS[0]
    if queue is None:
        return None
    started, keys = time.monotonic(), [request.key() for request in group]

    def report(done: int, steps: int, adversarial) -> None:
        if time.monotonic() - started < PROGRESS_AFTER_S:
            return
        from core.attacks import predict

        for key, probabilities in zip(keys, predict(model, adversarial)):
            queue.put(Progress(key, int(done), int(steps), probabilities))

    return report


@functools.cache
def _column_threads() -> ThreadPoolExecutor:
    """The threads a Together request's columns run on, one per column it may hold."""
    return ThreadPoolExecutor(max_workers=MOST_TOGETHER, thread_name_prefix="advattn-column")


def _trace_key(request: Explore) -> tuple:
    return request.model.path, request.model.digest, request.method, repr(request.attack)


def _traced(request: Explore) -> bool:
    """Whether `request` runs no first call of anything on its model (nothing traced, no
    sub-model built: those touch Keras's and TensorFlow's shared state)."""
    return request.ood is None and _trace_key(request) in _TRACED


def _explored(request: Explore, reply) -> None:
    _keep_source(request.key(), reply)
    if request.ood is None:
        _TRACED.add(_trace_key(request))


def _outcome_of(request):
    found = _SOURCES.get(request.key())
    return found if found is not None else handle(request)


def _keep_source(key: str, outcome) -> None:
    _SOURCES[key] = outcome
    _SOURCES.move_to_end(key)
    while len(_SOURCES) > MAX_SOURCES:
        _SOURCES.popitem(last=False)


def model_for(ref, *, warm: bool = True):
    """The model of `ref` (a ModelRef), loaded once per content and, with `warm`, traced."""
    key = (ref.path, ref.digest)
    model = _MODELS.get(key)
    if model is None:
        from core.models.zoo import load_checkpoint

        model = load_checkpoint(ref.path)
    remember(key, model)
    if warm and key not in _WARM:
        from core.explore import warm_up

        warm_up(model)
        _WARM.add(key)
    return model


def remember(key: tuple[str, str], model) -> None:
    """Keep `model` as the most recently used; drop other contents of its file and, past
    MAX_MODELS, the least recently used (their compiled functions go with them)."""
    for stale in [k for k in _MODELS if k[0] == key[0] and k != key]:
        del _MODELS[stale]
        _forget(stale)
    _MODELS[key] = model
    _MODELS.move_to_end(key)
    while len(_MODELS) > MAX_MODELS:
        oldest, _ = _MODELS.popitem(last=False)
        _forget(oldest)


def _forget(key: tuple[str, str]) -> None:
    """Its traces went with the model: a reload traces them again."""
    _WARM.discard(key)
    for traced in [t for t in _TRACED if t[:2] == key]:
        _TRACED.discard(traced)


def loaded() -> list[tuple[str, str]]:
    """The (path, digest) of the models held now, least recently used first."""
    return list(_MODELS)
