"""Reads on a streaming replica: ``scripts/pg.sh --replica`` and ``DATABASE_READ_URL``.

The module makes a throw-away primary cluster with pg.sh (a free port, its own password
file; not the app's or the tests' cluster), then a standby of it with ``--replica``, and
migrates the primary. Public page reads must go to the standby, staff reads and every
write to the primary, and a write on the primary must reach the standby's readers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from geo import db, nearby, queries
from geo.access import PUBLIC, Viewer
from tests.browser import free_port
from tests.test_pg import cluster_env

REPO = Path(__file__).resolve().parent.parent
PG_SH = REPO / "scripts" / "pg.sh"
PLANNER = Viewer("planner", "replica-planner")
#: Generous: streaming replication on loopback takes milliseconds; the machine is shared.
CATCH_UP_S = 30


@dataclass
class Pair:
    """A primary and its standby, both made by pg.sh."""

    primary_url: str
    replica_url: str
    passfile: Path


def _run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        ["bash", str(PG_SH), *args], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    top = Path(tempfile.mkdtemp(prefix="maeul-replica-"))
    top.chmod(0o755)  # the postgres user must reach the data folders inside
    port, rport = free_port(), free_port()
    while rport == port:
        rport = free_port()
    passfile = top / "pgpass"
    env = cluster_env(top / "pgdata", port, passfile)
    try:
        out = _run(env, "--replica", str(rport), "maeul")
        assert f"replica ready: postgresql+psycopg://maeul@127.0.0.1:{rport}/maeul" in out
        yield Pair(
            f"postgresql+psycopg://maeul@127.0.0.1:{port}/maeul",
            f"postgresql+psycopg://maeul@127.0.0.1:{rport}/maeul",
            passfile,
        )
    finally:
        subprocess.run(["bash", str(PG_SH), "--drop-replica", str(rport)], env=env, check=False)
        bin_dir = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        stop = ["-D", str(top / "pgdata"), "-m", "immediate", "-w", "stop"]
        if (top / "pgdata" / "postmaster.pid").exists():
            subprocess.run(
                [*prefix, str(bin_dir / "pg_ctl"), *stop],
                check=False,
                capture_output=True,
            )
        shutil.rmtree(top, ignore_errors=True)


@pytest.fixture
def routed(pair: Pair, monkeypatch: pytest.MonkeyPatch) -> Iterator[Pair]:
    """The app configured with the pair: DATABASE_URL the primary, DATABASE_READ_URL the
    standby; the primary migrated."""
    from geo.migrate import upgrade

    monkeypatch.setenv("DATABASE_URL", pair.primary_url)
    monkeypatch.setenv("DATABASE_READ_URL", pair.replica_url)
    monkeypatch.setenv("MAEUL_PGPASSFILE", str(pair.passfile))
    # The default engine (DATABASE_URL) is made once per process: forget the test
    # database's, so the default is this primary, as in a process started with it.
    db.get_engine.cache_clear()
    db._reads.cache_clear()
    upgrade(pair.primary_url)
    yield pair
    db.read_as(None)
    for url in (None, pair.primary_url, pair.replica_url):
        db.get_engine(url).dispose()
    db.get_engine.cache_clear()  # the next tests make theirs for the test database again
    db._reads.cache_clear()


def _in_recovery(conn: sa.Connection) -> bool:
    return conn.execute(sa.text("SELECT pg_is_in_recovery()")).scalar_one()


def _port(conn: sa.Connection) -> int:
    return conn.execute(sa.text("SELECT inet_server_port()")).scalar_one()


def test_public_reads_go_to_the_replica_staff_and_writes_to_the_primary(routed: Pair) -> None:
    assert db.read_url(PUBLIC) == routed.replica_url
    primary, replica = (
        sa.engine.make_url(u).port for u in (routed.primary_url, routed.replica_url)
    )
    with db.connect_read(PUBLIC) as conn:
        assert _in_recovery(conn) and _port(conn) == replica  # the standby answered
        with pytest.raises(sa.exc.InternalError, match="read-only transaction"):
            conn.execute(sa.text("CREATE TABLE nope (x int)"))
    # Signed-in staff read their own writes: the primary, also through functions without
    # a viewer once the run declared who reads (app.py does it on every run).
    assert db.read_url(PLANNER) is None
    db.read_as(PLANNER)
    with db.connect_read() as conn:
        assert not _in_recovery(conn) and _port(conn) == primary
    db.read_as(None)
    with db.connect_read() as conn:
        assert _in_recovery(conn) and _port(conn) == replica
    with db.transaction() as conn:  # writes: the primary
        assert not _in_recovery(conn) and _port(conn) == primary


def test_a_write_on_the_primary_reaches_public_searches_on_the_replica(routed: Pair) -> None:
    place = nearby.Place(126.9780, 37.5665, "서울광장")
    name = f"복제 확인 공간 {time.time_ns()}"
    before = queries.count_resources(PUBLIC)["space"]
    with db.transaction() as conn:  # as staff would add it: on the primary
        conn.execute(
            sa.text(
                "INSERT INTO resources (kind, category, name, geom, source, source_id) VALUES "
                "('space', 'unclassified', :name, ST_SetSRID(ST_MakePoint(:x, :y), 4326), "
                "'t-replica', :name)"
            ),
            {"name": name, "x": place.lon + 0.001, "y": place.lat},
        )
    deadline = time.monotonic() + CATCH_UP_S
    found: list = []
    while time.monotonic() < deadline:
        found = [h for h in nearby.nearby(PUBLIC, place, radius_m=500) if h.name == name]
        if found:
            break
        time.sleep(0.05)
    assert found, f"the replica did not show the new record within {CATCH_UP_S} s"
    assert 80 < found[0].distance_m < 100  # 0.001° of longitude at 37.57°N: about 88 m
    assert queries.count_resources(PUBLIC)["space"] == before + 1
    # The search really ran on the standby: its reads connections are there.
    with psycopg.connect(
        db.get_engine(routed.replica_url).url.set(drivername="postgresql").render_as_string(False),
        passfile=str(routed.passfile),
    ) as conn:
        apps = [
            r[0] for r in conn.execute("SELECT application_name FROM pg_stat_activity").fetchall()
        ]
    assert db.READS_APPLICATION in apps
