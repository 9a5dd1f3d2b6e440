"""The Start here tour: each lesson runs on the real engine and says what to notice from the
numbers it computed."""

import pytest

from tests.app_pages.apptest import open_app, problems, texts


def notices(app):
    return [t for t in texts(app.markdown) if t.startswith("**What to notice**")]


def test_the_first_lessons_compute_then_word_what_to_notice():
    app = open_app("app_pages/start.py", task="derm")
    assert not problems(app), problems(app)
    assert "1 · What the model sees" in texts(app.subheader)
    seen = notices(app)
    assert len(seen) == 1 and ("**nv**" in seen[0] or "disagree" in seen[0] or "All 4 models" in seen[0])
    assert "of its weight on the lesion" in seen[0]  # from the maps' energy inside the synthetic lesion
    next(b for b in app.button if b.key == "tour_next").click().run()
    assert "2 · Noise you cannot see" in texts(app.subheader)
    one = notices(app)[0]
    assert "at most 1 grey level out of 255" in one
    app.select_slider(key="tour_levels").set_value(8).run()
    assert not problems(app), problems(app)
    eight = notices(app)[0]
    assert "at most 8 grey levels out of 255" in eight and eight != one  # the sentences follow the numbers


@pytest.mark.parametrize("lesson, words", [
    ("push", "median push that flips each model"),
    ("defence", "right on clean test images"),
    ("nature", "changed pixels by at most"),
    ("failure", "pneumothorax"),
])
def test_each_later_lesson_runs_and_says_what_its_numbers_show(lesson, words):
    app = open_app("app_pages/start.py", task="derm", state={"tour_lesson": lesson})
    assert not problems(app) and not app.exception, problems(app)
    said = " ".join(notices(app))
    assert words in said, said


def test_the_last_lesson_cites_its_references():
    app = open_app("app_pages/start.py", task="derm", state={"tour_lesson": "meaning"})
    text = " ".join(texts(app.markdown))
    assert text.count("et al.") >= 4 and "AutoAttack" in text


def test_open_in_the_explorer_carries_the_image_and_epsilon_over():
    app = open_app("app_pages/start.py", task="derm", state={"tour_lesson": "noise"})
    app.select_slider(key="tour_levels").set_value(2).run()
    next(b for b in app.button if b.key == "open_noise").click().run()
    assert not problems(app), problems(app)
    assert app.session_state["epsilon_value_derm"] == 2 / 255 and app.session_state["example_derm"] == 0
    assert any("ε = 0.00784" in t or "2/255" in t for t in texts(app.subheader) + texts(app.caption))


def test_a_step_beyond_the_explorers_slider_opens_at_its_end():
    app = open_app("app_pages/start.py", task="derm", state={"tour_lesson": "noise"})
    app.select_slider(key="tour_levels").set_value(8).run()  # 8/255 is past derm's slider (0.02)
    assert any("stops at" in t for t in texts(app.caption))
    next(b for b in app.button if b.key == "open_noise").click().run()
    assert not problems(app) and not app.exception
    assert app.session_state["epsilon_value_derm"] == 0.02
