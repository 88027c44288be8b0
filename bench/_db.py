"""Scratch databases for benchmarks: created on the local cluster, filled in SQL, reused."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from geo.db import bulk, get_engine, libpq_args
from geo.progress import no_progress
from loaders.setup import setup_database

REPO = Path(__file__).resolve().parent.parent
#: The local cluster (password from the file scripts/pg.sh writes, see geo.db.libpq_args).
LOCAL = "postgresql+psycopg://maeul@127.0.0.1:{port}/{db}"


def bench_database(name: str) -> str:
    """URL of benchmark database ``name``, created (local cluster) and migrated if needed.

    With ``BENCH_DATABASE_URL`` set, that database is used instead.
    """
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        subprocess.run(
            ["bash", str(REPO / "scripts" / "pg.sh"), name],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        url = LOCAL.format(port=os.environ.get("MAEUL_PGPORT", "54329"), db=name)
    os.environ["DATABASE_URL"] = url
    setup_database(url, with_demo=False, progress=no_progress)
    return url


def fill_resources(url: str, rows: int, *, seed: int = 1) -> None:
    """Make exactly ``rows`` bench resources (source ``bench``), spread over Seoul's dongs.

    Points come from ``ST_GeneratePoints`` per dong, in proportion to its area; kinds cycle
    through the four kinds; dong and district are set from the dong the point was drawn in.
    History triggers are paused during the fill (a scratch database, not the app's).
    """
    engine = get_engine(url)
    with engine.connect() as conn:
        have = conn.execute(
            sa.text("SELECT count(*) FROM resources WHERE source = 'bench'")
        ).scalar_one()
    if have == rows:
        return
    with engine.begin() as conn:
        bulk(conn)
        conn.execute(sa.text("DELETE FROM resources WHERE source = 'bench'"))
        for trg in ("resources_history_ins", "resources_history_del"):
            conn.execute(sa.text(f"ALTER TABLE resources DISABLE TRIGGER {trg}"))
        conn.execute(
            sa.text(
                """
                WITH quota AS (
                    SELECT code, district_code, geom,
                           round(:rows * area_km2 / sum(area_km2) OVER ())::int AS n
                    FROM dongs),
                pts AS (
                    SELECT q.code, q.district_code,
                           (ST_Dump(ST_GeneratePoints(q.geom, q.n, :seed))).geom AS geom
                    FROM quota q WHERE q.n > 0)
                INSERT INTO resources (kind, category, name, geom, dong_code, district_code,
                                       source, source_id, is_demo)
                SELECT (ARRAY['human','space','heritage','other'])[1 + n % 4],
                       (ARRAY['artist','library','village_story','local_feature'])[1 + n % 4],
                       'bench ' || n, geom, code, district_code, 'bench', 'b' || n, true
                FROM (SELECT row_number() OVER () AS n, * FROM pts) numbered
                WHERE n <= :rows
                """
            ),
            {"rows": rows, "seed": seed},
        )
        for trg in ("resources_history_ins", "resources_history_del"):
            conn.execute(sa.text(f"ALTER TABLE resources ENABLE TRIGGER {trg}"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE resources"))


def psycopg_dsn(url: str) -> str:
    """The libpq form of a SQLAlchemy URL, for raw psycopg connections."""
    u = make_url(url)
    return u.set(drivername="postgresql", query={**u.query, **libpq_args()}).render_as_string(
        hide_password=False
    )
