"""Connections: no statement runs unbounded, and a killed client's work is released at once.

Each case runs the application's own connection code (``geo.db``) in a child process, as
the app or the CLI would, against the test database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from geo.settings import load_settings

REPO = Path(__file__).resolve().parent.parent

TIMEOUTS = """
import sqlalchemy as sa
from geo.db import bulk, connect, transaction
from geo.errors import TooSlow
try:
    with connect() as conn:
        conn.execute(sa.text("SELECT pg_sleep(3)"))
    print("page query: finished")
except TooSlow as exc:
    print("page query: stopped:", exc.user_msg)
with transaction() as conn:
    bulk(conn)
    conn.execute(sa.text("SELECT pg_sleep(3)"))
    print("bulk query: finished")
"""

ORPHAN = """
import sqlalchemy as sa
from geo.db import transaction
with transaction() as conn:
    conn.execute(sa.text("SELECT * FROM db_test_lock WHERE id = 1 FOR UPDATE"))
    pid = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
    print(pid, flush=True)
    conn.execute(sa.text("SELECT pg_sleep(600)"))  # an import's long statement
"""


def _child(code: str, db_url: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={
            **os.environ,
            "DATABASE_URL": db_url,
            "MAEUL_PGPASSFILE": load_settings().pgpassfile,
            **env,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_long_statement_is_stopped_with_a_message_but_bulk_work_is_not(db_url):
    child = _child(TIMEOUTS, db_url, MAEUL_STATEMENT_TIMEOUT_S="1")
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("page query: stopped: 요청이 너무 오래 걸려"), out
    assert lines[1] == "bulk query: finished"


def test_a_killed_client_releases_its_locks_at_once(engine, db_url):
    """``kill -9`` of a process in the middle of a long statement (an import): its server
    process ends and its row locks are free within seconds, not when the statement would
    have ended (600 s). The loop waits at most 60 s for what takes about 2 s."""
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS db_test_lock"))
        conn.execute(sa.text("CREATE TABLE db_test_lock (id int PRIMARY KEY)"))
        conn.execute(sa.text("INSERT INTO db_test_lock VALUES (1)"))
    child, pid = _child(ORPHAN, db_url), None
    try:
        pid = int(child.stdout.readline())
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        alive = True
        for _ in range(120):
            with engine.connect() as conn:
                alive = bool(
                    conn.execute(
                        sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = :p"),
                        {"p": pid},
                    ).scalar_one()
                )
            if not alive:
                break
            time.sleep(0.5)
        assert not alive, "the killed client's statement is still running"
        with engine.begin() as conn:  # the row lock is free: NOWAIT would fail otherwise
            conn.execute(sa.text("SELECT * FROM db_test_lock WHERE id = 1 FOR UPDATE NOWAIT"))
    finally:
        if child.poll() is None:
            child.kill()
        with engine.begin() as conn:
            if pid is not None:
                conn.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid})
            conn.execute(sa.text("DROP TABLE IF EXISTS db_test_lock"))
