"""The engine process's model cache is bounded: one content per checkpoint file, at most
MAX_MODELS files, least recently used evicted; and what the process is given as it starts
(core.engine.startup): TensorFlow's threads, shared among the columns side by side."""

from collections import OrderedDict

from core.engine import startup, worker


def test_the_model_cache_keeps_one_version_per_file_and_a_bounded_count(monkeypatch):
    monkeypatch.setattr(worker, "_MODELS", OrderedDict())
    monkeypatch.setattr(worker, "_WARM", set())
    for epoch in range(5):  # a training job rewriting its checkpoint every improving epoch
        worker.remember(("user/cxr/resnet50_attention.keras", f"sha-{epoch}"), object())
        worker._WARM.add(("user/cxr/resnet50_attention.keras", f"sha-{epoch}"))
    assert worker.loaded() == [("user/cxr/resnet50_attention.keras", "sha-4")]
    assert worker._WARM == {("user/cxr/resnet50_attention.keras", "sha-4")}  # traces go with their model
    for index in range(worker.MAX_MODELS + 3):
        worker.remember((f"demo/{index}.keras", "sha"), object())
    assert len(worker.loaded()) == worker.MAX_MODELS
    assert ("demo/0.keras", "sha") not in worker.loaded() and ("demo/14.keras", "sha") in worker.loaded()
    worker.remember(("demo/3.keras", "sha"), worker._MODELS[("demo/3.keras", "sha")])  # used again: kept
    worker.remember(("demo/99.keras", "sha"), object())
    assert ("demo/3.keras", "sha") in worker.loaded() and ("demo/4.keras", "sha") not in worker.loaded()


def test_the_cores_are_shared_among_the_columns_that_run_side_by_side():
    from core.engine.requests import MOST_TOGETHER

    assert MOST_TOGETHER == 2  # the figures below are for pairs
    assert [startup.intra_op_threads(cores) for cores in (1, 2, 3, 8, 16)] == [1, 1, 1, 4, 8]


def test_the_worker_sets_tensorflows_threads_before_importing_it_unless_told(monkeypatch):
    from core.engine.client import Engine
    from tests.engine.fakes import Environment

    told = {startup.INTRA_OP_VARIABLE: "3"}
    startup.prepare_environment(told)
    assert told[startup.INTRA_OP_VARIABLE] == "3" and told["TF_CPP_MIN_LOG_LEVEL"] == "2"
    monkeypatch.delenv(startup.INTRA_OP_VARIABLE, raising=False)
    engine = Engine()  # a real engine process: its environment is set as it starts, before its first request
    try:
        assert engine.call(Environment(startup.INTRA_OP_VARIABLE)) == str(startup.intra_op_threads())
    finally:
        engine.shutdown()
