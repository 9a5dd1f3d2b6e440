"""The explorer's columns, each delivered as soon as its model is ready.

Requests go to the one worker in the order the columns can be filled (vanilla models first,
since an attentive twin may reuse their perturbation), each model's Load, Warm and Explore in
turn, so the first verdict waits for one model only; columns of models already warm run two
at a time (requests.Together). Columns seen before come from the disk
cache at once, without the worker; prefetch() fills it in the background with the views a user
is likely to ask for next (the paper's other ε values), one column (or pair) at a time."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, replace
from functools import partial
from typing import Callable, Iterator

import numpy as np

from core.engine.cache import ExplorationCache, default_cache
from core.engine.client import STARTING_TIMEOUT_S, Engine, EngineError, engine as default_engine
from core.engine.requests import (MOST_TOGETHER, Explore, Load, ModelRef, OodInput, Progress, Together, Warm,
                                  usable_cores)
from core.explore.sizes import fit_image, fit_truth
from core.explore.visibility import preload_in_background, with_perceptibility
from core.models.zoo import CheckpointError


@dataclass(frozen=True)
class Failed:
    """A column that cannot be filled: its model could not be loaded or run."""

    spec: object  # core.models.spec.ModelSpec
    message: str


class Phase:
    """What a column is waiting for, as the page says it."""

    QUEUED = "Waiting for the engine (the models before it first)…"
    LOADING = "Loading the model…"
    COMPILING = "Compiling the attack and the saliency map (once per model)…"
    ATTACKING = "Attacking…"
    RESTARTING = "The engine process stopped and restarted: the models are warming again…"


def explore_requests(refs: list[ModelRef], image: np.ndarray, *, epsilon: float, attack, label: int | None = None,
                     seed: int = 0, transfer: bool = False, method: str = "grad_cam", truth: dict | None = None,
                     ood: OodInput | None = None, explain: int | None = None,
                     layers: dict | None = None) -> list[Explore]:
    """One Explore per model, vanilla models first; with `transfer`, an attentive model whose
    vanilla twin is among `refs` carries the twin's request as its source. layers: {model id:
    the feature map its Grad-CAM-family maps use} for the imported models given one."""
    ordered = sorted(refs, key=lambda ref: ref.spec.attention)
    own: dict = {}
    for ref in ordered:
        size = ref.spec.input_size  # models of other sizes (an imported one beside the bundled) each get theirs
        source = own.get(ref.spec.twin()) if transfer and ref.spec.attention else None
        if source is not None and source.image.shape[0] != size:
            source = None
        own[ref.spec] = Explore(ref, fit_image(image, size), float(epsilon), attack, label, int(seed), method,
                                fit_truth(truth, size), ood, source, explain, (layers or {}).get(ref.spec.model_id))
    return [own[ref.spec] for ref in ordered]


_LATEST = [0]  # the newest page request: a prefetch chain started before it stops
_LATEST_LOCK = threading.Lock()


def _new_request() -> int:
    with _LATEST_LOCK:
        _LATEST[0] += 1
        return _LATEST[0]


def prefetch(refs: list[ModelRef], image: np.ndarray, *, epsilons, attack, label: int | None = None, seed: int = 0,
             transfer: bool = False, method: str = "grad_cam", truth: dict | None = None, ood: OodInput | None = None,
             engine: Engine | None = None, cache: ExplorationCache | None = None, explain: int | None = None,
             layers: dict | None = None) -> int:
    """Explore `image` at each of `epsilons` in the background, into the disk cache, so that
    choosing one of them next is drawn at once (the explorer prefetches the paper's grid once a
    view is drawn). One request is in the worker at a time, so a page's own request waits for
    one column (or one pair) at most; the chain stops as soon as a page asks for anything else (explorations()
    or another prefetch), when the worker dies or is shut down (the server's exit: no new worker
    is started for it), when the interpreter exits or when a request fails. Returns the number of
    columns it set out to compute (those not cached already). Columns of warm models go
    SIDE_BY_SIDE at a time (requests.Together), as a page's do."""
    engine = engine or default_engine()
    cache = cache if cache is not None else default_cache()
    ours, generation = _new_request(), engine.generation
    todo = [request for epsilon in epsilons
            for request in explore_requests(refs, image, epsilon=epsilon, attack=attack, label=label, seed=seed,
                                            transfer=transfer, method=method, truth=truth, ood=ood, explain=explain,
                                            layers=layers)
            if request.key() not in cache]
    planned = len(todo)

    def next_one(done: Future | None = None, unit: list[Explore] | None = None) -> None:
        if done is not None:
            if done.exception() is not None:
                return
            for request, reply in zip(unit, _replies(unit, done.result())):
                cache.put_later(request.key(), with_perceptibility(reply, request.image))
        if todo and _LATEST[0] == ours and engine.generation == generation:
            following = _units(engine, todo)[0]
            del todo[:len(following)]
            try:
                submitted = _submit(engine, following, background=True)
            except RuntimeError:  # the interpreter is exiting: concurrent.futures takes no more work
                return
            submitted.add_done_callback(partial(next_one, unit=following))

    next_one()
    return planned


