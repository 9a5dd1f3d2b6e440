"""The page tests' workspace."""

import functools

import pytest


@pytest.fixture(autouse=True)
def private_workspace(tmp_path, monkeypatch):
    """Jobs and user-trained models go to a temporary folder, never the repository; the
    explorer computes its views on the engine (not from the bundled opening view)."""
    monkeypatch.setenv("ADVATTN_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("ADVATTN_USER_MODELS", str(tmp_path / "models"))
    monkeypatch.setenv("ADVATTN_BUNDLED_VIEWS", "")


@pytest.fixture(autouse=True, scope="session")
def components_scanned_once():
    """Every new AppTest scans the metadata of every installed distribution for Streamlit
    components (0.6 s of each page test's first run on an idle core, 1 s and more on a busy
    one); the installed packages do not change while the tests run, so the scan is done once
    (a real server does it once, as it starts)."""
    from streamlit.components.v2 import manifest_scanner

    original = manifest_scanner.scan_component_manifests
    manifest_scanner.scan_component_manifests = functools.cache(original)
    yield
    manifest_scanner.scan_component_manifests = original
