"""The engine process: it holds the models, answers typed requests, survives being killed,
and the app process that uses it never imports TensorFlow."""

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from core.engine import Engine, EngineError, ExplorationCache, ModelRef, Phase, Warm, explorations, prefetch
from core.engine import startup
from core.explore import explorer_attack, perceptibility
from core.models.zoo import all_specs

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def engine():
    started = Engine()
    yield started
    started.shutdown()


def _refs(task="cxr", count=2):
    return [ModelRef.of(spec) for spec in all_specs("demo", task)[:count]]


def _image():
    return np.random.default_rng(3).random((96, 96, 3), dtype=np.float32)


def test_columns_arrive_one_by_one_then_come_from_disk(engine, tmp_path):
    cache = ExplorationCache(tmp_path)
    refs = _refs()
    phases = []
    first = list(explorations(refs, _image(), epsilon=0.01, attack=explorer_attack(2), engine=engine, cache=cache,
                              on_phase=lambda spec, phase: phases.append((spec.model_id, phase))))
    assert sorted(o.spec.model_id for o in first) == sorted(r.spec.model_id for r in refs)
    for ref in refs:  # each column said what it waited for, in order
        own = [phase for model_id, phase in phases if model_id == ref.spec.model_id]
        assert own[0] == Phase.QUEUED and own[-1] == Phase.ATTACKING
    assert all(engine.is_warm(ref) for ref in refs)
    for outcome in first:  # measured here, in the app process, as core.explore would have
        assert outcome.perceptibility == perceptibility(_image(), outcome.adversarial)
    assert engine.call(KerasProbe())["scipy_stats"] is False  # the engine never paid SciPy's import
    again = list(explorations(refs, _image(), epsilon=0.01, attack=explorer_attack(2), engine=Engine(), cache=cache,
                              on_phase=lambda spec, phase: pytest.fail("a cached view waits for nothing")))
    for old, new in zip(first, again):  # a new engine (a restarted server) is not even started
        np.testing.assert_array_equal(old.adversarial, new.adversarial)


def test_a_prefetched_epsilon_is_drawn_from_the_cache(engine, tmp_path):
    cache, refs = ExplorationCache(tmp_path), _refs()
    assert prefetch(refs, _image(), epsilons=[0.02], attack=explorer_attack(2), engine=engine, cache=cache) == 2
    deadline = time.monotonic() + 300
    while len(cache.entries()) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    found = list(explorations(refs, _image(), epsilon=0.02, attack=explorer_attack(2), engine=engine, cache=cache,
                              on_phase=lambda spec, phase: pytest.fail("a prefetched view waits for nothing")))
    assert sorted(o.spec.model_id for o in found) == sorted(r.spec.model_id for r in refs)
    assert all(o.perceptibility is not None for o in found)


def test_transfer_reuses_the_twins_perturbation_in_the_engine(engine, tmp_path):
    vanilla, attentive = (ModelRef.of(spec) for spec in all_specs("demo", "cxr")[:2])
    assert not vanilla.spec.attention and attentive.spec.attention
    found = {o.spec.model_id: o for o in explorations([attentive, vanilla], _image(), epsilon=0.02, transfer=True,
                                                        attack=explorer_attack(2), engine=engine,
                                                        cache=ExplorationCache(tmp_path))}
    applied = found[attentive.spec.model_id]
    assert applied.transferred_from == vanilla.spec.model_id
    np.testing.assert_array_equal(applied.adversarial, found[vanilla.spec.model_id].adversarial)


def test_a_slow_columns_interim_verdicts_come_before_its_outcome(engine, tmp_path):
    from core.engine import Progress
    from core.engine.stream import _run
    from tests.engine.fakes import SlowExplore

    ref = _refs(count=1)[0]
    slow = SlowExplore(ref, _image(), 0.01, explorer_attack(2))
    items = list(_run(engine, ExplorationCache(tmp_path), [slow], lambda spec, phase: None))
    reports, outcome = items[:-1], items[-1]
    assert all(isinstance(r, Progress) for r in reports)
    # the first is seen (the next comes 0.4 s later); the last may be overtaken by the outcome itself
    assert [r.done for r in reports] in ([1], [1, 2])
    assert all(r.spec == ref.spec and r.steps == 3 for r in reports)
    clean = outcome.clean_probabilities  # the fake reports the clean image: its verdict is the clean one
    np.testing.assert_allclose(reports[0].probabilities, clean, atol=1e-5)
    assert engine.progress(slow.key()) is None  # nothing is left behind for a later page


def test_a_killed_engine_restarts_with_the_next_request(engine, tmp_path):
    ref = _refs(count=1)[0]
    engine.call(Warm(ref))
    before = engine.pid()
    os.kill(before, signal.SIGKILL)
    time.sleep(0.5)
    phases = []
    outcomes = list(explorations([ref], _image(), epsilon=0.01, attack=explorer_attack(2), engine=engine,
                                 cache=ExplorationCache(tmp_path), on_phase=lambda s, p: phases.append(p)))
    assert len(outcomes) == 1 and engine.restarts == 1 and engine.pid() != before
    assert Phase.RESTARTING in phases  # the page says the models warm again
    os.kill(engine.pid(), signal.SIGKILL)  # killed while a request waits: a sentence, then a fresh worker
    with pytest.raises(EngineError, match="restarts with the next request"):
        engine.call(Warm(ref))
    assert engine.call(Warm(ref)) is None and engine.restarts == 2


