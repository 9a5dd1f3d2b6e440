"""Start here: a guided tour in seven short lessons for clinicians and students
(app_pages/lessons.py), first in the navigation for a new browser."""

from __future__ import annotations

import streamlit as st

from core.tasks import get_task
from app_pages.common import current_selection
from app_pages.lessons import LESSONS, RUN, remember_this_browser

st.title("Start here")
st.caption("Seven short lessons on the bundled demo, for clinicians and students: every number is computed on the "
           "spot by the real models. The images are synthetic, not medical data.")
remember_this_browser()
task = get_task(current_selection().task)
chosen = st.segmented_control("Lesson", list(LESSONS), format_func=LESSONS.get, default="sees", key="tour_lesson",
                              help="Take them in order, or jump to any.") or "sees"
st.subheader(LESSONS[chosen])
RUN[chosen](task)
order = list(LESSONS)
if chosen != order[-1]:
    following = order[order.index(chosen) + 1]

    def go_on(following=following):
        st.session_state["tour_lesson"] = following

    st.button(f"Next: {LESSONS[following]}", on_click=go_on, key="tour_next", icon=":material/arrow_forward:")
