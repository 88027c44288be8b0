"""Benchmark: export of 100,000 resources to GeoPackage and CP949 Shapefile, ours vs ogr2ogr.

Both read the same rows with the same SQL (:func:`layers.export.read.layer_sql`, the public view:
people generalised) from the same PostGIS, in the same run, alternating, several rounds.
The resources live in a scratch database made for the run and dropped afterwards (never in
``maeul`` or a test database)::

    .venv/bin/python bench/bench_export.py            # 100,000 resources, 3 rounds
    .venv/bin/python bench/bench_export.py --size 20000 --rounds 5 --keep

Target: ours within 1.2x of ogr2ogr. Our Shapefile time includes what ogr2ogr does not do:
the fixed 10-character field names, sizing text fields to the data, and the .zip with
fieldmap.csv and README.txt; it is also shown without the zip step.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.access import PUBLIC  # noqa: E402
from geo.db import get_engine  # noqa: E402
from geo.progress import no_progress  # noqa: E402
from geo.settings import load_settings  # noqa: E402
from layers.export.read import LAYERS, layer_sql, read_layers  # noqa: E402
from layers.export.writers import FORMATS, ExportRequest, WriteOptions, export_layers  # noqa: E402
from loaders.setup import setup_database  # noqa: E402

# Points spread over every dong in proportion to its area, all four kinds, Korean text. Each
# point is drawn inside its dong, so its dong and district are known: no spatial join needed.
_GENERATE = """
WITH tot AS (SELECT sum(area_km2) AS a FROM dongs),
pts AS (
  SELECT d.code, d.district_code, d.name_ko, (ST_Dump(ST_GeneratePoints(
           d.geom, GREATEST(1, ceil(:n * d.area_km2 / tot.a))::int, 20120701))).geom AS geom
  FROM dongs d, tot),
numbered AS (SELECT row_number() OVER (ORDER BY code, ST_X(geom)) AS i, * FROM pts)
INSERT INTO resources (kind, category, name, description, address, geom, visibility, contact,
                       source, source_id, is_demo, dong_code, district_code)
SELECT k.kind, k.cat, n.name_ko || ' 벤치 자원 ' || n.i, n.name_ko || ' 벤치마크용 생성 자원',
       '서울특별시 ' || n.name_ko || ' ' || n.i, n.geom, 'public',
       CASE WHEN k.kind IN ('human', 'space') THEN '02-000-' || n.i END,
       'bench', 'b-' || n.i, true, n.code, n.district_code
FROM numbered n
JOIN (VALUES (0, 'human', 'artist'), (1, 'space', 'hall'), (2, 'heritage', 'village_story'),
             (3, 'other', 'local_feature')) k(m, kind, cat) ON k.m = n.i % 4
