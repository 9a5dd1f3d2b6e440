"""Streamlit entry point: the shared sidebar and navigation over pages/.

Run with:  .venv/bin/streamlit run app.py
"""

import streamlit as st

from pages.common import sidebar_ui
from pages.models import start_warm_up

st.set_page_config(page_title="Attention under attack", page_icon=":material/shield:", layout="wide")

PAGES = [
    st.Page("pages/explorer.py", title="Attack explorer", icon=":material/target:", default=True),
    st.Page("pages/curves.py", title="Robustness curves", icon=":material/show_chart:"),
    st.Page("pages/gallery.py", title="Heatmap gallery", icon=":material/grid_view:"),
    st.Page("pages/training.py", title="Training", icon=":material/model_training:"),
    st.Page("pages/zoo.py", title="Model zoo", icon=":material/inventory_2:"),
]

navigation = st.navigation(PAGES)
start_warm_up(sidebar_ui())  # load and compile the task's models in the background while the page draws
st.sidebar.info(
    "Research and teaching tool, **not a diagnostic device**. The bundled demo images are "
    "**synthetic**: they look like their modality but are not medical data.", icon=":material/warning:")
navigation.run()
