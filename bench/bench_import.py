"""Benchmark: import a large CSV of points (ours vs bare ogr2ogr vs a GIS user's pipeline).

Generates a UTF-8 CSV of ``--rows`` points (default 1,000,000) spread over Seoul (inside
the outline the importer uses: the union of the atlas's dongs), with 0.1 % of the rows moved
outside Seoul and 0.01 % with an unparsable coordinate, then in the same run times

- bare ``ogr2ogr`` (GDAL's PostgreSQL driver, COPY) loading it into a scratch table of the
  same database: no validation, no district join, no history;
- the GIS user's pipeline: the same ``ogr2ogr`` into a staging table, then one
  ``INSERT ... SELECT`` joining the dongs by ``ST_Intersects`` into the live ``resources``
  table (with its indexes and triggers; :data:`PIPELINE_SQL`);
- ``python -m loaders import``'s code path (:func:`loaders.plan.prepare` +
  :func:`loaders.ingest.run_import`): encoding and CRS detection, every row checked in
  PostGIS, district and dong by spatial join, the write into ``resources`` with its indexes
  and triggers, one transaction;

and prints the three side by side with the load average at the start and the end, our
per-step times, and the rows rejected per reason against the rows made to be rejected (a
row rejected that was not made so, or the other way round, is a bug and is printed).
Usage::

    python -m bench.bench_import               # 1,000,000 rows
    python -m bench.bench_import --rows 200000
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bench._db import bench_database
from geo.db import bulk, get_engine, libpq_args
from geo.messages import Msg, render
from geo.reference import read_boundaries

SOURCE = "bench-import"
PIPELINE = "bench-pipeline"
SCRATCH = "bench_ogr_scratch"


def make_csv(path: Path, rows: int, *, seed: int = 7) -> dict[str, set[int]]:
    """``rows`` points inside Seoul (0.1% outside, 0.01% with a stray character).

    Returns
    -------
    dict
        The file's row numbers (header = row 1) each reason must reject:
        ``outside_seoul`` and ``bad_number`` (a row both moved and spoiled is a bad number).
    """
    districts, _ = read_boundaries()  # dissolved from the dongs the importer joins
    seoul = shapely.union_all([d.geom for d in districts])
    shapely.prepare(seoul)
    rng = np.random.default_rng(seed)
    xs, ys, got = [], [], 0
    while got < rows:
        # Rounded as written before the test: rounding can move a point a few millimetres
        # across the outline.
        x = np.round(rng.uniform(126.76, 127.19, rows), 7)
        y = np.round(rng.uniform(37.41, 37.72, rows), 7)
        inside = shapely.contains_xy(seoul, x, y)
        xs.append(x[inside])
        ys.append(y[inside])
        got += int(inside.sum())
    lon = np.concatenate(xs)[:rows]
    lat = np.concatenate(ys)[:rows]
    outside = rng.choice(rows, max(1, rows // 1000), replace=False)
    lat[outside] -= 1.0  # about 110 km south: outside Seoul
    lat_text = lat.astype(str).astype(object)
    bad = rng.choice(rows, max(1, rows // 10000), replace=False)
    lat_text[bad] = [f"{v}x" for v in lat_text[bad]]
    ids = np.char.add("B", np.char.zfill(np.arange(rows).astype(str), 7))
    pd.DataFrame(
        {
            "관리번호": ids,
            "시설명": np.char.add("마을공간 ", np.arange(rows).astype(str)),
            "주소": "서울특별시",
            "위도": lat_text,
            "경도": lon,
        }
    ).to_csv(path, index=False)
    return {
        "outside_seoul": set((np.setdiff1d(outside, bad) + 2).tolist()),
        "bad_number": set((bad + 2).tolist()),
    }


def check_rejections(report, made: dict[str, set[int]]) -> bool:
    """Print rows made to be rejected vs rows rejected, per reason; True when they agree."""
    rejected = report.rejected_rows
    got = (
        {
            reason: set(rejected.loc[rejected["reason"] == reason, "row"].tolist())
            for reason in set(rejected["reason"]) | set(made)
        }
        if len(rejected)
        else {reason: set() for reason in made}
    )
    print(f"\n{'reason':<16}{'made':>8}{'rejected':>10}{'not made':>10}{'missed':>8}")
    ok = True
    for reason in sorted(got):
        want, have = made.get(reason, set()), got[reason]
        extra, missed = sorted(have - want), sorted(want - have)
        ok = ok and not extra and not missed
        print(f"{reason:<16}{len(want):>8,}{len(have):>10,}{len(extra):>10,}{len(missed):>8,}")
        if extra:
            print(f"  rejected but not made so, first rows: {extra[:10]}")
        if missed:
            print(f"  made but not rejected, first rows: {missed[:10]}")
    print(f"snapped to the nearest dong (within 30 m outside): {len(report.snapped):,}")
    print("rejections match what was made" if ok else "MISMATCH: see the rows above")
    return ok


def _pg_dsn(url: str) -> str:
    u = make_url(url)
    parts = {
        "host": u.host,
        "port": u.port,
        "user": u.username,
        "password": u.password,
        "dbname": u.database,
    }
    return "PG:" + " ".join(f"{k}={v}" for k, v in parts.items() if v)


def run_ogr2ogr(url: str, csv: Path, *, keep: bool = False) -> float:
    """Seconds for ogr2ogr to load ``csv`` into a fresh scratch table (dropped after,
    unless ``keep``)."""
    cmd = [
        "ogr2ogr",
        "-f",
        "PostgreSQL",
        _pg_dsn(url),
        str(csv),
        "-oo",
        "X_POSSIBLE_NAMES=경도",
        "-oo",
        "Y_POSSIBLE_NAMES=위도",
        "-oo",
        "KEEP_GEOM_COLUMNS=NO",
        "-a_srs",
        "EPSG:4326",
        "-nln",
        SCRATCH,
        "-lco",
        "GEOMETRY_NAME=geom",
        "-overwrite",
    ]
    # The password from the same libpq password file the app reads (never on a command line).
    env = os.environ | {k.upper(): v for k, v in libpq_args().items() if k == "passfile"}
    env = {("PGPASSFILE" if k == "PASSFILE" else k): v for k, v in env.items()}
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
    seconds = time.perf_counter() - start
    with get_engine(url).begin() as conn:
        n = conn.execute(sa.text(f"SELECT count(*) FROM {SCRATCH}")).scalar_one()
        if not keep:
            conn.execute(sa.text(f"DROP TABLE {SCRATCH}"))
    print(f"ogr2ogr: {n:,} rows in {seconds:.1f} s")
    return seconds


def run_pipeline(url: str, csv: Path) -> tuple[float, float, int]:
    """The GIS user's pipeline: ogr2ogr into a staging table, then :data:`PIPELINE_SQL`.

    Returns (total seconds, seconds of the INSERT ... SELECT, rows inserted).
    """
    start = time.perf_counter()
    run_ogr2ogr(url, csv, keep=True)
    t_insert = time.perf_counter()
    with get_engine(url).begin() as conn:
        bulk(conn)
        conn.execute(sa.text("SELECT set_config('maeul.actor', 'bench-pipeline', true)"))
        n = conn.execute(sa.text(PIPELINE_SQL)).rowcount
        conn.execute(sa.text(f"DROP TABLE {SCRATCH}"))
    end = time.perf_counter()
    print(f"pipeline: {n:,} rows inserted; INSERT ... SELECT {end - t_insert:.1f} s")
    return end - start, end - t_insert, n


#: The GIS user's second step: one INSERT ... SELECT from ogr2ogr's table into the live
#: ``resources``, district and dong by ``ST_Intersects`` on the dongs (GiST on dongs.geom).
PIPELINE_SQL = f"""
    INSERT INTO resources (kind, category, name, address, geom, district_code, dong_code,
                           source, source_id)
    SELECT 'space', 'library', s."시설명", s."주소", s.geom, d.district_code, d.code,
           '{PIPELINE}', s."관리번호"
    FROM {SCRATCH} s JOIN dongs d ON ST_Intersects(d.geom, s.geom)