WHERE n.i <= :n
"""


def _scratch_url(name: str) -> str:
    return make_url(load_settings().database_url).set(database=name).render_as_string(False)


def _create(url: str, size: int) -> None:
    name = make_url(url).database
    if os.environ.get("DATABASE_URL"):  # another server: the role needs CREATEDB + PostGIS
        admin = get_engine(make_url(url).set(database="postgres").render_as_string(False))
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    else:  # the local cluster: scripts/pg.sh creates it with PostGIS enabled
        subprocess.run(["bash", str(ROOT / "scripts/pg.sh"), name], check=True)
    t = time.perf_counter()
    setup_database(url, with_demo=False, progress=no_progress)
    engine = get_engine(url)
    with engine.begin() as conn:
        if conn.execute(sa.text("SELECT count(*) FROM resources")).scalar_one() != size:
            conn.execute(sa.text("TRUNCATE resources CASCADE"))
            # A scratch database: no change history for generated rows.
            conn.execute(sa.text("ALTER TABLE resources DISABLE TRIGGER USER"))
            conn.execute(sa.text(_GENERATE), {"n": size})
            conn.execute(sa.text("ALTER TABLE resources ENABLE TRIGGER USER"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE resources"))
    print(f"scratch database {name}: {size:,} resources ready in {time.perf_counter() - t:.1f} s")


def _drop(url: str) -> None:
    name = make_url(url).database
    get_engine(url).dispose()
    admin = get_engine(make_url(url).set(database="postgres").render_as_string(False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print(f"scratch database {name} dropped")


def _pg_source(url: str) -> str:
    u = make_url(url)
    parts = [f"host={u.host or '127.0.0.1'}", f"port={u.port or 5432}", f"dbname={u.database}"]
    if u.username:
        parts.append(f"user={u.username}")
    env_password = {"PGPASSWORD": u.password} if u.password else {}
    os.environ.update(env_password)  # ogr2ogr reads it; never on the command line
    return "PG:" + " ".join(parts)


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _jobs(folder: Path, sql: str, src: str) -> dict:
    """The five timed jobs of one round, alternating ogr2ogr and ours, each in ``folder``."""
    for sub in ("", "ogr_shp", "nozip"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    ogr = ["ogr2ogr", "-nln", "resources", "-sql", sql]
    shp = ["-f", "ESRI Shapefile", "-lco", "ENCODING=CP949"]
    quiet = {"check": True, "stderr": subprocess.DEVNULL}  # GDAL's field-name warnings
    return {
        "ogr_gpkg": lambda: subprocess.run([*ogr, "-f", "GPKG", folder / "o.gpkg", src], **quiet),
        "our_gpkg": lambda: export_layers(
            ExportRequest(("resources",), "gpkg"), viewer=PUBLIC, out=folder / "our.gpkg"
        ),
        "ogr_shp": lambda: subprocess.run(
            [*ogr, *shp, folder / "ogr_shp" / "resources.shp", src], **quiet
        ),
        "our_shp": lambda: export_layers(
            ExportRequest(("resources",), "shp", encoding="cp949"),
            viewer=PUBLIC,
            out=folder / "our_shp.zip",
        ),
        "our_shp_nozip": lambda: FORMATS["shp"].writer(
            read_layers(["resources"], viewer=PUBLIC),
            folder / "nozip",
            WriteOptions("resources", "cp949"),
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database", default=None, help="scratch database name")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args(argv)
    if not shutil.which("ogr2ogr"):
        print("ogr2ogr not found: run scripts/system_deps.sh (gdal-bin)", file=sys.stderr)
        return 2
    base = make_url(load_settings().database_url).database
    url = _scratch_url(args.database or f"{base}_bench_export")
    _create(url, args.size)
    os.environ["DATABASE_URL"] = url  # our export reads the scratch database too
    get_engine.cache_clear()
    sql, params = layer_sql(LAYERS["resources"], viewer=PUBLIC, geometry=("native",))
    assert not params
    src = _pg_source(url)
    ogr_version = subprocess.run(["ogr2ogr", "--version"], capture_output=True, text=True)
    times: dict[str, list[float]] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for r in range(args.rounds):
                folder = Path(tmp, str(r))
                for name, job in _jobs(folder, sql, src).items():
                    times.setdefault(name, []).append(_timed(job))
                print(
                    f"round {r + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items())
                )
    finally:
        if not args.keep:
            _drop(url)
    med = {k: statistics.median(v) for k, v in times.items()}
    print()
    print(f"{args.size:,} resources, public view, EPSG:4326; {ogr_version.stdout.strip()}; "
          f"median of {args.rounds} rounds")  # fmt: skip
    print(f"{'format':<28}{'ogr2ogr':>10}{'ours':>10}{'ratio':>8}{'target':>8}")
    rows = [
        ("GeoPackage", "ogr_gpkg", "our_gpkg"),
        ("Shapefile CP949 (.zip)", "ogr_shp", "our_shp"),
        ("Shapefile CP949 (no zip)", "ogr_shp", "our_shp_nozip"),
    ]
    ok = True
    for label, ref, ours in rows:
        ratio = med[ours] / med[ref]
        ok &= ratio <= 1.2
        print(f"{label:<28}{med[ref]:>9.2f}s{med[ours]:>9.2f}s{ratio:>7.2f}x{'<=1.2x':>8}")
    print("target met" if ok else "target NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
