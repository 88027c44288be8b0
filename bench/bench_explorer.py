"""Benchmark: the explorer's map in Chromium beside two floors, warm, in one run.

Usage: python bench/bench_explorer.py [--rows 100000] [--runs 3] [--database NAME]

Fills a scratch database with ``--rows`` resources, then, with Debian's Chromium (every
request off loopback aborted), times for each page:

- **first map**: from navigation until the map has drawn its outlines and resources (the
  first load of each server is a warm-up and not counted: caches, imports);
- **filter change**: from the change until the map shows the new features.

Pages:

- *ours*: the app's explorer (``app.py``), our Leaflet component; filter change = remove a
  kind from the kinds box; the bench checks that Leaflet was not loaded again;
- *folium floor*: a bare Streamlit page with folium + ``st_folium``, the same outlines and
  5,000 circle markers (``bench/floors/folium_page.py``); filter change = a toggle that
  drops one kind;
- *Leaflet floor*: a plain HTML page with the vendored Leaflet and the same GeoJSON inline,
  on a loopback HTTP server; filter change = swapping the marker layer in the page;
- *bare Streamlit*: a page with a title and a line (``bench/floors/bare_page.py``): the
  framework's own load, which the explorer's target adds to the Leaflet floor;
- *coverage*: the app's coverage page, whose district choropleth is our component too
  (``layers.mapview.area_map``, issue 16): first map only, until its 25 districts are
  filled.

The load average is printed beside the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._db import bench_database, fill_resources
from tests.browser import CHROMIUM, CHROMIUM_ARGS, FOLIUM_FRAME, REPO_ROOT, is_local, stage_page
from tests.browser import streamlit_server as _server

FLOORS = Path(__file__).resolve().parent / "floors"
OUR_FRAME = "maeul_map"

#: Our map: outlines drawn, resources drawn (how many), Leaflet's load time.
_OURS = """() => { const s = window.maeulMap;
  if (!s || !s.base || !s.resources) return null;
  return {n: s.resources.getLayers().length, id: s.dataId, loaded: window.maeulMapLoadedAt}; }"""
#: Our choropleth (coverage page): areas filled.
_AREAS = """() => { const s = window.maeulMap;
  return s && s.areas ? s.areas.layer.getLayers().length : 0; }"""
#: Any Leaflet map as window.map: features drawn.
_LEAFLET = """() => { const m = window.map; if (!m || !window.L) return 0; let n = 0;
  m.eachLayer((l) => { if (l instanceof L.Path) n += 1; }); return n; }"""


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


@contextlib.contextmanager
def _browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _page(browser):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.route("**/*", lambda r, q: r.continue_() if is_local(q.url) else r.abort())
    return page


def _poll(page, frame_part: str | None, js: str, done: Callable, timeout: float = 120.0):
    """Evaluate ``js`` in the frame whose URL holds ``frame_part`` until ``done(value)``."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        frames = [f for f in page.frames if frame_part is None or frame_part in f.url]
        for frame in frames:
            with contextlib.suppress(Exception):  # a frame still loading or replaced
                value = frame.evaluate(js)
                if done(value):
                    return value, frame
        page.wait_for_timeout(20)
    raise TimeoutError(f"not done in {timeout}s: {js[:60]}")


def _time_ours(browser, url: str) -> tuple[float, float, int, bool]:
    page = _page(browser)
    t0 = time.perf_counter()
    epoch_ms = time.time() * 1000
    page.goto(url, wait_until="domcontentloaded")
    first, frame = _poll(page, OUR_FRAME, _OURS, lambda v: bool(v and v["n"]))
    t_first = time.perf_counter() - t0
    page.wait_for_timeout(300)
    stages = frame.evaluate("() => window.maeulMap.times")
    print(
        "    stages (s after navigation): "
        + ", ".join(
            f"{k} {(v - epoch_ms) / 1000:.2f}"
            for k, v in sorted(stages.items(), key=lambda x: x[1])
        )
    )
    page.wait_for_timeout(1500)
    before = frame.evaluate(_OURS)
    box = page.get_by_label("자원 유형")
    box.click()
    t1 = time.perf_counter()
    page.keyboard.press("Backspace")  # removes the last kind
    after, _ = _poll(page, OUR_FRAME, _OURS, lambda v: bool(v and v["id"] != before["id"]))
    t_change = time.perf_counter() - t1
    page.keyboard.press("Escape")
    page.close()
    return t_first, t_change, first["n"], after["loaded"] == before["loaded"]


