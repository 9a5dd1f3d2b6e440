"""Cold start of the app in headless Chromium (fresh server, bundled zoo).

    .venv/bin/python bench/app_start.py        (needs Debian's chromium and chromium-driver)

first paint:   from `streamlit run` until the explorer's widgets and its 14 gallery thumbnails
               are drawn (target < 8 s)
first explore: from the first paint until the attack on the four models is drawn: the verdicts,
               the 20 grid tiles and the 4 columns of probability bars (target < 2 s); the
               opening view is bundled (checkpoints/demo/views), so this is a first visitor's
               wait; ADVATTN_BUNDLED_VIEWS= (empty) measures the engine computing it instead
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.browser import (chromium, require_whole_page, streamlit_server, wait_for_text,  # noqa: E402
                               wait_until_rendered, VERDICT_TEXTS)

THUMBNAILS, TILES, BARS = 14, 20, 4  # BARS: each column's probability bars


def main() -> None:
    with chromium() as driver:
        start = time.perf_counter()
        with streamlit_server() as url:
            server_up = time.perf_counter() - start
            driver.get(url + "/explorer")  # what this bench measures; a new browser opens on Start here
            wait_for_text(driver, ["ε (L∞ radius"], timeout_s=120)
            wait_until_rendered(driver, images=THUMBNAILS, finished=False)
            first_paint = time.perf_counter() - start
            wait_for_text(driver, VERDICT_TEXTS, timeout_s=240)
            wait_until_rendered(driver, images=THUMBNAILS + TILES, bars=BARS)
            usable = time.perf_counter() - start
            require_whole_page(driver)
            driver.refresh()
            warm_start = time.perf_counter()
            wait_for_text(driver, VERDICT_TEXTS, timeout_s=240)
            wait_until_rendered(driver, images=THUMBNAILS + TILES, bars=BARS)
            warm = time.perf_counter() - warm_start
    print(f"server answering          {server_up:6.1f} s")
    print(f"first paint               {first_paint:6.1f} s   (widgets and gallery; target < 8 s)")
    print(f"first explore             {usable - first_paint:6.1f} s   (after the first paint; target < 2 s)")
    print(f"explorer fully rendered   {usable:6.1f} s")
    print(f"page reload, warm         {warm:6.1f} s   (models loaded, attack cached)")


if __name__ == "__main__":
    main()
