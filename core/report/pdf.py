"""A PDF beside the HTML where Chromium is installed: Chromium's own print to PDF of the file,
headless, with the network off (the report needs none)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")
TIMEOUT_S = 180


def find_browser() -> str | None:
    """The first Chromium on the PATH, or None."""
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


def print_pdf(html_path: str | Path, pdf_path: str | Path | None = None) -> Path | None:
    """Print `html_path` to `pdf_path` (default: beside it, .pdf) with headless Chromium; None
    when no Chromium is installed. RuntimeError, with Chromium's message, when printing fails."""
    browser = find_browser()
    if browser is None:
        return None
    html_path = Path(html_path).resolve()
    pdf_path = Path(pdf_path or html_path.with_suffix(".pdf")).resolve()
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
               "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",  # nothing leaves the machine
               "--virtual-time-budget=20000", f"--print-to-pdf={pdf_path}", html_path.as_uri()]
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S)
    if done.returncode != 0 or not pdf_path.is_file():
        raise RuntimeError(f"Chromium could not print the report to PDF: {done.stderr.strip()[-500:]}")
    return pdf_path
