"""The Start here tour's live widgets, timed as a student uses them (issue 45's item 3).

    .venv/bin/python bench/tour.py

Opens the tour in AppTest (the real page, the real engine process), then times: lesson 1 (the
explorer's opening view), lesson 2 at its first step, and, once the models are warm, lesson 2
at grey levels nobody computed yet; then lessons 4-6 on first view (models of their own). The
target for a warm interaction is the explorer's: 1 s.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "dashboard.py"), default_timeout=600)
    app.session_state["task"] = "derm"
    app.switch_page("app_pages/start.py")
    print(f"lesson 1, first view (server start included): {timed(app.run):6.2f} s")
    app.segmented_control(key="tour_lesson").set_value("noise")
    print(f"lesson 2 at 1 grey level:                      {timed(app.run):6.2f} s")
    warm = []
    for levels in (2, 4, 0.5, 8):
        app.select_slider(key="tour_levels").set_value(levels)
        warm.append(timed(app.run))
    print("lesson 2, warm, new steps (2, 4, 0.5, 8 /255): " + ", ".join(f"{t:.2f}" for t in warm)
          + f" s; median {sorted(warm)[len(warm) // 2]:.2f} s (target 1 s)")
    for lesson in ("defence", "nature", "failure"):
        app.segmented_control(key="tour_lesson").set_value(lesson)
        print(f"lesson {lesson}, first view:                   {timed(app.run):6.2f} s")
    assert not app.exception, app.exception


if __name__ == "__main__":
    main()