def explorations(refs: list[ModelRef], image: np.ndarray, *, epsilon: float, attack, label: int | None = None,
                 seed: int = 0, transfer: bool = False, method: str = "grad_cam", truth: dict | None = None,
                 ood: OodInput | None = None, engine: Engine | None = None, cache: ExplorationCache | None = None,
                 on_phase: Callable[[object, str], None] | None = None, explain: int | None = None,
                 layers: dict | None = None) -> Iterator[object]:
    """Yield each model's core.explore.ModelOutcome as soon as it is ready (cached ones
    first), or a Failed for a model whose checkpoint cannot be loaded; `on_phase(spec,
    Phase.…)` says what a pending column waits for. While a slow model's PGD runs, its
    interim verdicts come too, as core.engine.requests.Progress items (spec set), the
    outcome always after them. An error of the settings (a ValueError)
    is raised; a dead worker is restarted once and the rest resubmitted."""
    _new_request()  # a prefetch still running stops: this request goes first
    engine = engine or default_engine()
    cache = cache if cache is not None else default_cache()
    note = on_phase or (lambda spec, phase: None)
    pending = []
    for request in explore_requests(refs, image, epsilon=epsilon, attack=attack, label=label, seed=seed,
                                    transfer=transfer, method=method, truth=truth, ood=ood, explain=explain,
                                    layers=layers):
        hit = cache.get(request.key())
        if hit is not None:
            yield hit
        else:
            pending.append(request)
    delivered = set()  # model ids already yielded (an outcome or a Failed)
    for attempt in (1, 2):
        try:
            for item in _run(engine, cache, pending, note):
                if not isinstance(item, Progress):
                    delivered.add(item.spec.model_id)
                yield item
            return
        except EngineError:
            if attempt == 2:
                raise
            pending = [request for request in pending if request.model.spec.model_id not in delivered]
            for request in pending:
                note(request.model.spec, Phase.RESTARTING)


# Columns of warm models run this many at a time in the worker (requests.Together): more than
# the cores would only slow each one down.
SIDE_BY_SIDE = max(1, min(MOST_TOGETHER, usable_cores()))


def _units(engine: Engine, pending: list[Explore]) -> list[list[Explore]]:
    """`pending` cut into what the worker runs at once, in order: a cold model's column alone
    (after its Load and Warm, so it fills as soon as that model is ready), warm models' columns
    SIDE_BY_SIDE at a time, never beside their own transfer source."""
    units: list[list[Explore]] = []
    for request in pending:
        last = units[-1] if units else None
        joins = (last is not None and len(last) < SIDE_BY_SIDE and engine.is_warm(request.model)
                 and all(engine.is_warm(other.model) and other is not request.source for other in last))
        if joins:
            last.append(request)
        else:
            units.append([request])
    return units


