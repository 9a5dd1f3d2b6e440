"""Columns of warm models run two at a time in the worker (requests.Together): how the stream
cuts the pending columns, and that side by side gives what one after the other gives."""

import threading
import time
from collections import OrderedDict

import numpy as np
import pytest

from core.engine import ExplorationCache, Explore, ModelRef, Together, explorations, prefetch, worker
from core.engine.stream import _units, explore_requests
from core.explore import explorer_attack
from core.models.zoo import all_specs
from tests.engine.test_prefetch import Column
from tests.engine.test_prewarm import RecordingEngine

IMAGE = np.random.default_rng(5).random((96, 96, 3), dtype=np.float32)


def _refs():
    return [ModelRef.of(spec) for spec in all_specs("demo", "cxr")]  # vanilla, attentive, vanilla, attentive


def _warm(engine, *refs):
    engine._warm.update((ref.path, ref.digest) for ref in refs)


def _ids(units):
    return [[request.model.spec.model_id.split("demo-cxr-")[1] for request in unit] for unit in units]


@pytest.fixture
def pairs(monkeypatch):
    monkeypatch.setattr("core.engine.stream.SIDE_BY_SIDE", 2)  # as on this 2-core CPU, whatever the runner has


def test_warm_columns_go_in_pairs_and_a_cold_one_alone_after_its_warm_up(pairs):
    engine, (r50, r50_attention, irv2, irv2_attention) = RecordingEngine(), _refs()
    pending = explore_requests(_refs(), IMAGE, epsilon=0.01, attack=explorer_attack(2))
    assert _ids(_units(engine, pending)) == [["resnet50-vanilla"], ["inception_resnet_v2-vanilla"],
                                             ["resnet50-attention"], ["inception_resnet_v2-attention"]]
    _warm(engine, r50, r50_attention, irv2_attention)  # irv2 is cold (its checkpoint was retrained, say)
    assert _ids(_units(engine, pending)) == [["resnet50-vanilla"], ["inception_resnet_v2-vanilla"],
                                             ["resnet50-attention", "inception_resnet_v2-attention"]]
    _warm(engine, irv2)
    assert _ids(_units(engine, pending)) == [["resnet50-vanilla", "inception_resnet_v2-vanilla"],
                                             ["resnet50-attention", "inception_resnet_v2-attention"]]


def test_a_column_never_runs_beside_its_own_transfer_source(pairs):
    engine, (r50, r50_attention, _, _) = RecordingEngine(), _refs()
    _warm(engine, r50, r50_attention)
    pending = explore_requests([r50, r50_attention], IMAGE, epsilon=0.01, attack=explorer_attack(2), transfer=True)
    assert pending[1].source is pending[0]
    assert _ids(_units(engine, pending)) == [["resnet50-vanilla"], ["resnet50-attention"]]


def test_a_pair_is_one_request_and_both_columns_are_delivered_and_cached(pairs, tmp_path):
    engine, refs, cache = RecordingEngine(), _refs(), ExplorationCache(tmp_path)
    _warm(engine, *refs)
    delivered = []
    stream = threading.Thread(target=lambda: delivered.extend(
        explorations(refs, IMAGE, epsilon=0.01, attack=explorer_attack(2), engine=engine, cache=cache)))
    stream.start()
    while len(engine.queue) < 2 and stream.is_alive():
        stream.join(0.05)
    assert [type(request).__name__ for request, _ in engine.queue] == ["Together", "Together"]
    for request, future in engine.queue:
        future.set_result(tuple(Column(r.model.spec, {"ssim": 1.0, "psnr_db": 60.0}) for r in request.requests))
    stream.join(30)
    assert [o.spec.model_id for o in delivered] == [refs[i].spec.model_id for i in (0, 2, 1, 3)]  # vanilla first
    cache.flush()  # written in the background
    assert len(cache.entries()) == 4


def test_prefetching_sends_warm_models_in_pairs_too(pairs, tmp_path):
    engine, refs, cache = RecordingEngine(), _refs()[:2], ExplorationCache(tmp_path)
    _warm(engine, *refs)
    assert prefetch(refs, IMAGE, epsilons=[0.01, 0.02], attack=explorer_attack(2), engine=engine, cache=cache) == 4
    for index in range(2):
        request, future = engine.queue[index]
        assert isinstance(request, Together) and [r.epsilon for r in request.requests] == [0.01 * (index + 1)] * 2
        future.set_result(tuple(Column(r.model.spec, {"ssim": 1.0}) for r in request.requests))
        assert all(r.key() in cache for r in request.requests)
    assert len(engine.queue) == 2


