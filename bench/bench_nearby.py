"""Benchmark: the app's nearby search next to the same SQL run raw through psycopg.

Usage: python bench/bench_nearby.py [--rows 1000000] [--queries 1000] [--radius 1000]

Fills a scratch database (maeul_bench_nearby) with ``--rows`` resources over Seoul, then
times ``geo.nearby.nearby`` (nearest 20 within 1 km, random places in Seoul, as the public
and as staff) and the identical statement through a bare psycopg connection, alternating
query by query, and prints p50/p95 side by side. Target (issue 4): p95 under 2 ms and
within 1.5x of the raw SQL.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import psycopg

from bench._db import bench_database, fill_resources, psycopg_dsn
from geo.access import PUBLIC, Viewer
from geo.nearby import Place, nearby, nearby_sql
from geo.queries import ResourceFilter


def _places(n: int, seed: int) -> list[Place]:
    rng = np.random.default_rng(seed)
    # Inner Seoul box: every place is inside the city, most of them among many points.
    lons = rng.uniform(126.85, 127.12, n)
    lats = rng.uniform(37.47, 37.65, n)
    return [Place(float(x), float(y)) for x, y in zip(lons, lats, strict=True)]


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) * 1000


def _raw_search(cur, sql: str, params: dict, place: Place, radius: int) -> list[tuple]:
    """The same statement on a bare psycopg connection: execute, fetch the tuples."""
    cur.execute(sql, params | {"lon": place.lon, "lat": place.lat, "radius": radius, "limit": 20})
    return cur.fetchall()


def _time_both(conn, viewer, places, radius) -> tuple[list[float], list[float], int, int]:
    """Time the app and the raw SQL on every place, alternating which goes first, so that
    load from elsewhere hits both sides alike."""
    sql, params = nearby_sql(viewer, ResourceFilter())
    sql = re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", sql)  # SQLAlchemy :name -> psycopg %(name)s
    app, raw, n_app, n_raw = [], [], 0, 0
    with conn.cursor() as cur:
        for i, p in enumerate(places):
            for side in ("app", "raw") if i % 2 == 0 else ("raw", "app"):
                t = time.perf_counter()
                if side == "app":
                    n_app += len(nearby(viewer, p, radius_m=radius, limit=20))
                    app.append(time.perf_counter() - t)
                else:
                    n_raw += len(_raw_search(cur, sql, params, p, radius))
                    raw.append(time.perf_counter() - t)
    return app, raw, n_app, n_raw


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--radius", type=int, default=1000)
    args = ap.parse_args()

    url = bench_database("maeul_bench_nearby")
    t = time.perf_counter()
    fill_resources(url, args.rows)
    print(f"data: {args.rows:,} resources ready in {time.perf_counter() - t:.1f} s")
    places = _places(args.queries, seed=7)
    warm = _places(50, seed=8)
    print(f"{'viewer':<8} {'what':<22} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8} {'hits':>7}")
    # Autocommit, like one request of a web app: no transaction held across queries.
    with psycopg.connect(psycopg_dsn(url), options="-c jit=off", autocommit=True) as conn:
        for label, viewer in (("public", PUBLIC), ("staff", Viewer("planner", "bench"))):
            _time_both(conn, viewer, warm, args.radius)
            app, raw, n_app, n_raw = _time_both(conn, viewer, places, args.radius)
            assert n_raw == n_app, "the app and the raw SQL must find the same rows"
            for what, ts, n in (("raw SQL (psycopg)", raw, n_raw), ("app geo.nearby", app, n_app)):
                print(
                    f"{label:<8} {what:<22} {_pct(ts, 50):8.3f} {_pct(ts, 95):8.3f} "
                    f"{statistics.mean(ts) * 1000:8.3f} {n:7d}"
                )
            print(f"{label:<8} {'ratio app/raw p95':<22} {_pct(app, 95) / _pct(raw, 95):8.2f}")
            print(f"{label:<8} {'ratio app/raw p50':<22} {_pct(app, 50) / _pct(raw, 50):8.2f}")
    print(f"load average (1 min): {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
