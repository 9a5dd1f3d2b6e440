"""The Streamlit script (app.py serves it): the shared sidebar and navigation over app_pages/
(a folder not named pages/, so Streamlit's legacy page discovery stays off and a deep link runs
through this navigation).

Streamlit runs this file as __main__. A process started with the spawn method imports the
starting process's main module again (as __mp_main__); core.engine starts its worker with a
plain __main__, and the guard below keeps any other spawned process from running the app.
"""


def main() -> None:
    import streamlit as st

    from app_pages.common import TOUR_COOKIE, sidebar_ui
    from app_pages.guard import guarded
    from app_pages.engine_client import start_warm_up

    st.set_page_config(page_title="Attention under attack", page_icon=":material/shield:", layout="wide")
    start = st.Page("app_pages/start.py", title="Start here", icon=":material/school:")
    explorer = st.Page("app_pages/explorer.py", title="Attack explorer", icon=":material/target:")
    pages = [
        start, explorer,
        st.Page("app_pages/curves.py", title="Robustness curves", icon=":material/show_chart:"),
        st.Page("app_pages/gallery.py", title="Heatmap gallery", icon=":material/grid_view:"),
        st.Page("app_pages/training.py", title="Training", icon=":material/model_training:"),
        st.Page("app_pages/zoo.py", title="Model zoo", icon=":material/inventory_2:"),
    ]

    def open_first() -> None:
        """The root URL: the tour for a new browser, the explorer for one that has seen it (its
        cookie). Neither of them is the navigation's default page: Streamlit serves a default page
        only at the root, so a bookmark of its own path (/explorer, /start) would open with "Page
        not found" once the cookie had changed which page that was."""
        st.switch_page(explorer if st.context.cookies.get(TOUR_COOKIE) else start)

    navigation = st.navigation([st.Page(open_first, title="Attention under attack", url_path="home", default=True,
                                        visibility="hidden"), *pages])
    sidebar_ui()
    start_warm_up()  # the engine process starts and imports TensorFlow while the page draws
    st.sidebar.info(
        "Research and teaching tool, **not a diagnostic device**. The bundled demo images are "
        "**synthetic**: they look like their modality but are not medical data.", icon=":material/warning:")
    guarded(navigation.run)()  # no traceback ever reaches a page (app_pages.guard)


if __name__ == "__main__":
    main()