def test_side_by_side_in_the_worker_equals_one_after_the_other(monkeypatch):
    for name, empty in (("_MODELS", OrderedDict()), ("_WARM", set()), ("_TRACED", set()), ("_SOURCES", OrderedDict())):
        monkeypatch.setattr(worker, name, empty)
    threads = []
    run = Explore.run

    def recording_run(self, model, source=None, on_progress=None):
        threads.append(threading.current_thread().name)
        return run(self, model, source=source, on_progress=on_progress)

    monkeypatch.setattr(Explore, "run", recording_run)
    refs = _refs()[:2]
    first = explore_requests(refs, IMAGE, epsilon=0.01, attack=explorer_attack(2))
    worker.handle(Together(tuple(first)))  # a first call on each model traces: in turn, on this thread
    assert threads == [threading.current_thread().name] * 2
    threads.clear()
    together = worker.handle(Together(tuple(explore_requests(refs, IMAGE, epsilon=0.02, attack=explorer_attack(2)))))
    assert len(threads) == 2 and all(name.startswith("advattn-column") for name in threads)
    alone = [worker.handle(request) for request in explore_requests(refs, IMAGE, epsilon=0.02,
                                                                     attack=explorer_attack(2))]
    for side_by_side, in_turn in zip(together, alone):
        assert side_by_side.spec == in_turn.spec
        np.testing.assert_allclose(side_by_side.adversarial, in_turn.adversarial, atol=1e-6)
        np.testing.assert_allclose(side_by_side.adversarial_probabilities, in_turn.adversarial_probabilities,
                                   atol=1e-5)
        np.testing.assert_allclose(side_by_side.adversarial_cam, in_turn.adversarial_cam, atol=1e-5)


def _stream_warm_pairs(engine, refs, cache, phases, delivered):
    """explorations() of four warm models on a thread, recording notes and outcomes in order."""
    _warm(engine, *refs)

    def run():
        for item in explorations(refs, IMAGE, epsilon=0.01, attack=explorer_attack(2), engine=engine, cache=cache,
                                 on_phase=lambda spec, phase: phases.append((spec.model_id, phase))):
            delivered.append(item.spec.model_id)

    stream = threading.Thread(target=run)
    stream.start()
    while len(engine.queue) < 2 and stream.is_alive():
        stream.join(0.05)
    return stream


def _settle_pair(engine, index):
    request, future = engine.queue[index]
    future.set_result(tuple(Column(r.model.spec, {"ssim": 1.0, "psnr_db": 60.0}) for r in request.requests))


def test_warm_columns_that_answer_at_once_are_drawn_without_a_note_first(pairs, tmp_path, monkeypatch):
    monkeypatch.setattr("core.engine.stream.QUIET_S", 60.0)  # every reply comes "at once"
    engine, refs, phases, delivered = RecordingEngine(), _refs(), [], []
    stream = _stream_warm_pairs(engine, refs, ExplorationCache(tmp_path), phases, delivered)
    for index in range(2):
        _settle_pair(engine, index)
    stream.join(30)
    assert len(delivered) == 4 and phases == []  # the page's grid is laid out by the first column itself


def test_a_warm_column_that_keeps_the_page_waiting_says_so_and_the_rest_are_queued(pairs, tmp_path, monkeypatch):
    from core.engine import Phase

    monkeypatch.setattr("core.engine.stream.QUIET_S", 0.05)
    engine, refs, phases, delivered = RecordingEngine(), _refs(), [], []
    stream = _stream_warm_pairs(engine, refs, ExplorationCache(tmp_path), phases, delivered)
    deadline = time.monotonic() + 30
    while len(phases) < 4 and time.monotonic() < deadline:
        time.sleep(0.02)
    first, second = ([r.model.spec.model_id for r in engine.queue[i][0].requests] for i in range(2))
    assert sorted(phases) == sorted([(m, Phase.QUEUED) for m in second] + [(m, Phase.ATTACKING) for m in first])
    assert delivered == []
    _settle_pair(engine, 0)
    deadline = time.monotonic() + 30
    while len(phases) < 6 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert phases[4:] == [(m, Phase.ATTACKING) for m in second]  # noted once the wait is its own
    _settle_pair(engine, 1)
    stream.join(30)
    assert delivered == first + second


