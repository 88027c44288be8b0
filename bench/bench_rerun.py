"""Benchmark: CPU-seconds of the app process per Explorer load, Nearby search and Coverage load.

Usage: python bench/bench_rerun.py [--rows 100000] [--runs 10] [--database NAME]

Drives the app without a browser through ``streamlit.testing`` (``AppTest``: the real
script runner, session state and widget protocol, in this process) and reads this
process's CPU time (``time.process_time``, every thread) around each run:

- *Explorer load*: a new session opening the app's default page (the explorer), i.e. what
  one person opening the page costs the server; the map component sends nothing back
  here, as in a browser where the map needed nothing new;
- *Explorer filter change*: the same session with one kind removed;
- *Nearby search*: the nearby page rerun with a new radius (a new search);
- *Coverage load*: a session switching to the coverage page (its first tab's district
  choropleth, on the map component since issue 16: colours per area code, no outlines).

The first run of each kind warms caches and imports and is not counted. The figures
include Streamlit's own work per run (the script runner, the forced garbage collection
after each run when ``runner.postScriptGC`` is on, building the messages), not the
websocket write or the database's own CPU.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._db import bench_database, fill_resources
from tests.browser import REPO_ROOT

APP = str(REPO_ROOT / "app.py")


def _cpu(fn) -> float:
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def _explorer_load() -> tuple[float, AppTest]:
    at = AppTest.from_file(APP, default_timeout=120)
    spent = _cpu(at.run)
    assert not at.exception, [e.message for e in at.exception]
    return spent, at


def _filter_change(at: AppTest) -> float:
    kinds = next(m for m in at.multiselect if m.key == "explorer_kinds")
    kinds.unselect(kinds.value[-1])
    return _cpu(at.run)


def _nearby(at: AppTest, radius: int) -> float:
    at.slider[0].set_value(radius)
    spent = _cpu(at.run)
    assert not at.exception, [e.message for e in at.exception]
    return spent


def _coverage_load() -> float:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("views/coverage.py")
    spent = _cpu(at.run)
    assert not at.exception, [e.message for e in at.exception]
    return spent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--database", default="maeul_bench_explorer")
    args = ap.parse_args()
    url = bench_database(args.database)
    fill_resources(url, args.rows)
    print(
        f"data: {args.rows:,} resources; load average before: "
        + " ".join(f"{v:.2f}" for v in os.getloadavg())
    )
    _explorer_load()  # warm-up
    loads, changes = [], []
    for _ in range(args.runs):
        spent, at = _explorer_load()
        loads.append(spent)
        changes.append(_filter_change(at))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("views/nearby.py")
    at.run()
    _nearby(at, 500)  # warm-up
    searches = [_nearby(at, 600 + 50 * (i % 8)) for i in range(args.runs)]
    _coverage_load()  # warm-up
    coverage = [_coverage_load() for _ in range(args.runs)]
    print("load average after: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    for name, values in [
        ("Explorer load", loads),
        ("Explorer filter change", changes),
        ("Nearby search", searches),
        ("Coverage load", coverage),
    ]:
        print(
            f"{name:24s} median {statistics.median(values):.3f} CPU-s "
            f"(min {min(values):.3f}, max {max(values):.3f}, {len(values)} runs)"
        )


if __name__ == "__main__":
    main()