def _submit(engine: Engine, unit: list[Explore], *, background: bool = False) -> Future:
    """The worker's reply to `unit`: its one Explore, or a Together of several (a prefetch's in
    the background: a page's request goes before it)."""
    return engine.submit(Together(tuple(unit)) if len(unit) > 1 else unit[0], background=background)


def _replies(unit: list[Explore], reply) -> tuple:
    """The outcomes of `unit` in its order, from _submit's reply."""
    return reply if len(unit) > 1 else (reply,)


# A warm unit's reply that comes this soon is drawn without a note first: each note is an
# element the browser draws on the same two cores while the worker computes (an ε change of
# warm models is 0.2-0.3 s of the worker's time a pair here).
QUIET_S = 0.3


def _run(engine: Engine, cache: ExplorationCache, pending: list[Explore], note) -> Iterator[object]:
    """Submit every pending request's steps at once (the worker runs them in order), then
    follow them in that order. When every model is warm, nothing is noted unless a reply takes
    longer than QUIET_S: then that unit is noted as attacking and the rest as queued."""
    if pending:
        preload_in_background()  # what measuring the replies needs, imported while the worker works
    steps, restarts = [], engine.restarts
    for unit in _units(engine, pending):
        ref = unit[0].model  # a unit of several is warm already (_units)
        load = None if engine.is_warm(ref) else (engine.submit(Load(ref)), engine.submit(Warm(ref)))
        steps.append((unit, load, _submit(engine, unit)))
    restarted = engine.restarts != restarts  # found dead while submitting: every model warms again
    quiet = not restarted and all(load is None for _, load, _ in steps)
    if not quiet:
        _note_all(steps, note, Phase.RESTARTING if restarted else Phase.QUEUED)
    for index, (unit, load, explored) in enumerate(steps):
        spec = unit[0].model.spec
        if load is not None:
            note(spec, Phase.LOADING)
            try:
                load[0].result(STARTING_TIMEOUT_S)
            except (OSError, CheckpointError) as error:
                yield Failed(spec, str(error))
                continue
            note(spec, Phase.COMPILING)
            load[1].result(STARTING_TIMEOUT_S)
        replies = _quick_reply(explored) if quiet else None
        if replies is None:
            if quiet:  # a wait worth saying: the columns still to come are queued behind this one
                quiet = False
                _note_all(steps[index + 1:], note, Phase.QUEUED)
            for request in unit:
                note(request.model.spec, Phase.ATTACKING)
            replies = yield from _following(engine, unit, explored)
        for request, reply in zip(unit, _replies(unit, replies)):
            outcome = with_perceptibility(reply, request.image)  # here, not in the worker
            cache.put_later(request.key(), outcome)  # written in the background: drawn first
            yield outcome


# How often a column's pending attack is checked for an interim verdict.
PROGRESS_POLL_S = 0.1


def _following(engine: Engine, unit: list[Explore], explored: Future):
    """Yield the unit's interim verdicts (Progress, spec set) until `explored` is done; return its reply."""
    keys = {request.key(): request.model.spec for request in unit}
    deadline = time.monotonic() + STARTING_TIMEOUT_S
    while True:
        try:
            reply = explored.result(PROGRESS_POLL_S)
        except TimeoutError:
            if time.monotonic() > deadline:
                raise
            reply = None
        else:
            _discard_progress(engine, keys)
            return reply
        for key, spec in keys.items():
            report = engine.progress(key)
            if report is not None:
                yield replace(report, spec=spec)


def _discard_progress(engine: Engine, keys) -> None:
    """Drop what the worker reported about a unit that has answered (late reports included)."""
    for key in keys:
        engine.progress(key)


def _note_all(steps, note, phase: str) -> None:
    for unit, _, _ in steps:
        for request in unit:
            note(request.model.spec, phase)


def _quick_reply(explored: Future):
    """The reply if it comes within QUIET_S, else None."""
    try:
        return explored.result(QUIET_S)
    except TimeoutError:  # concurrent.futures.TimeoutError is the builtin since Python 3.11
        return None
