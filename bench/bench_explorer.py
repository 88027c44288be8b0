"""Benchmark: time until the map explorer is interactive in Chromium, with many resources.

Usage: python bench/bench_explorer.py [--rows 100000] [--runs 3]

Fills a scratch database (maeul_bench_explorer) with ``--rows`` resources, serves the app
on loopback, opens the explorer in Debian's Chromium (network blocked except loopback) and
measures from navigation until the Leaflet map inside the streamlit-folium frame has drawn
its features, plus how many features the browser holds. The first run includes Streamlit's
cold caches; later runs are warm.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._db import bench_database, fill_resources
from tests.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    FOLIUM_FRAME,
    REPO_ROOT,
    is_local,
    streamlit_server,
)

_COUNT = """() => {
  const m = window.map;
  let n = 0;
  if (m) m.eachLayer((l) => { if (l.feature || l instanceof L.CircleMarker) n += 1; });
  return n;
}"""


def _time_to_map(url: str, min_features: int, timeout_s: float = 120) -> tuple[float, int]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.route("**/*", lambda r, q: r.continue_() if is_local(q.url) else r.abort())
        t0 = time.perf_counter()
        page.goto(url, wait_until="domcontentloaded")
        n = 0
        while time.perf_counter() - t0 < timeout_s:
            for frame in page.frames:
                if FOLIUM_FRAME in frame.url:
                    try:
                        n = frame.evaluate(_COUNT)
                    except Exception:  # frame still loading
                        n = 0
                    if n >= min_features:
                        elapsed = time.perf_counter() - t0
                        browser.close()
                        return elapsed, n
            page.wait_for_timeout(50)
        browser.close()
        raise TimeoutError(f"map not drawn in {timeout_s}s ({n} features)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    url = bench_database("maeul_bench_explorer")
    fill_resources(url, args.rows)
    print(f"data: {args.rows:,} resources (no demo)")
    with streamlit_server(REPO_ROOT / "app.py", env={"DATABASE_URL": url}) as base:
        for run in range(1, args.runs + 1):
            seconds, n = _time_to_map(f"{base}/", min_features=25 + 467 + 1)
            print(f"run {run}: map interactive after {seconds:.2f} s, {n:,} features drawn")


if __name__ == "__main__":
    main()