def test_several_sessions_columns_run_as_one_batch_per_model_and_each_gets_its_own(monkeypatch):
    """A Together the Engine gathered from several pages: each model's columns run as one batch
    (each at its own ε and seed), a column whose transfer source is among them after it, and
    every outcome is what its own request gives alone."""
    for name, empty in (("_MODELS", OrderedDict()), ("_WARM", set()), ("_TRACED", set()), ("_SOURCES", OrderedDict())):
        monkeypatch.setattr(worker, name, empty)
    batches = []
    explore_batch = worker._explore_batch
    monkeypatch.setattr(worker, "_explore_batch", lambda group, model: batches.append(len(group))
                        or explore_batch(group, model))
    refs = _refs()[:2]  # the ResNet-50 twins
    other = np.random.default_rng(6).random((96, 96, 3), dtype=np.float32)
    sessions = [explore_requests(refs, IMAGE, epsilon=0.01, attack=explorer_attack(2)),
                explore_requests(refs, other, epsilon=0.02, attack=explorer_attack(2), seed=3),
                explore_requests(refs, other, epsilon=0.005, attack=explorer_attack(2), transfer=True),
                explore_requests(refs, IMAGE, epsilon=0.01, attack=explorer_attack(2))]  # the first page's view again
    gathered = [request for session in sessions for request in session]
    replies = worker.handle(Together(tuple(gathered)))
    assert sorted(batches) == [2, 3]  # the vanilla model's three columns, the attentive's two own; the transfer alone
    assert replies[5].transferred_from == "demo-cxr-resnet50-vanilla"
    assert replies[6] is replies[0] and replies[7] is replies[1]  # the same view is computed once
    worker._SOURCES.clear()
    for request, reply in zip(gathered, replies):
        alone = worker.handle(request)
        assert reply.spec == alone.spec
        np.testing.assert_allclose(reply.adversarial, alone.adversarial, atol=1e-6)
        np.testing.assert_allclose(reply.adversarial_probabilities, alone.adversarial_probabilities, atol=1e-5)


def test_the_engine_gathers_the_pages_columns_waiting_behind_a_running_request():
    """What several pages asked for while the worker was busy goes as one Together; each page
    gets its own reply, a background request and a cold model's column stay in the queue."""
    from concurrent.futures import Future

    from core.engine.client import Engine

    engine, (r50, r50_attention, irv2, _) = Engine(), _refs()
    _warm(engine, r50, r50_attention)
    first, second, cold = (explore_requests([ref], IMAGE, epsilon=e, attack=explorer_attack(2))[0]
                           for ref, e in ((r50, 0.01), (r50_attention, 0.02), (irv2, 0.01)))
    pair = Together(tuple(explore_requests([r50, r50_attention], IMAGE, epsilon=0.03, attack=explorer_attack(2))))
    futures = {}
    for name, request, background in (("pair", pair, False), ("prefetch", second, True), ("cold", cold, False),
                                      ("second", second, False)):
        futures[name] = Future()
        engine._waiting.append((background, len(engine._waiting), request, futures[name]))
    futures["first"] = Future()
    gathered, settled = engine._gather(first, futures["first"])
    assert [r.model.spec.model_id for r in gathered.requests] == [
        "demo-cxr-resnet50-vanilla", "demo-cxr-resnet50-vanilla", "demo-cxr-resnet50-attention",
        "demo-cxr-resnet50-attention"]  # the first, the pair, the second
    assert sorted(item[2] is cold or item[0] for item in engine._waiting) == [True, True]  # left waiting
    assert gathered.apart  # the worker keeps one page's failure to that page
    settled.set_result(("a", ValueError("the pair's second column failed"), "c", "d"))
    assert futures["first"].result() == "a" and futures["second"].result() == "d"
    with pytest.raises(ValueError, match="second column failed"):
        futures["pair"].result()
    assert not futures["cold"].done() and not futures["prefetch"].done()


def test_one_pages_failing_column_leaves_the_other_pages_columns_to_run(monkeypatch):
    for name, empty in (("_MODELS", OrderedDict()), ("_WARM", set()), ("_TRACED", set()), ("_SOURCES", OrderedDict())):
        monkeypatch.setattr(worker, name, empty)
    r50 = _refs()[0]
    broken = ModelRef(r50.spec, r50.path + ".gone", "0" * 64)  # its checkpoint vanished since the page asked
    good, bad = (explore_requests([ref], IMAGE, epsilon=0.01, attack=explorer_attack(2))[0] for ref in (r50, broken))
    replies = worker.handle(Together((good, bad), apart=True))
    assert replies[0].spec == r50.spec and isinstance(replies[1], Exception)
    with pytest.raises(Exception):  # a page's own pair fails as a whole, as before
        worker.handle(Together((good, bad)))
