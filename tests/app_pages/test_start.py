"""The Start here tour: each lesson runs on the real engine and says what to notice from the
numbers it computed."""

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
    assert any("The dotted outline is where the finding really is" in t for t in texts(app.markdown))
    next(b for b in app.button if b.key == "tour_next").click().run()
    assert "2 · Noise you cannot see" in texts(app.subheader)
    one = notices(app)[0]
    assert "at most 1 grey level out of 255" in one
    app.select_slider(key="tour_levels").set_value(8).run()
    assert not problems(app), problems(app)
    eight = notices(app)[0]
    assert "at most 8 grey levels out of 255" in eight and eight != one  # the sentences follow the numbers


def test_the_first_lesson_outlines_a_finding_only_where_the_image_has_one():
    """cxr's opening image is a no-pneumothorax film: the lesson once promised a dotted outline
    that no image of the tour drew."""
    app = open_app("app_pages/start.py", task="cxr")
    assert not problems(app), problems(app)
    said = " ".join(texts(app.markdown))
    assert "a no pneumothorax image, with no finding to outline" in said and "dotted outline" not in said


LATER_LESSONS = {"push": "median push that flips each model", "defence": "right on clean test images",
                 "nature": "changed the image by the same total amount", "failure": "the sensitivity above is an upper bound",
                 "meaning": "five things to ask"}


def test_each_later_lesson_runs_and_says_what_its_numbers_show():
    app = open_app("app_pages/start.py", task="derm", state={"tour_lesson": "push"})
    for lesson, words in LATER_LESSONS.items():  # one session through the tour, as a student clicks on
        if lesson != "push":
            app.segmented_control(key="tour_lesson").set_value(lesson).run()
        assert not problems(app) and not app.exception, (lesson, problems(app))
        said = " ".join(notices(app) + texts(app.markdown))
        assert words in said, (lesson, said)


def test_the_last_lesson_cites_its_references():
    from core.tour import what_this_means

    import re

    points = what_this_means()
    assert len(points) == 5 and all(re.search(r"\(\w[^()]* (19|20)\d\d\b", point) for point in points)  # each cites
    assert "AutoAttack" in " ".join(points)


def test_open_in_the_explorer_carries_the_image_and_epsilon_over():
    app = open_app("app_pages/start.py", task="derm", state={"tour_lesson": "noise"})
    app.select_slider(key="tour_levels").set_value(8).run()  # 8/255 is past derm's slider (0.02): said
    assert any("stops at" in t for t in texts(app.caption))
    app.select_slider(key="tour_levels").set_value(2).run()
    next(b for b in app.button if b.key == "open_noise").click().run()
    assert not problems(app) and not app.exception, problems(app)
    assert app.session_state["epsilon_value_derm"] == 2 / 255 and app.session_state["example_derm"] == 0
    assert any("ε = 0.00784" in t or "2/255" in t for t in texts(app.subheader) + texts(app.caption))
