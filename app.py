"""Server entry point: `streamlit run app.py` serves dashboard.py (the navigation and the
shared sidebar) and, as the server starts, the engine process with it.

Run with:  .venv/bin/streamlit run app.py

Streamlit's st.App (its public ASGI entry) gives the server a lifespan: the engine process is
started and the first page's four models are loaded and compiled while the server comes up and
the browser connects, not after the first page view (docs/architecture.md, The engine process).
"""

from contextlib import asynccontextmanager
from pathlib import Path

import streamlit as st


@asynccontextmanager
async def lifespan(_app):
    from app_pages.engine_client import warm_first_page

    warm_first_page()
    yield


app = st.App(Path(__file__).with_name("dashboard.py"), lifespan=lifespan)
