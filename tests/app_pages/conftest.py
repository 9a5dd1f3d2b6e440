"""The page tests' workspace."""

import pytest


@pytest.fixture(autouse=True)
def private_workspace(tmp_path, monkeypatch):
    """Jobs and user-trained models go to a temporary folder, never the repository; the
    explorer computes its views on the engine (not from the bundled opening view)."""
    monkeypatch.setenv("ADVATTN_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("ADVATTN_USER_MODELS", str(tmp_path / "models"))
    monkeypatch.setenv("ADVATTN_BUNDLED_VIEWS", "")
