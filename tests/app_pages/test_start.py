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
    app.select_slider(key="tour_levels").set_value(4).run()
    assert not problems(app), problems(app)
    noise = notices(app)[0]
    assert "at most 4 grey levels out of 255" in noise


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
