"""End to end: the real app in headless Chromium runs an attack and is photographed."""

import os
from pathlib import Path

import pytest
from PIL import Image

from tests.e2e.browser import (ROOT, browser_available, child_commands, chromium, page_text, slider_rendered,
                               streamlit_server, wait_for_text, wait_until_rendered, VERDICT_TEXTS)

SCREENSHOTS = Path(os.environ.get("ADVATTN_SCREENSHOTS", ROOT / "runs" / "screenshots"))

if not browser_available():
    if os.environ.get("CI"):
        raise RuntimeError("CI must install Debian's chromium and chromium-driver (.ci/run does)")
    pytest.skip("chromium/chromedriver not installed (apt-get install chromium chromium-driver)",
                allow_module_level=True)


def _verdicts(body: str) -> int:
    return sum(body.count(text) for text in VERDICT_TEXTS)


def _engine_started_with(server, timeout_s: float = 30) -> bool:
    """Before any page is viewed, `streamlit run app.py` has started the engine's worker."""
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if any("multiprocessing" in command and "spawn_main" in command for command in child_commands(server.pid)):
            return True
        time.sleep(0.2)
    return False


def test_the_report_opens_offline_and_draws_every_figure(tmp_path):
    """The report written by core.report, opened from disk in Chromium cut off from every
    network: each figure is drawn by the inlined plotly.js and the page asks for nothing."""
    import time

    from core.report import write_report

    written = write_report("cxr", tmp_path / "cxr.html", pdf=False)
    text = written["html"].read_text(encoding="utf-8")
    figures = text.count('class="plotly-graph-div"')
    with chromium(height=1600) as driver:
        driver.get(written["html"].resolve().as_uri())
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and driver.execute_script(
                "return document.querySelectorAll('.js-plotly-plot .main-svg').length") < figures:
            time.sleep(0.5)
        drawn = driver.execute_script("return document.querySelectorAll('.js-plotly-plot').length")
        fetched = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
        assert "Robustness curves" in page_text(driver)
    assert drawn == figures >= 3
    assert [url for url in fetched if not url.startswith(("file:", "data:", "blob:"))] == []


def _grid_of(driver, epsilon: float, timeout_s: float = 120) -> None:
    """Wait until the explorer's grid is the one of `epsilon`: its subheader, the grid's own
    caption of ε (the previous grid stays on screen until the new one is laid out), four
    verdicts, and the script run over."""
    import time

    from core.formatting import epsilon_255

    wanted = [f"ε = {epsilon:g} (", f"full scale ±{epsilon_255(epsilon)})"]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        body = page_text(driver)
        running = driver.execute_script("return document.querySelector('[data-testid=\"stStatusWidget\"]') !== null")
        if all(text in body for text in wanted) and _verdicts(body) == 4 and not running:
            return
        time.sleep(0.05)
    raise TimeoutError(f"the grid of ε = {epsilon:g} was not drawn; the page shows:\n{page_text(driver)[-1500:]}")


def test_a_deep_link_then_the_first_minute_in_a_real_browser_offline(tmp_path, monkeypatch):
    """One fresh server, as a first visitor meets it. /curves as its first request runs through
    app.py's navigation (the pages live in app_pages/, so Streamlit's legacy pages/ discovery
    never runs a page alone). Then issue 43's sequence (timing is bench/interaction.py's): the
    opening view (bundled), every preset of derm's grid and four slider steps to values nobody
    computed (live, on the engine), every grid drawn with its own ε and four verdicts; the last
    one is photographed with its comparison slider."""
    import time

    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    monkeypatch.setenv("ADVATTN_RUNS", str(tmp_path / "runs"))
    monkeypatch.delenv("ADVATTN_BUNDLED_VIEWS", raising=False)
    with streamlit_server() as url, chromium() as driver:
        assert _engine_started_with(url), "the engine process did not start with the server (app.py's lifespan)"
        driver.get(url + "/curves")
        wait_for_text(driver, ["is on the [0, 1] pixel scale"], timeout_s=240)
        body = page_text(driver)
        assert "not a diagnostic device" in body and "Attack explorer" in body
        assert "\ncommon\n" not in body
        driver.get(url)  # a new browser: the tour, its first lesson from the bundled opening view
        wait_for_text(driver, ["What to notice", "1 · What the model sees"], timeout_s=240)
        assert "Start here" in page_text(driver)
        lessons = {"2 · Noise you cannot see": "Every pixel moved by at most 1 grey level",  # each computed live
                   "3 · Not every model needs the same push": "median push that flips each model",
                   "4 · The standard defence": "right on clean test images",
                   "5 · Nature is not an attacker": "changed the image by the same total amount",
                   "6 · Which way it fails": "the pneumothorax from",
                   "7 · What this means": "five things to ask"}
        for title, shown in lessons.items():  # click through the whole tour
            name = title.split(" · ")[1]
            deadline = time.monotonic() + 60
            while not (buttons := driver.find_elements("xpath", f"//button[contains(., '{name}')]")):
                assert time.monotonic() < deadline, f"no button for the lesson {title!r}"
                time.sleep(0.2)
            buttons[0].click()
            wait_for_text(driver, [shown], timeout_s=120)
        deadline = time.monotonic() + 30
        while driver.get_cookie("advattn_toured") is None and time.monotonic() < deadline:
            time.sleep(0.2)
        driver.get(url)  # the tour remembered this browser (its cookie): the explorer opens first now
        _grid_of(driver, 0.005, timeout_s=240)
        assert driver.current_url.endswith("/explorer")  # at its own path: a bookmark of it stays valid
        driver.get(url + "/start")  # and the tour's own path still opens the tour, without "Page not found"
        wait_for_text(driver, ["1 · What the model sees"], timeout_s=120)
        driver.get(url + "/explorer")
        _grid_of(driver, 0.005, timeout_s=120)
        assert "Page not found" not in page_text(driver)
        time.sleep(1.0)
        for epsilon in (0.00125, 0.0025, 0.005, 0.01):
            driver.find_element("xpath", f"//button[normalize-space()='{epsilon:g}']").click()
            _grid_of(driver, epsilon)
        now = 0.01
        for _ in range(4):
            thumb = next(t for t in driver.find_elements("css selector", 'input[type="range"]')
                         if (t.get_attribute("aria-label") or "").startswith("ε (L∞ radius"))
            driver.execute_script("arguments[0].focus()", thumb)
            ActionChains(driver).send_keys(Keys.ARROW_RIGHT).perform()
            now = round(now + 0.00025, 6)
            _grid_of(driver, now)
        wait_for_text(driver, ["Downloads"], timeout_s=60)
        # 14 thumbnails (two rows of 7) + the grid: 5 rows x 4 models; each column's probability bars
        wait_until_rendered(driver, images=14 + 20, bars=4)
        body = page_text(driver)
        assert _verdicts(body) == 4
        assert "not a diagnostic device" in body and "synthetic" in body
        assert slider_rendered(driver), "the comparison slider did not render offline"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / "explorer.png"
        assert driver.save_screenshot(str(path))
    with Image.open(path) as shot:
        assert shot.size[0] >= 1200 and shot.size[1] >= 1200
