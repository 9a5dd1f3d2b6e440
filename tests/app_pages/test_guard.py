"""The page guard: an error that escapes a page shows a short message with an incident id, and
the traceback goes to the server's log, not the browser (issue 40)."""

import logging

from streamlit.testing.v1 import AppTest


def _failing_page():
    from app_pages.guard import guarded

    @guarded
    def page():
        import streamlit as st

        st.write("before the failure")
        raise ZeroDivisionError("a secret path /srv/data/x in the traceback")

    page()


def test_an_escaping_error_is_an_incident_not_a_traceback(monkeypatch, caplog):
    monkeypatch.delenv("ADVATTN_PAGE_ERRORS", raising=False)
    with caplog.at_level(logging.ERROR, logger="advattn.pages"):
        app = AppTest.from_function(_failing_page, default_timeout=60).run()
    assert not app.exception
    message = app.error[0].value
    assert "incident" in message and "secret" not in message and "ZeroDivisionError" not in message
    incident = message.split("(incident ")[1][:8]
    logged = [r for r in caplog.records if incident in r.getMessage()]
    assert logged and logged[0].exc_info[0] is ZeroDivisionError


def test_under_tests_the_error_still_fails_the_app_test(monkeypatch):
    monkeypatch.setenv("ADVATTN_PAGE_ERRORS", "raise")
    app = AppTest.from_function(_failing_page, default_timeout=60).run()
    assert app.exception and "incident" in app.error[0].value


def _timed_page():
    import time

    from app_pages.guard import guarded

    @guarded
    def page():
        time.sleep(0.2)

    page()


def test_each_guarded_run_can_write_its_server_time(monkeypatch, tmp_path):
    """ADVATTN_RUN_TIMES (bench/sessions.py): each run's session, name and span as a JSON line;
    unset, nothing is written."""
    import json

    monkeypatch.delenv("ADVATTN_RUN_TIMES", raising=False)
    AppTest.from_function(_timed_page, default_timeout=60).run()
    times = tmp_path / "times.jsonl"
    monkeypatch.setenv("ADVATTN_RUN_TIMES", str(times))
    app = AppTest.from_function(_timed_page, default_timeout=60).run()
    app.run()
    runs = [json.loads(line) for line in times.read_text().splitlines()]
    assert [run["name"] for run in runs] == ["_timed_page.<locals>.page"] * 2
    assert all(0.2 <= run["end"] - run["start"] < 5 for run in runs) and runs[0]["session"]
