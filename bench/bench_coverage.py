"""Benchmark: the Coverage page's queries for one filter setting, next to the same SQL raw.

Usage: python bench/bench_coverage.py [--resources 1000000] [--sites 10000] [--repeat 3]

Fills a scratch database (maeul_bench_coverage) with ``--resources`` resources and
``--sites`` program sites (with quarterly evaluations) over Seoul, then runs every query the
page runs for one filter setting (all programs, all years, all stages, 500 m walking
distance) as the page does (``geo.coverage`` through SQLAlchemy into DataFrames) and the
identical statements through a bare psycopg connection, and prints the times side by side:
cold (the first load: every query) and on a filter change (the filter-independent results
come from the page's cache). Target (issue 5): the whole page under 1 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
import sqlalchemy as sa

from bench._db import bench_database, fill_resources, psycopg_dsn
from geo import coverage
from geo.access import PUBLIC
from geo.db import get_engine

DB_NAME = "maeul_bench_coverage"


def fill_sites(url: str, rows: int, *, seed: float = 0.42) -> None:
    """Make exactly ``rows`` bench program sites (source ``bench``) with 2-5 evaluations each.

    Sites are drawn per dong in proportion to its area (``ST_GeneratePoints``), spread over
    the 33 programs that fund village projects, years 2012-2014 and the three stages.
    """
    engine = get_engine(url)
    with engine.connect() as conn:
        have = conn.execute(
            sa.text("SELECT count(*) FROM program_sites WHERE source = 'bench'")
        ).scalar_one()
    if have == rows:
        return
    with engine.begin() as conn:
        for trg in ("program_sites_history_ins", "program_sites_history_del"):
            conn.execute(sa.text(f"ALTER TABLE program_sites DISABLE TRIGGER {trg}"))
        conn.execute(sa.text("DELETE FROM program_sites WHERE source = 'bench'"))
        conn.execute(sa.text("SELECT setseed(:seed)"), {"seed": seed})
        conn.execute(
            sa.text(
                """
                WITH quota AS (
                    SELECT code, district_code, geom,
                           ceil(:rows * area_km2 / sum(area_km2) OVER ())::int AS n
                    FROM dongs),
                pts AS (
                    SELECT q.code, q.district_code,
                           (ST_Dump(ST_GeneratePoints(q.geom, q.n, 7))).geom AS geom
                    FROM quota q WHERE q.n > 0),
                progs AS (SELECT array_agg(no ORDER BY no) AS nos FROM programs
                          WHERE budget_mkrw > 0)
                INSERT INTO program_sites (program_no, name, geom, dong_code, district_code,
                                           stage, year, grant_mkrw, source, source_id, is_demo)
                SELECT progs.nos[1 + (n * 7919) % cardinality(progs.nos)], 'bench site ' || n,
                       geom, code, district_code,
                       (ARRAY['seed','seed','seed','sprout','sprout','hope'])[1 + n % 6],
                       2012 + (n % 3), round((5 + random() * 95)::numeric, 1), 'bench',
                       'bs' || n, true
                FROM (SELECT row_number() OVER () AS n, * FROM pts) numbered, progs
                WHERE n <= :rows
                """
            ),
            {"rows": rows},
        )
        conn.execute(
            sa.text(
                """
                INSERT INTO site_evaluations (site_id, year, quarter, resident_led, governance,
                                              local_resources, method)
                SELECT s.id, s.year + (q - 1) / 4, 1 + (q - 1) % 4,
                       round((50 + random() * 45)::numeric, 1),
                       round((50 + random() * 45)::numeric, 1),
                       round((50 + random() * 45)::numeric, 1), 'document'
                FROM program_sites s, generate_series(1, 2 + (s.id % 4)::int) q
                WHERE s.source = 'bench'
                """
            )
        )
        for trg in ("program_sites_history_ins", "program_sites_history_del"):
            conn.execute(sa.text(f"ALTER TABLE program_sites ENABLE TRIGGER {trg}"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("program_sites", "site_evaluations"):
            conn.execute(sa.text(f"VACUUM ANALYZE {table}"))


def _raw(dsn: str, statements: list[coverage.Statement]) -> float:
    """Run ``statements`` through a bare psycopg connection, fetching every row; seconds."""
    with psycopg.connect(dsn, options="-c jit=off") as conn:
        start = time.perf_counter()
        for st in statements:
            sql, params = st.compiled()
            conn.execute(sql, params).fetchall()
        return time.perf_counter() - start


def _app(run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=1_000_000)
    parser.add_argument("--sites", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--distance", type=float, default=500.0)
    args = parser.parse_args(argv)

    url = bench_database(DB_NAME)
    t0 = time.perf_counter()
    fill_resources(url, args.resources)
    fill_sites(url, args.sites)
    print(
        f"data ready in {time.perf_counter() - t0:.1f} s: {args.resources:,} resources, "
        f"{args.sites:,} program sites"
    )

    flt = coverage.CoverageFilter()
    opts = coverage.PageOptions(distance_m=args.distance)
    cold = coverage.page_statements(PUBLIC, flt, opts, cached=True)
    warm = coverage.page_statements(PUBLIC, flt, opts, cached=False)
    dsn = psycopg_dsn(url)
    first = coverage.run_page(PUBLIC, flt, opts)  # connect and warm the buffer cache once
    cache = {
        k: first[k] for k in ("options", "district_shapes", "dong_shapes", "counts", "population")
    }

    rows = []
    for label, stmts, cached in (
        ("first load (all queries)", cold, None),
        ("filter change (cached parts reused)", warm, cache),
    ):
        app, raw = [], []
        for _ in range(args.repeat):  # alternate, so load from elsewhere hits both sides
            app.append(_app(lambda c=cached: coverage.run_page(PUBLIC, flt, opts, cached=c)))
            raw.append(_raw(dsn, stmts))
        rows.append((label, len(stmts), app, raw))
    print(f"\n{'what':40} {'queries':>7} {'app median/best (s)':>20} {'raw median/best (s)':>20}")
    for label, n, app, raw in rows:
        a = f"{statistics.median(app):.3f} / {min(app):.3f}"
        r = f"{statistics.median(raw):.3f} / {min(raw):.3f}"
        print(f"{label:40} {n:7d} {a:>20} {r:>20}")
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.2f}")
    print("\nper query (raw psycopg, first load):")
    with psycopg.connect(dsn, options="-c jit=off") as conn:
        for st in cold:
            sql, params = st.compiled()
            start = time.perf_counter()
            conn.execute(sql, params).fetchall()
            print(f"  {st.name:34} {time.perf_counter() - start:7.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