def _time_folium(browser, url: str, features: int) -> tuple[float, float, int]:
    page = _page(browser)
    t0 = time.perf_counter()
    page.goto(url, wait_until="domcontentloaded")
    n, _ = _poll(page, FOLIUM_FRAME, _LEAFLET, lambda v: v >= features)
    t_first = time.perf_counter() - t0
    page.wait_for_timeout(1500)
    t1 = time.perf_counter()
    page.get_by_text("drop one kind").click()
    _poll(page, FOLIUM_FRAME, _LEAFLET, lambda v: 0 < v < n)
    t_change = time.perf_counter() - t1
    page.close()
    return t_first, t_change, n


def _time_coverage(browser, url: str) -> float:
    """Seconds until the coverage page's choropleth (our component) has filled its 25
    districts."""
    page = _page(browser)
    t0 = time.perf_counter()
    page.goto(url, wait_until="domcontentloaded")
    _poll(page, OUR_FRAME, _AREAS, lambda v: v >= 25)
    elapsed = time.perf_counter() - t0
    page.close()
    return elapsed


def _time_bare(browser, url: str) -> float:
    page = _page(browser)
    t0 = time.perf_counter()
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_text("ready").wait_for(timeout=60_000)
    elapsed = time.perf_counter() - t0
    page.close()
    return elapsed


_SWAP = """() => { const t0 = performance.now();
  window.map.removeLayer(window.points);
  window.points = L.geoJSON(window.POINTS.features.filter((f) => f.properties.kind !== 'other'),
    {pointToLayer: (f, ll) => L.circleMarker(ll, {radius: 5})}).addTo(window.map);
  return new Promise((ok) => requestAnimationFrame(() => ok(performance.now() - t0))); }"""


def _leaflet_html(districts: str, dongs: str, points: str) -> str:
    return f"""<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="/vendor/leaflet/leaflet.css">
<script src="/vendor/leaflet/leaflet.js"></script>
<style>html,body,#map{{height:100%;margin:0}}</style></head><body><div id="map"></div>
<script>
const D = {districts}; const G = {dongs}; window.POINTS = {points};
window.map = L.map('map', {{preferCanvas: true}}).fitBounds([[37.41, 126.76], [37.72, 127.19]]);
L.geoJSON(D, {{style: {{color: '#333', weight: 2, fillColor: '#F4F1EA', fillOpacity: 1}}}})
  .addTo(map);
L.geoJSON(G, {{style: {{color: '#9A9A9A', weight: 0.6, fill: false}}}}).addTo(map);
window.points = L.geoJSON(window.POINTS, {{pointToLayer: (f, ll) => L.circleMarker(ll,
  {{radius: 5}}).bindPopup(f.properties.name)}}).addTo(map);
</script></body></html>"""


@contextlib.contextmanager
def _leaflet_floor(database_url: str) -> Iterator[str]:
    """The plain Leaflet page with the same outlines and 5,000 points, on loopback."""
    from geo import queries
    from geo.access import PUBLIC

    shown = queries.resources(PUBLIC, limit=5000)
    points = shown[["name", "kind", "geom"]].to_json()
    html = _leaflet_html(
        queries.outlines_geojson("district", simplify_m=5),
        queries.outlines_geojson("dong", simplify_m=5),
        points,
    )
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "index.html").write_text(html, encoding="utf-8")
        (Path(folder) / "vendor").symlink_to(REPO_ROOT / "static" / "vendor")
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=folder)
        handler.log_message = lambda *a: None
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
        finally:
            server.shutdown()