"""


def _clean(url: str) -> None:
    """Remove earlier bench imports (history triggers paused: a scratch database)."""
    engine = get_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("SET LOCAL statement_timeout = 0"))  # a million rows to delete
        conn.execute(sa.text("ALTER TABLE resources DISABLE TRIGGER resources_history_del"))
        conn.execute(
            sa.text("DELETE FROM resources WHERE source IN (:s, :p)"), {"s": SOURCE, "p": PIPELINE}
        )
        conn.execute(sa.text("ALTER TABLE resources ENABLE TRIGGER resources_history_del"))
        conn.execute(  # the pipeline's per-row history copies (an anti-join, not 1M ids)
            sa.text(
                "DELETE FROM change_history h WHERE h.table_name = 'resources' "
                "AND NOT EXISTS (SELECT FROM resources r WHERE r.id = h.record_id)"
            )
        )
        conn.execute(sa.text("DELETE FROM import_runs WHERE source = :s"), {"s": SOURCE})
        conn.execute(sa.text(f"DROP TABLE IF EXISTS {SCRATCH}"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE resources"))
        conn.execute(sa.text("VACUUM ANALYZE change_history"))


def run_ours(url: str, csv: Path) -> tuple[float, list[tuple[str, float]], object]:
    """Seconds for our import of ``csv`` and the time of each step."""
    from loaders.ingest import run_import
    from loaders.plan import ImportOptions, prepare

    steps: list[tuple[str, float]] = []
    start = time.perf_counter()
    last = [start, "read and detect (encoding, header, CRS)"]

    def progress(_fraction: float, message) -> None:
        now = time.perf_counter()
        steps.append((last[1], now - last[0]))
        last[0], last[1] = now, render(message, "en")

    plan = prepare(csv, ImportOptions(source=SOURCE, category="library", actor="bench"))
    report = run_import(plan, engine=get_engine(url), progress=progress)
    seconds = time.perf_counter() - start
    steps.append((last[1], time.perf_counter() - last[0]))
    return seconds, [(m, s) for m, s in steps if s >= 0.05], report


def time_apart(url: str) -> list[tuple[str, float]]:
    """Seconds to build our imported rows apart, as a new source's partition would be.

    The question of issue 16: would a large first load written into a table of its own,
    indexed after the fact and attached in one step, beat the write into the live table?
    The rows our import wrote are copied, in the same spatial order, into a new table
    like ``resources``, then given ``resources``' indexes one by one (their definitions
    read from the catalog), inside a transaction that is rolled back. The copy carries the
    values the import computed (ids, public ids, casts), and no trigger runs: the import's
    casts, defaults and statement checks would come on top (docs/benchmarks.md).
    """
    engine = get_engine(url)
    steps: list[tuple[str, float]] = []
    with engine.connect() as conn:
        trans = conn.begin()
        bulk(conn)
        conn.execute(sa.text("SET LOCAL statement_timeout = 0"))
        conn.execute(
            sa.text("CREATE TABLE bench_apart (LIKE resources INCLUDING DEFAULTS)")
        )  # fmt: skip
        t0 = time.perf_counter()
        conn.execute(
            sa.text(
                "INSERT INTO bench_apart SELECT * FROM resources WHERE source = :s ORDER BY geom"
            ),
            {"s": SOURCE},
        )
        steps.append(("heap (insert, spatial order)", time.perf_counter() - t0))
        indexes = conn.execute(
            sa.text(
                """SELECT i.relname, pg_get_indexdef(i.oid)
                   FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                   WHERE x.indrelid = 'resources'::regclass ORDER BY i.relname"""
            )
        ).all()
        for name, definition in indexes:
            apart = definition.replace(" ON public.resources ", " ON bench_apart ")
            apart = apart.replace(f"INDEX {name} ", f"INDEX {name}_apart ")
            t0 = time.perf_counter()
            conn.execute(sa.text(apart))
            steps.append((f"index {name}", time.perf_counter() - t0))
        trans.rollback()
    return steps


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the imported rows")
    parser.add_argument(
        "--ours-first", action="store_true", help="run ours before the pipeline (order effects)"
    )
    args = parser.parse_args(argv)
    url = bench_database("maeul_bench_import")
    tmp = Path(tempfile.mkdtemp(prefix="bench-import-"))
    try:
        csv = tmp / "points.csv"
        t0 = time.perf_counter()
        made = make_csv(csv, args.rows)
        size = csv.stat().st_size / 1e6
        print(f"generated {args.rows:,} rows ({size:.0f} MB) in {time.perf_counter() - t0:.1f} s")
        print(f"load average at the start: {_load()}")
        _clean(url)
        ogr = run_ogr2ogr(url, csv)
        if args.ours_first:  # the same three, ours before the pipeline's big write
            ours, steps, report = run_ours(url, csv)
            _clean(url)
            pipe, pipe_insert, _ = run_pipeline(url, csv)
        else:
            pipe, pipe_insert, _ = run_pipeline(url, csv)
            _clean(url)
            ours, steps, report = run_ours(url, csv)
        print("\n".join(report.summary("en")[:1] + report.summary("en")[-4:]))
        print(f"\n{'':<52}{'seconds':>10}{'rows/s':>12}")
        rows = [
            ("bare ogr2ogr (COPY, no checks, no joins)", ogr),
            ("GIS pipeline (ogr2ogr + INSERT ... ST_Intersects)", pipe),
            ("  of which the INSERT ... SELECT", pipe_insert),
            ("ours (checks, district+dong, upsert)", ours),
        ]
        for label, sec in rows:
            print(f"{label:<52}{sec:>10.1f}{args.rows / sec:>12,.0f}")
        print(f"{'ratio ours / bare ogr2ogr (target <= 3)':<52}{ours / ogr:>10.2f}")
        print(f"{'ratio ours / GIS pipeline (target < 1)':<52}{ours / pipe:>10.2f}")
        print(f"load average at the end: {_load()}")
        after = {render(Msg("ingest.writing"), "en"), render(Msg("common.done"), "en")}
        before = sum(s for m, s in steps if m not in after)
        print(f"{'ours before the write (read..join, report)':<44}{before:>10.1f}")
        print("\nour steps:")
        for message, seconds in steps:
            print(f"  {seconds:7.1f} s  {message}")
        check_rejections(report, made)
        apart = time_apart(url)
        print("\nthe same rows built apart (a new table, indexes after; rolled back):")
        for label, seconds in apart:
            print(f"  {seconds:7.1f} s  {label}")
        write = next(s for m, s in steps if m == render(Msg("ingest.writing"), "en"))
        total = sum(s for _, s in apart)
        print(f"  {total:7.1f} s  in all, against our write into the live table: {write:.1f} s")
        if not args.keep:
            _clean(url)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
