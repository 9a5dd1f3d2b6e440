"""Prewarming at server start never delays what a page asks for: each model's warm-up is
queued only when the one before is done, so a page's requests made meanwhile go first."""

from concurrent.futures import Future

from core.engine import Engine, EngineError, ModelRef, Warm
from core.models.zoo import all_specs


class RecordingEngine(Engine):
    """An Engine whose worker is the test: submit() records the request and hands back a
    Future the test settles."""

    def __init__(self) -> None:
        super().__init__()
        self.queue: list[tuple[object, Future]] = []

    def submit(self, request, *, background: bool = False) -> Future:
        future: Future = Future()
        self.queue.append((request, future))
        return future

    def names(self) -> list[str]:
        return [type(r).__name__ + ("" if r.model is None else f":{r.model.spec.model_id}") for r, _ in self.queue]


def _refs(count=3):
    return [ModelRef.of(spec) for spec in all_specs("demo", "cxr")[:count]]


def test_a_page_request_made_while_prewarming_goes_before_the_remaining_warm_ups():
    engine, (a, b, c) = RecordingEngine(), _refs()
    engine.prewarm([a, b, c])
    assert engine.names() == ["Prime", f"Warm:{a.spec.model_id}"]  # one warm-up at a time
    engine.submit(Warm(c))  # the page asks for c while a warms
    engine.queue[1][1].set_result(None)  # a is warm: only now is b queued, behind the page's request
    assert engine.names() == ["Prime", f"Warm:{a.spec.model_id}", f"Warm:{c.spec.model_id}", f"Warm:{b.spec.model_id}"]


def test_models_already_warm_are_skipped_and_a_dead_worker_ends_the_chain():
    engine, (a, b, c) = RecordingEngine(), _refs()
    engine._warm.add((a.path, a.digest))
    engine.prewarm([a, b, c])
    assert engine.names() == ["Prime", f"Warm:{b.spec.model_id}"]
    engine.queue[1][1].set_exception(EngineError("killed"))
    assert len(engine.queue) == 2  # the next page request restarts the worker; no warm-up of c on a dead one


def test_a_model_that_fails_to_load_does_not_stop_the_others():
    engine, (a, b) = RecordingEngine(), _refs(2)
    engine.prewarm([a, b])
    engine.queue[1][1].set_exception(OSError("unreadable checkpoint"))
    assert engine.names()[-1] == f"Warm:{b.spec.model_id}"
