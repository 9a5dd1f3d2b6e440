"""End to end: the real app in headless Chromium runs an attack and is photographed."""

import os
from pathlib import Path

import pytest
from PIL import Image

from tests.e2e.browser import (ROOT, browser_available, chromium, streamlit_server, wait_for_text,
                               wait_until_rendered)

SCREENSHOTS = Path(os.environ.get("ADVATTN_SCREENSHOTS", ROOT / "runs" / "screenshots"))

if not browser_available():
    if os.environ.get("CI"):
        raise RuntimeError("CI must install Debian's chromium and chromium-driver (.ci/run does)")
    pytest.skip("chromium/chromedriver not installed (apt-get install chromium chromium-driver)",
                allow_module_level=True)


def test_explorer_runs_an_attack_in_a_real_browser(tmp_path, monkeypatch):
    monkeypatch.setenv("ADVATTN_RUNS", str(tmp_path / "runs"))
    with streamlit_server() as url, chromium() as driver:
        driver.get(url)
        wait_for_text(driver, ["Prediction held", "Prediction flipped"], timeout_s=240)
        wait_for_text(driver, ["Downloads"], timeout_s=60)
        # 7 thumbnails + 2 x 3 vanilla panels + 2 x 5 attentive panels; 4 probability charts
        wait_until_rendered(driver, images=7 + 6 + 10, charts=4)
        body = driver.find_element("tag name", "body").text
        assert body.count("Prediction held") + body.count("Prediction flipped") == 4
        assert "not a diagnostic device" in body and "synthetic" in body
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / "explorer.png"
        assert driver.save_screenshot(str(path))
    with Image.open(path) as shot:
        assert shot.size[0] >= 1200 and shot.size[1] >= 1200


def test_a_deep_link_as_first_request_gets_the_whole_app(tmp_path, monkeypatch):
    """A folder named pages/ makes Streamlit run /curves alone on a fresh server unless the
    page routes itself through app.py (pages.common.route_through_app)."""
    monkeypatch.setenv("ADVATTN_RUNS", str(tmp_path / "runs"))
    with streamlit_server() as url, chromium() as driver:
        driver.get(url + "/curves")
        wait_for_text(driver, ["Can these numbers be trusted"], timeout_s=240)
        body = driver.find_element("tag name", "body").text
        assert "not a diagnostic device" in body and "Attack explorer" in body
        assert "\ncommon\n" not in body
