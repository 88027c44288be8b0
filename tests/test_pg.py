"""scripts/pg.sh: the local cluster it makes lets nobody in without a password.

Each test runs the script for a throw-away cluster in a temporary folder on a free port,
with its own password file, and stops it afterwards. Not the app's or the tests' cluster.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.browser import free_port

REPO = Path(__file__).resolve().parent.parent
PG_SH = REPO / "scripts" / "pg.sh"


@dataclass
class Cluster:
    """A cluster made by pg.sh: its data folder, port and the app role's password file."""

    pgdata: Path
    port: int
    passfile: Path
    env: dict[str, str]

    def setup(self) -> str:
        """Run pg.sh (creating database ``maeul``); return its output."""
        done = subprocess.run(
            ["bash", str(PG_SH), "maeul"],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr + done.stdout
        return done.stdout + done.stderr

    def as_owner(self, *cmd: str) -> None:
        """Run a command as the cluster's OS owner (postgres when we are root)."""
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *cmd], check=True, capture_output=True)

    def connect(self, user: str, **kw) -> psycopg.Connection:
        """A TCP connection on loopback, with no password unless ``kw`` gives one."""
        kw.setdefault("passfile", str(self.pgdata.parent / "no-passfile"))
        return psycopg.connect(
            host="127.0.0.1", port=self.port, dbname="maeul", user=user, connect_timeout=5, **kw
        )

    def hba_methods(self) -> list[str]:
        """The method of each rule in pg_hba.conf (the last word of each non-comment line)."""
        lines = (self.pgdata / "pg_hba.conf").read_text().splitlines()
        rules = [ln.split("#")[0].split() for ln in lines]
        return [words[-1] if "=" not in words[-1] else words[-2] for words in rules if words]


def cluster_env(pgdata: Path, port: int, passfile: Path) -> dict[str, str]:
    """The environment for ``scripts/pg.sh`` to make a throw-away cluster (no fsync), not
    the test database's."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PGPASSFILE")}
    return env | {
        "MAEUL_PGDATA": str(pgdata),
        "MAEUL_PGPORT": str(port),
        "MAEUL_PGPASSFILE": str(passfile),
        "MAEUL_PG_FSYNC": "off",
    }


def _pg_ctl(cluster: Cluster, *args: str) -> None:
    bin_dir = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
    cluster.as_owner(str(bin_dir / "pg_ctl"), "-D", str(cluster.pgdata), *args)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    """A throw-away cluster folder on a free port (made by the test, stopped after it)."""
    top = Path(tempfile.mkdtemp(prefix="maeul-pgtest-"))
    top.chmod(0o755)  # the postgres user must reach the data folder inside
    port = free_port()
    passfile = top / "home" / ".config" / "maeul-atlas" / "pgpass"
    env = cluster_env(top / "pgdata", port, passfile)
    c = Cluster(top / "pgdata", port, passfile, env)
    try:
        yield c
    finally:
        if (c.pgdata / "postmaster.pid").exists():
            _pg_ctl(c, "-m", "immediate", "-w", "stop")
        shutil.rmtree(top, ignore_errors=True)


def _refused(cluster: Cluster, user: str, **kw) -> bool:
    try:
        cluster.connect(user, **kw).close()
    except psycopg.OperationalError:
        return True
    return False


def _check_locked_down(cluster: Cluster) -> None:
    assert "trust" not in cluster.hba_methods()
    assert set(cluster.hba_methods()) <= {"peer", "scram-sha-256", "reject"}
    # The superuser has no way in over TCP, with or without a password.
    assert _refused(cluster, "postgres")
    assert _refused(cluster, "postgres", password="postgres")
    # The app role: in with the password file only, and not a superuser.
    assert _refused(cluster, "maeul")
    assert _refused(cluster, "maeul", password="wrong")
    mode = stat.S_IMODE(cluster.passfile.stat().st_mode)
    assert mode == 0o600, oct(mode)
    with cluster.connect("maeul", passfile=str(cluster.passfile)) as conn:
        su, createdb, createrole = conn.execute(
            "SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        assert (su, createdb, createrole) == (False, True, False)
        # A superuser could run shell commands; the app role is refused.
        conn.execute("CREATE TEMP TABLE t (x text)")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("COPY t FROM PROGRAM 'id'")


def test_new_cluster_takes_no_connection_without_a_password(cluster: Cluster) -> None:
    out = cluster.setup()
    _check_locked_down(cluster)
    password = cluster.passfile.read_text().strip().rsplit(":", 1)[1]
    assert len(password) >= 24
    assert password not in out  # never printed
    # The database the app needs exists with PostGIS, owned by the app role.
    with cluster.connect("maeul", passfile=str(cluster.passfile)) as conn:
        assert conn.execute("SELECT postgis_version() IS NOT NULL").fetchone()[0]
        owner = conn.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'maeul'"
        ).fetchone()[0]
        assert owner == "maeul"
    # Databases the role makes itself (the tests') have PostGIS from template1.
    with cluster.connect("maeul", passfile=str(cluster.passfile), autocommit=True) as conn:
        conn.execute("CREATE DATABASE maeul_own")
    with psycopg.connect(
        host="127.0.0.1",
        port=cluster.port,
        dbname="maeul_own",
        user="maeul",
        passfile=str(cluster.passfile),
    ) as conn:
        assert conn.execute("SELECT postgis_version() IS NOT NULL").fetchone()[0]
    # Running again changes nothing and keeps the same password.
    cluster.setup()
    assert cluster.passfile.read_text().strip().rsplit(":", 1)[1] == password
    _check_locked_down(cluster)


def test_cluster_made_with_trust_is_migrated(cluster: Cluster) -> None:
    cluster.setup()
    # As the earlier pg.sh left it: trust everywhere, no password file.
    hba = cluster.pgdata / "pg_hba.conf"
    trust = "local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n"
    subprocess.run(
        ["runuser", "-u", "postgres", "--", "tee", str(hba)]
        if os.geteuid() == 0
        else ["tee", str(hba)],
        input=trust.encode(),
        check=True,
        capture_output=True,
    )
    _pg_ctl(cluster, "reload")
    cluster.passfile.unlink()
    for _ in range(50):  # the reload is asynchronous
        if not _refused(cluster, "postgres"):
            break
    assert not _refused(cluster, "postgres")  # the hole the issue describes
    cluster.setup()
    _check_locked_down(cluster)
