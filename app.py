"""Streamlit entry point: navigation over pages/ and the shared sidebar.

Run with:  .venv/bin/streamlit run app.py
"""

import streamlit as st

st.set_page_config(page_title="Attention under attack", page_icon="🛡️", layout="wide")

PAGES = [
    st.Page("pages/explorer.py", title="Attack explorer", icon="🎯", default=True),
]

st.sidebar.caption(
    "Research and teaching tool, **not a diagnostic device**. Demo images are **synthetic**."
)
st.navigation(PAGES).run()
