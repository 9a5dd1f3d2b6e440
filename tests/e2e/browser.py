"""Drive the real app in headless Chromium (Debian's chromium + chromedriver)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def browser_available() -> bool:
    return Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server(str):
    """The server's URL, with the process id of `streamlit run`."""

    def __new__(cls, url: str, pid: int):
        server = super().__new__(cls, url)
        server.pid = pid
        return server


def child_commands(pid: int) -> list[str]:
    """The command lines of `pid`'s child processes (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        except (OSError, ValueError, IndexError):
            continue  # ended meanwhile
    return found


@contextmanager
def streamlit_server(timeout_s: float = 90):
    """`streamlit run app.py` on a free loopback port; yields its URL."""
    port = _free_port()
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"streamlit did not start:\n{log.read().decode(errors='replace')[-3000:]}")
            time.sleep(0.1)
        yield Server(url, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@contextmanager
def chromium(width: int = 1600, height: int = 2600, *, niceness: int = 0):
    """A headless Chromium cut off from the network; `niceness` > 0 runs it and every process it
    starts below this one in CPU priority (a bench's stand-in for a browser on the visitor's own
    machine, where it does not take the server's cores): at that niceness and, since Chromium
    run as root sets its own processes' niceness (renderers 0, the GPU process -8), under
    Linux's SCHED_IDLE policy, which its children inherit and niceness does not override."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    profile = tempfile.mkdtemp(prefix="chromium-")
    options.binary_location = CHROMIUM
    if niceness:
        wrapper = Path(profile) / "chromium-niced"
        wrapper.write_text(f'#!/bin/sh\nexec chrt --idle 0 nice -n {int(niceness)} "{CHROMIUM}" "$@"\n')
        wrapper.chmod(0o755)
        options.binary_location = str(wrapper)
    # Cut off from every network but this machine: any request for a CDN or font server goes
    # to a closed local port, so what renders works offline.
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}",
                 f"--window-size={width},{height}", "--proxy-server=http://127.0.0.1:9",
                 "--proxy-bypass-list=127.0.0.1;localhost"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


POLL_S = 0.05  # how often the helpers below look at the page: one look costs 20-40 ms


# The explorer's verdict words (core.explore.outcome.verdict, as the grid shows them).
VERDICT_TEXTS = ["Held ·", "Fooled ·", "Already wrong ·", "Corrected ·", "Flipped ·"]


def page_text(driver) -> str:
    """The page's rendered text (the body's innerText), read inside the page. Selenium's own
    `element.text` walks the DOM through WebDriver's visible-text atom: 0.7-2 s a call on the
    explorer's page (1,900 elements), against 25 ms here, which would put seconds of the
    harness's own time into every wait it is used for."""
    return driver.execute_script("return document.body ? document.body.innerText : ''")


def wait_for_text(driver, texts, timeout_s: float = 120) -> str:
    """Wait until the page shows one of `texts`; returns the one found."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        body = page_text(driver)
        for text in texts:
            if text in body:
                return text
        time.sleep(POLL_S)
    raise TimeoutError(f"none of {texts} appeared; the page shows:\n{body[-2000:]}")


def wait_until_rendered(driver, *, images: int, charts: int = 0, bars: int = 0, timeout_s: float = 120,
                        finished: bool = True) -> None:
    """Wait until `images` pictures, `charts` plotly charts and `bars` of the explorer's
    probability bars (one per column) are drawn (Streamlit streams them in after the text),
    and, with `finished`, the script run is over."""
    script = """
        const pictures = Array.from(document.querySelectorAll('[data-testid="stImage"] img'));
        const loaded = pictures.filter(i => i.complete && i.naturalWidth > 0).length;
        const charts = document.querySelectorAll('.js-plotly-plot .main-svg').length;
        const bars = document.querySelectorAll('.probability-bars').length;
        const running = document.querySelector('[data-testid="stStatusWidget"]') !== null;
        return [loaded, charts, bars, running];"""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        loaded, drawn, barred, running = driver.execute_script(script)
        if loaded >= images and drawn >= charts and barred >= bars and not (finished and running):
            return
        time.sleep(POLL_S)
    raise TimeoutError(f"rendered {loaded} images, {drawn} chart layers and {barred} probability bars; expected "
                       f"{images}, {charts} and {bars}")


def slider_rendered(driver, timeout_s: float = 60) -> bool:
    """The vendored web component ran inside its iframe and both images loaded."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for frame in driver.find_elements("tag name", "iframe"):
            driver.switch_to.frame(frame)
            try:
                ready = driver.execute_script(
                    "const s = document.querySelector('img-comparison-slider');"
                    "const imgs = Array.from(document.querySelectorAll('img-comparison-slider img'));"
                    "return !!customElements.get('img-comparison-slider') && !!s && imgs.length >= 4 &&"
                    " imgs.every(i => i.complete && i.naturalWidth > 0);")
            finally:
                driver.switch_to.default_content()
            if ready:
                return True
        time.sleep(0.5)
    return False


def require_whole_page(driver) -> None:
    """For the benches: refuse to time a broken page. The comparison slider below the grid must
    have rendered (a page whose slider's frame stays empty is less for the browser to draw)."""
    if not slider_rendered(driver):
        raise RuntimeError("the comparison slider did not render: the page is broken, its figures would mislead")