@dataclass(frozen=True)
class KerasProbe:
    """A request (any object with model, warm and run) that reports how the worker imported Keras."""

    model: None = None
    warm: bool = False

    def run(self, model):
        import importlib

        import keras.src.wrappers.fixes as fixes

        found = {"keras": "keras" in sys.modules, "keras_saw_sklearn": fixes.sklearn is not None,
                 "scipy_stats": "scipy.stats" in sys.modules}
        importlib.import_module("sklearn.covariance")  # hidden only while Keras was imported
        return found


def test_the_worker_imports_keras_without_sklearn_then_sklearn_is_usable(engine):
    found = engine.call(KerasProbe())
    assert found["keras"] and not found["keras_saw_sklearn"]


APP_RUN = """
import json, sys
from streamlit.testing.v1 import AppTest
app = AppTest.from_file({app!r}, default_timeout=300)
app.session_state["task"] = "cxr"
app.run()
words = ("**Held**", "**Fooled**", "**Already wrong**", "**Corrected**", "**Flipped**")
verdicts = [e.value for e in [*app.success, *app.error, *app.warning, *app.info] if e.value.startswith(words)]
exceptions = [str(e.value) for e in app.exception]
for page in ("app_pages/gallery.py", "app_pages/curves.py", "app_pages/zoo.py", "app_pages/training.py"):
    app.switch_page(page)
    if page.endswith("gallery.py"):
        app.session_state["gallery_count"], app.session_state["gallery_steps"] = 2, 1
    app.run()
    exceptions += [str(e.value) for e in app.exception]
print(json.dumps({{"verdicts": len(verdicts), "exception": exceptions, "images": len(app.get("image")),
                  "tensorflow": "tensorflow" in sys.modules, "keras": "keras" in sys.modules}}))
"""


def test_the_app_process_never_imports_tensorflow_on_any_page(tmp_path):
    env = {**os.environ, "ADVATTN_RUNS": str(tmp_path), "PYTHONPATH": str(ROOT),
           "ADVATTN_BUNDLED_VIEWS": ""}  # the explorer's view computed by the engine, not read from the bundle
    done = subprocess.run([sys.executable, "-c", APP_RUN.format(app=str(ROOT / "dashboard.py"))], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["verdicts"] == 4 and not report["exception"], (report, done.stderr[-2000:])
    assert not report["tensorflow"] and not report["keras"]


PARENT = """
import sys
from core.engine import Engine
print(Engine().pid(), flush=True)
sys.stdin.read()  # wait to be killed
"""


def test_the_engine_ends_with_the_server_even_when_it_is_killed(tmp_path):
    server = subprocess.Popen([sys.executable, "-c", PARENT], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    worker = int(server.stdout.readline())
    os.kill(server.pid, signal.SIGKILL)  # no atexit: the worker's parent watch must notice
    server.wait(10)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            os.kill(worker, 0)
        except ProcessLookupError:
            return
        try:  # reaped by init once it exits; a zombie still answers kill(0)
            if Path(f"/proc/{worker}/stat").read_text().split()[2] == "Z":
                return
        except FileNotFoundError:
            return
        time.sleep(0.2)
    pytest.fail(f"the engine process {worker} outlived its server")


@pytest.mark.parametrize("given, below", [(None, startup.NICENESS), ("0", 0), ("12", 12)])
def test_the_engine_runs_below_its_app_by_the_niceness_asked_for(given, below):
    env = {key: value for key, value in os.environ.items() if key != startup.NICENESS_VARIABLE}
    if given is not None:
        env[startup.NICENESS_VARIABLE] = given
    server = subprocess.Popen([sys.executable, "-c", PARENT], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True, env={**env, "PYTHONPATH": str(ROOT)})
    try:
        engine_pid = int(server.stdout.readline())
        assert os.getpriority(os.PRIO_PROCESS, engine_pid) - os.getpriority(os.PRIO_PROCESS, server.pid) == below
    finally:
        server.kill()
        server.wait(10)


@pytest.mark.parametrize("given", ["-3", "20", "high"])
def test_a_bad_engine_niceness_is_named_with_its_value(monkeypatch, given):
    monkeypatch.setenv(startup.NICENESS_VARIABLE, given)
    with pytest.raises(ValueError, match=f"ADVATTN_ENGINE_NICENESS must be a whole number from 0 to 19, got '{given}'"):
        startup.niceness()
    with pytest.raises(ValueError, match="ADVATTN_ENGINE_NICENESS"):  # in the app process, before a worker starts
        Engine().pid()


def test_the_worker_never_runs_the_starting_processs_main_script(tmp_path, monkeypatch):
    """Under Streamlit __main__ is the app script (after an AppTest, a temporary one): the
    spawned worker must not import it."""
    import types

    script, marker = tmp_path / "page.py", tmp_path / "ran"
    script.write_text(f"open({str(marker)!r}, 'w').write('ran')\nraise SystemExit('a page ran in the engine')\n")
    fake = types.ModuleType("__main__")
    fake.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", fake)
    started = Engine()
    try:
        assert started.pid() > 0 and not marker.exists()
    finally:
        started.shutdown()
