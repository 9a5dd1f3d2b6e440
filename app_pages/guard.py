"""The edge of every page: an error that escapes a page (or a fragment of one) is shown as a
short message with an incident id, and its traceback goes to the server's log under that id,
never to the browser.

Tests set ADVATTN_PAGE_ERRORS=raise (tests/conftest.py) so that a page that fails still fails
its AppTest after showing the message."""

from __future__ import annotations

import functools
import json
import logging
import os
import time
import uuid

import streamlit as st

LOG = logging.getLogger("advattn.pages")
RAISE_VARIABLE = "ADVATTN_PAGE_ERRORS"
TIMES_VARIABLE = "ADVATTN_RUN_TIMES"  # a file: each guarded run's session, name, start and end (bench/sessions.py)


def guarded(function):
    """`function` (a page's run, a fragment) with its errors shown by show_incident(); with
    ADVATTN_RUN_TIMES set, each run's server time is appended to that file as a JSON line."""

    @functools.wraps(function)
    def run(*args, **kwargs):
        started = time.time()
        try:
            return function(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - the page's edge: whatever escaped (Streamlit's stop and
            show_incident(error)    # rerun are BaseExceptions and pass through)
            if os.environ.get(RAISE_VARIABLE) == "raise":
                raise
        finally:
            if os.environ.get(TIMES_VARIABLE):
                _record_time(function.__qualname__, started)

    return run


def _record_time(name: str, started: float) -> None:
    session = st.session_state.setdefault("_run_times_session", uuid.uuid4().hex[:12])
    line = json.dumps({"session": session, "name": name, "start": started, "end": time.time()})
    with open(os.environ[TIMES_VARIABLE], "a", encoding="utf-8") as times:
        times.write(line + "\n")


def show_incident(error: BaseException) -> str:
    """Log `error` with its traceback under a new id and show the page a short message; returns the id."""
    incident = uuid.uuid4().hex[:8]
    LOG.error("incident %s: %s", incident, type(error).__name__, exc_info=error)
    st.error(f"Something went wrong here and this part of the page stopped (incident {incident}). Try again, or "
             "choose other settings; if it happens again, report the incident id: the server's log holds the "
             "details under it.", icon=":material/error:")
    return incident
