"""Benchmark: what each page computes on the server before its first paint.

Usage: DATABASE_URL=... python bench/bench_pages.py [--runs 3]

Runs the real app (``app.py``) headless with Streamlit's ``AppTest``, one new session per
run, opens each page and times the script run: the work done before the browser can draw
anything (queries, analyses, folium map building). The process's caches are warm after the
first session, as for every visitor but the first. The load average is printed beside the
figures: the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGES = [
    "views/explorer.py",
    "views/nearby.py",
    "views/coverage.py",
    "views/conflicts.py",
    "views/hotspots.py",
    "views/programs.py",
    "views/export.py",
    "views/about.py",
]


def first_paint(page: str) -> float:
    """Seconds of the first script run of ``page`` in a new session."""
    at = AppTest.from_file(APP, default_timeout=600)
    at.run()
    if page != PAGES[0]:
        at.switch_page(page)
        start = time.perf_counter()
        at.run()
    else:  # the default page: the app's first run is its first paint
        at = AppTest.from_file(APP, default_timeout=600)
        start = time.perf_counter()
        at.run()
    took = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(f"{page}: {[e.message for e in at.exception]}")
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        parser.error("set DATABASE_URL to a database made by `python -m loaders setup`")
    print(f"load average before: {os.getloadavg()}")
    for page in PAGES:
        first_paint(page)  # fill the process's caches, as an earlier visitor would
        times = [first_paint(page) for _ in range(args.runs)]
        print(
            f"{page:22s} median {statistics.median(times):6.2f} s  "
            f"(min {min(times):.2f}, max {max(times):.2f}; load {os.getloadavg()[0]:.1f})"
        )
    print(f"load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
