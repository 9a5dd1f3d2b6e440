"""Write the bundled first view: the explorer's opening view of the bundled zoo, as a first
visitor sees it, and the same image at every other preset ε of its task (a first visitor's
likeliest first clicks), saved into checkpoints/demo/views so the server shows them while
TensorFlow is still importing (core.engine.cache).

    .venv/bin/python -m app_pages.first_view

Run it after retraining any model the explorer opens on (the test of the bundled views says
so when they are stale). It runs the app's own script under Streamlit's AppTest, with the real
engine, on an empty cache and without the bundled views, records the keys the page asked for,
and bundles those replies; the previous bundled views are removed."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "dashboard.py"


def _record_keys(recorded: list[str]):
    """core.engine.explorations, recording the key of every column a page asks for."""
    import core.engine as engine_api
    from core.engine.stream import explore_requests

    original = engine_api.explorations

    def recording(refs, image, **settings):
        chosen = {k: v for k, v in settings.items() if k not in ("engine", "cache", "on_phase")}
        recorded.extend(request.key() for request in explore_requests(refs, image, **chosen))
        return original(refs, image, **settings)

    engine_api.explorations = recording
    return original


def write_first_view(folder: Path) -> list[Path]:
    """Compute the explorer's opening view and bundle its columns into `folder` (replacing
    what was there); returns the files written."""
    from streamlit.testing.v1 import AppTest

    import core.engine as engine_api
    from core.engine.cache import ExplorationCache, cache_root
    from core.engine.client import engine

    with tempfile.TemporaryDirectory(prefix="advattn-first-view-") as runs:
        os.environ.update(ADVATTN_RUNS=runs, ADVATTN_USER_MODELS=str(Path(runs) / "models"), ADVATTN_BUNDLED_VIEWS="")
        recorded: list[str] = []
        original = _record_keys(recorded)
        try:
            app = AppTest.from_file(str(APP), default_timeout=900)
            app.switch_page("app_pages/explorer.py")  # a new browser opens on Start here, whose lesson 1 is this view
            app.run()
            for epsilon in preset_epsilons(app):  # each preset clicked in turn, as a first visitor would
                app.session_state[f"epsilon_preset_{app.session_state['task']}"] = epsilon
                app.session_state[f"epsilon_value_{app.session_state['task']}"] = epsilon
                app.run()
        finally:
            engine_api.explorations = original
            engine().shutdown()
        if app.exception or not recorded:
            raise RuntimeError(f"the explorer did not draw its opening view: {app.exception or 'no request'}")
        recorded[:] = list(dict.fromkeys(recorded))  # each column once
        computed, bundled = ExplorationCache(cache_root()), ExplorationCache(cache_root(), bundled=folder)
        replies = {key: computed.get(key) for key in recorded}
        if any(reply is None for reply in replies.values()):
            raise RuntimeError("some of the opening view's columns were not computed")
        for old in [*folder.glob("*.gz"), *folder.glob("*.npz")]:
            old.unlink()
        return [bundled.bundle(key, reply) for key, reply in replies.items()]


def preset_epsilons(app) -> list[float]:
    """The opening task's preset ε other than the one the explorer opens on."""
    from core.tasks import get_task

    task = app.session_state["task"]
    opened = app.session_state[f"epsilon_value_{task}"]
    return [e for e in get_task(task).epsilons if e > 0 and e != opened]


def main() -> int:
    from core.engine.cache import bundled_views_root
    from core.models.zoo import CHECKPOINT_ROOT

    folder = bundled_views_root() or CHECKPOINT_ROOT / "demo" / "views"
    written = write_first_view(folder)
    size = sum(path.stat().st_size for path in written)
    print(f"bundled {len(written)} column(s) of the explorer's opening view in {folder} ({size / 2**20:.2f} MiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
