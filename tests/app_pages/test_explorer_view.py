"""The explorer's grid is drawn before any model is ready and fills column by column."""

import pytest
from streamlit.testing.v1 import AppTest


def _grid_script(ready: int) -> None:
    import numpy as np
    import streamlit as st

    from app_pages.explorer_view import GridView
    from core.engine import Phase, Progress
    from core.explore import ModelOutcome
    from core.models.zoo import all_specs

    specs = all_specs("demo", "cxr")
    image = np.full((16, 16, 3), 0.5, np.float32)
    grid = GridView(specs, ("no finding", "pneumothorax"), image=image, epsilon=0.01, method_title="Grad-CAM",
                    with_truth=False)
    for spec in specs:
        grid.note(spec, Phase.QUEUED)
    for spec in grid.order[:ready]:
        attention = np.zeros((16, 16), np.float32) if spec.attention else None
        grid.fill(ModelOutcome(spec, np.array([0.8, 0.2]), np.array([0.3, 0.7]), image + 0.01,
                               np.full_like(image, 0.01), np.zeros((16, 16)), np.zeros((16, 16)),
                               {"pearson": 0.5, "top20_iou": 0.4, "centre_shift_px": 1.0},
                               {"ssim": 0.99, "psnr_db": 40.0}, attention, attention))
    for spec in grid.order[ready:ready + 1]:  # the next column's attack is under way
        grid.progress(Progress("explore:key", 4, 10, np.array([0.4, 0.6]), spec))
    st.write("drawn")


@pytest.mark.parametrize("ready", [1, 2, 4])
def test_the_grid_renders_with_some_models_ready_and_the_rest_waiting(ready):
    app = AppTest.from_function(_grid_script, args=(ready,), default_timeout=60)
    app.run()
    assert not app.exception, app.exception
    verdicts = [e.value for e in app.error if e.value.startswith("**Flipped**")]
    waiting = [e.value for e in app.info if e.value.startswith("Waiting for the engine")]
    running = [e.value for e in app.info if e.value.startswith("Attacking…")]
    assert len(verdicts) == ready and len(waiting) == max(0, 3 - ready) and len(running) == min(1, 4 - ready)
    assert running in ([], ["Attacking… after 4 of 10 steps: pneumothorax 60%"])
    assert len(app.get("image")) == 5 * ready  # five tiles a ready column, none for a waiting one
    bars = [e for e in app.get("html") if "probability-bars" in e.proto.body]
    assert len(bars) == ready and "70%" in bars[0].proto.body  # the adversarial pneumothorax probability


def test_probability_bars_draw_each_class_clean_and_changed_with_its_figure():
    import re

    from app_pages.explorer_view import CHANGED_COLOUR, CLEAN_COLOUR, probability_bars

    drawn = probability_bars(["naevus", "<melanoma>"], [0.25, 0.75], [1.0, 0.0])
    widths = re.findall(r"width:([0-9.]+)%;background:(#[0-9a-f]{6})", drawn)
    assert widths == [("25.0", CLEAN_COLOUR), ("100.0", CHANGED_COLOUR), ("75.0", CLEAN_COLOUR),
                      ("0.0", CHANGED_COLOUR)]  # per class: clean above, changed below, to scale
    assert "&lt;melanoma&gt;" in drawn and "<melanoma>" not in drawn  # a class name is text, never markup
    assert [f for f in re.findall(r">(\d+%)<", drawn)] == ["25%", "100%", "75%", "0%"]


def _verdict_script(label):
    import numpy as np

    from app_pages.explorer_view import verdict_ui
    from core.explore.outcome import ModelOutcome
    from core.models.spec import ModelSpec

    image = np.zeros((8, 8, 3), np.float32)
    outcome = ModelOutcome(ModelSpec("cxr", "resnet50", False), np.array([0.8, 0.2]), np.array([0.6, 0.4]), image,
                           image, np.zeros((8, 8)), np.zeros((8, 8)), {}, None)
    verdict_ui(outcome, ["no_pneumothorax", "pneumothorax"], label)


def test_a_model_wrong_on_the_clean_image_is_not_said_to_have_held():
    """The akiec example the tester met: "Held · df 47 % → df 78 %" on a model already wrong."""
    wrong = AppTest.from_function(_verdict_script, args=(1,), default_timeout=60).run()
    assert [w.value for w in wrong.warning] == ["**Already wrong** · no_pneumothorax 80% → no_pneumothorax 60% "
                                                "(true: pneumothorax)"]
    right = AppTest.from_function(_verdict_script, args=(0,), default_timeout=60).run()
    assert [s.value for s in right.success] == ["**Held** · no_pneumothorax 80% → no_pneumothorax 60%"]
    unknown = AppTest.from_function(_verdict_script, args=(None,), default_timeout=60).run()
    assert [s.value for s in unknown.success] == ["**Held** · no_pneumothorax 80% → no_pneumothorax 60%"]
