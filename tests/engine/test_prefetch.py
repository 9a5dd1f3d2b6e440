"""Prefetching the paper's other ε values: one column in the worker at a time, into the disk
cache, skipping what is cached, and stopping as soon as a page asks for something else."""

from dataclasses import dataclass

import numpy as np

from core.engine import EngineError, ExplorationCache, ModelRef, explorations, prefetch
from core.engine.stream import explore_requests
from core.explore import explorer_attack
from core.models.zoo import all_specs
from core.engine.codec import register
from tests.engine.test_prewarm import RecordingEngine

IMAGE = np.zeros((96, 96, 3), np.float32)
SETTINGS = dict(attack=explorer_attack(2), label=None, seed=0, method="grad_cam")


@register  # a fake reply the cache may save (core.engine.codec)
@dataclass
class Column:
    """A reply as the stream handles it (a spec; perceptibility measured already)."""

    spec: object
    perceptibility: dict


def _refs():
    return [ModelRef.of(spec) for spec in all_specs("demo", "cxr")[:2]]


def _settle(engine, index):
    request, future = engine.queue[index]
    future.set_result(Column(request.model.spec, {"ssim": 1.0, "psnr_db": 60.0}))
    return request


def test_one_column_at_a_time_into_the_cache_skipping_what_is_there(tmp_path):
    engine, cache, refs = RecordingEngine(), ExplorationCache(tmp_path), _refs()
    cached = explore_requests(refs, IMAGE, epsilon=0.01, **SETTINGS)[0]
    cache.put(cached.key(), Column(cached.model.spec, {}))
    planned = prefetch(refs, IMAGE, epsilons=[0.01, 0.02], engine=engine, cache=cache, **SETTINGS)
    assert planned == 3 and len(engine.queue) == 1  # 2 epsilons x 2 models, one cached; one in the worker
    done = []
    while len(done) < planned:
        done.append(_settle(engine, len(done)))
        assert all(r.key() in cache for r in done)  # each reply is saved as it arrives
    assert len(engine.queue) == planned  # nothing more was asked
    assert [(r.epsilon, r.model.spec.attention) for r in done] == [(0.01, True), (0.02, False), (0.02, True)]


def test_a_page_request_or_a_newer_prefetch_stops_the_chain(tmp_path):
    engine, cache, refs = RecordingEngine(), ExplorationCache(tmp_path), _refs()
    prefetch(refs, IMAGE, epsilons=[0.01, 0.02], engine=engine, cache=cache, **SETTINGS)
    assert list(explorations([], IMAGE, epsilon=0.005, engine=engine, cache=cache, **SETTINGS)) == []  # the page asks
    _settle(engine, 0)
    assert len(engine.queue) == 1  # the chain stopped: the page's requests go first
    newer = RecordingEngine()
    prefetch(refs, IMAGE, epsilons=[0.04], engine=engine, cache=cache, **SETTINGS)
    prefetch(refs, IMAGE, epsilons=[0.08], engine=newer, cache=cache, **SETTINGS)
    _settle(engine, 1)
    assert len(engine.queue) == 2 and len(newer.queue) == 1  # only the newest chain goes on


def test_a_failed_column_ends_the_chain_quietly(tmp_path):
    engine, cache, refs = RecordingEngine(), ExplorationCache(tmp_path), _refs()
    prefetch(refs, IMAGE, epsilons=[0.01, 0.02], engine=engine, cache=cache, **SETTINGS)
    engine.queue[0][1].set_exception(EngineError("the engine process stopped"))
    cache.flush()  # nothing waits to be written either
    assert len(engine.queue) == 1 and not cache.entries()


def test_a_shut_down_engine_ends_the_chain_without_starting_another_worker(tmp_path):
    engine, cache, refs = RecordingEngine(), ExplorationCache(tmp_path), _refs()
    prefetch(refs, IMAGE, epsilons=[0.01, 0.02], engine=engine, cache=cache, **SETTINGS)
    engine.shutdown()  # the server exits while a column is in the worker
    _settle(engine, 0)
    assert len(engine.queue) == 1  # the finished column is saved, nothing more is asked
    cache.flush()  # written in the background
    assert len(cache.entries()) == 1


def test_an_exiting_interpreter_ends_the_chain_quietly(tmp_path, caplog):
    class Exiting(RecordingEngine):
        def submit(self, request, *, background=False):
            if self.queue:
                raise RuntimeError("cannot schedule new futures after interpreter shutdown")
            return super().submit(request, background=background)

    engine, cache, refs = Exiting(), ExplorationCache(tmp_path), _refs()
    prefetch(refs, IMAGE, epsilons=[0.01, 0.02], engine=engine, cache=cache, **SETTINGS)
    _settle(engine, 0)  # its callback asks for the next column: refused, and nothing is raised
    cache.flush()  # the settled column is written in the background
    assert len(engine.queue) == 1 and len(cache.entries()) == 1
    assert "exception calling callback" not in caplog.text  # how concurrent.futures reports a callback's error
