"""The edge of every page: an error that escapes a page (or a fragment of one) is shown as a
short message with an incident id, and its traceback goes to the server's log under that id,
never to the browser.

Tests set ADVATTN_PAGE_ERRORS=raise (tests/conftest.py) so that a page that fails still fails
its AppTest after showing the message."""

from __future__ import annotations

import functools
import logging
import os
import uuid

import streamlit as st

LOG = logging.getLogger("advattn.pages")
RAISE_VARIABLE = "ADVATTN_PAGE_ERRORS"


def guarded(function):
    """`function` (a page's run, a fragment) with its errors shown by show_incident()."""

    @functools.wraps(function)
    def run(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - the page's edge: whatever escaped (Streamlit's stop and
            show_incident(error)    # rerun are BaseExceptions and pass through)
            if os.environ.get(RAISE_VARIABLE) == "raise":
                raise

    return run


def show_incident(error: BaseException) -> str:
    """Log `error` with its traceback under a new id and show the page a short message; returns the id."""
    incident = uuid.uuid4().hex[:8]
    LOG.error("incident %s: %s", incident, type(error).__name__, exc_info=error)
    st.error(f"Something went wrong here and this part of the page stopped (incident {incident}). Try again, or "
             "choose other settings; if it happens again, report the incident id: the server's log holds the "
             "details under it.", icon=":material/error:")
    return incident
