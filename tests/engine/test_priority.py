"""What a person asked for goes first: background work (prefetches, warm-ups nobody asked for)
yields to a page's request at every request boundary (issue 43)."""

from core.engine.client import Engine
from tests.engine.fakes import Sleep


def test_a_page_request_goes_before_the_background_work_queued_ahead_of_it():
    engine = Engine()
    try:
        engine.call(Sleep("ready", 0.0))  # the worker is up and has imported the engine
        running = engine.submit(Sleep("prefetch 1", 1.0), background=True)
        queued = [engine.submit(Sleep(f"prefetch {i}", 0.5), background=True) for i in (2, 3)]
        page = engine.submit(Sleep("page", 0.1))
        later_page = engine.submit(Sleep("another page", 0.1))
        assert engine.waiting() == 4  # the first prefetch runs, the rest wait
        finished = {name: at for name, at in (f.result(60) for f in [running, *queued, page, later_page])}
        order = sorted(finished, key=finished.get)
        assert order == ["prefetch 1", "page", "another page", "prefetch 2", "prefetch 3"]
    finally:
        engine.shutdown()


def test_requests_waiting_when_the_engine_shuts_down_fail_in_words():
    engine = Engine()
    engine.call(Sleep("ready", 0.0))
    engine.submit(Sleep("running", 0.5))
    waiting = engine.submit(Sleep("waiting", 0.1), background=True)
    engine.shutdown()
    error = waiting.exception(10)
    assert error is not None and "shut down" in str(error)
