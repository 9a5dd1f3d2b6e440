"""Cold start of the app: seconds from `streamlit run` until the explorer has attacked the
default image on all four models and drawn every picture (target < 10 s, DESIGN.md 6).

    .venv/bin/python bench/app_start.py        (needs Debian's chromium and chromium-driver)
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.browser import chromium, streamlit_server, wait_for_text, wait_until_rendered  # noqa: E402


def main() -> None:
    with chromium() as driver:
        start = time.perf_counter()
        with streamlit_server() as url:
            server_up = time.perf_counter() - start
            driver.get(url)
            wait_for_text(driver, ["Attack explorer"], timeout_s=120)
            first_paint = time.perf_counter() - start
            wait_for_text(driver, ["Downloads"], timeout_s=240)
            wait_until_rendered(driver, images=7 + 6 + 10, charts=4)
            usable = time.perf_counter() - start
            driver.refresh()
            warm_start = time.perf_counter()
            wait_for_text(driver, ["Downloads"], timeout_s=240)
            wait_until_rendered(driver, images=7 + 6 + 10, charts=4)
            warm = time.perf_counter() - warm_start
    print(f"server answering        {server_up:6.1f} s")
    print(f"explorer title shown    {first_paint:6.1f} s")
    print(f"explorer fully usable   {usable:6.1f} s   ({usable / 10:.2f} x the 10 s target)")
    print(f"page reload, warm       {warm:6.1f} s   (models cached, attack cached)")


if __name__ == "__main__":
    main()