def _time_leaflet(browser, url: str, features: int) -> tuple[float, float]:
    page = _page(browser)
    t0 = time.perf_counter()
    page.goto(url, wait_until="domcontentloaded")
    _poll(page, None, _LEAFLET, lambda v: v >= features)
    t_first = time.perf_counter() - t0
    t_change = page.evaluate(_SWAP) / 1000
    page.close()
    return t_first, t_change


def _stats(values: list[float]) -> str:
    return (
        f"median {statistics.median(values):.2f} s (runs {', '.join(f'{v:.2f}' for v in values)})"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--database", default="maeul_bench_explorer")
    args = ap.parse_args()
    url = bench_database(args.database)
    fill_resources(url, args.rows)
    env = {"DATABASE_URL": url}
    outlines = 25 + 467
    print(f"data: {args.rows:,} resources (no demo); load average before: {_load()}")
    results: dict[str, dict[str, list[float]]] = {}

    def record(name: str, first: float, change: float) -> None:
        results.setdefault(name, {"first": [], "change": []})
        results[name]["first"].append(first)
        results[name]["change"].append(change)

    with _browser() as browser:
        with _server(REPO_ROOT / "app.py", env=env) as base:
            _time_ours(browser, f"{base}/")  # warm-up
            for _ in range(args.runs):
                first, change, n, same = _time_ours(browser, f"{base}/")
                record("ours (explorer)", first, change)
                print(
                    f"  ours: map {first:.2f} s ({n:,} markers/cells), filter change "
                    f"{change:.2f} s, Leaflet kept: {same}"
                )
            _time_coverage(browser, f"{base}/coverage")  # warm-up
            for _ in range(args.runs):
                record("coverage (our choropleth)", _time_coverage(browser, f"{base}/coverage"), 0)
        scratch = Path(tempfile.mkdtemp(prefix="bench-floor-"))
        with _server(stage_page(FLOORS / "folium_page.py", scratch), env=env) as base:
            _time_folium(browser, f"{base}/", outlines + 5000)
            for _ in range(args.runs):
                first, change, n = _time_folium(browser, f"{base}/", outlines + 5000)
                record("folium + st_folium floor", first, change)
                print(f"  folium floor: map {first:.2f} s ({n:,} features), change {change:.2f} s")
        with _leaflet_floor(url) as page_url:
            _time_leaflet(browser, page_url, outlines + 5000)
            for _ in range(args.runs):
                record("plain Leaflet floor", *_time_leaflet(browser, page_url, outlines + 5000))
        with _server(FLOORS / "bare_page.py", env=env) as base:  # no static files needed
            _time_bare(browser, f"{base}/")
            for _ in range(args.runs):
                record("bare Streamlit page", _time_bare(browser, f"{base}/"), 0.0)
    print(f"load average after: {_load()}")
    print(
        json.dumps(
            {
                k: {m: round(statistics.median(v), 3) for m, v in r.items()}
                for k, r in results.items()
            }
        )
    )
    for name, r in results.items():
        print(f"{name:28s} first map {_stats(r['first'])}; change {_stats(r['change'])}")
    floor = statistics.median(results["plain Leaflet floor"]["first"]) + statistics.median(
        results["bare Streamlit page"]["first"]
    )
    ours = statistics.median(results["ours (explorer)"]["first"])
    print(
        f"target: ours {ours:.2f} s < 2 s and <= 1.5 x (Leaflet + bare Streamlit = "
        f"{floor:.2f} s) = {1.5 * floor:.2f} s; filter change "
        f"{statistics.median(results['ours (explorer)']['change']):.2f} s < 0.5 s"
    )


if __name__ == "__main__":
    main()
