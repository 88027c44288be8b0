"""The `maeul` console script, its exit codes, and what the operator's log says.

Run through the installed script (``make install`` puts it in ``.venv/bin``), as an
operator would.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from geo.cli import EXIT_CODES
from tests.import_fixtures import true_points
from tests.test_hostile import cli_env

MAEUL = Path(sys.executable).parent / "maeul"
REPO = Path(__file__).resolve().parent.parent


def _maeul(*args: str, db_url: str, tmp: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(MAEUL), *args],
        capture_output=True,
        text=True,
        cwd=tmp,
        env=cli_env(db_url, tmp, **env),
        timeout=300,
    )


def test_maeul_is_installed_and_lists_every_command_and_exit_code(tmp_path, db_url):
    assert MAEUL.is_file(), "`make install` installs the project with its console script"
    done = _maeul("--help", db_url=db_url, tmp=tmp_path)
    assert done.returncode == 0
    for command in ("setup", "import", "export", "bundle", "ogcapi", "create-user"):
        assert f"\n  {command} " in done.stdout
    for code, meaning in EXIT_CODES.items():
        assert f"{code}  {meaning}" in done.stdout
    version = _maeul("--version", db_url=db_url, tmp=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("maeul 0.")


def test_output_into_a_closed_pipe_is_no_error(tmp_path, db_url):
    """``maeul --help | head -1``: the reader leaves early; no traceback, exit code 0."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone before we write
    try:
        done = subprocess.run(
            [str(MAEUL), "--help"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
            env=cli_env(db_url, tmp_path),
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert _maeul("no-such-command", db_url=db_url, tmp=tmp_path).returncode == 2


def test_strict_import_exits_1_when_rows_are_rejected_and_keeps_the_valid_ones(
    tmp_path, db_url, engine, cleanup
):
    pts = true_points(3, seed=81)
    lines = ["시설명,위도,경도"] + [f"{r.name},{r.lat},{r.lon}" for r in pts.itertuples()]
    lines.append("부산 도서관,35.1796,129.0756")  # outside Seoul: rejected
    (tmp_path / "f.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    source = cleanup.source("t-cli")
    args = ("import", "f.csv", "--kind", "space", "--category", "library", "--source", source)
    strict = _maeul(*args, "--strict", db_url=db_url, tmp=tmp_path)
    assert strict.returncode == 1, strict.stderr
    assert "--strict" in strict.stderr and "Traceback" not in strict.stderr
    with engine.connect() as conn:
        n = conn.execute(sa.text("SELECT count(*) FROM resources WHERE source = :s"), {"s": source})
        assert n.scalar_one() == 3
    lenient = _maeul(*args, db_url=db_url, tmp=tmp_path)
    assert lenient.returncode == 0, lenient.stderr


def test_an_import_is_logged_with_its_counts_at_info(tmp_path, db_url, engine):
    pts = true_points(2, seed=82)
    lines = ["시설명,연락처,위도,경도"] + [
        f"{r.name},010-1234-5678,{r.lat},{r.lon}" for r in pts.itertuples()
    ]
    (tmp_path / "g.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = _maeul(
        "import", "g.csv", "--kind", "space", "--category", "library", "--source", "t-log",
        "--dry-run", db_url=db_url, tmp=tmp_path, MAEUL_LOG_LEVEL="INFO",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stderr.splitlines() if "maeul.loaders.ingest" in x)
    assert "t-log" in line and "'read': 2" in line
    assert "010-1234-5678" not in done.stderr  # never a contact


def test_a_slow_statement_is_logged_with_its_sql_and_never_its_parameters(db_url, monkeypatch):
    from geo.db import get_engine

    monkeypatch.setenv("MAEUL_SLOW_QUERY_MS", "20")
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    slow = logging.getLogger("maeul.geo.db.slow")
    slow.addHandler(handler)
    old_level = slow.level
    slow.setLevel(logging.INFO)
    engine = get_engine.__wrapped__(db_url)  # a new engine, made with the setting
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT pg_sleep(0.05), :contact"), {"contact": "010-9876-5432"})
            conn.execute(sa.text("SELECT 1"))
    finally:
        engine.dispose()
        slow.removeHandler(handler)
        slow.setLevel(old_level)
    logged = [r.getMessage() for r in records]
    assert len(logged) == 1 and "pg_sleep" in logged[0]
    assert "010-9876-5432" not in logged[0]


@pytest.mark.parametrize("command", ["export", "bundle"])
def test_layer_commands_return_the_usage_code_for_a_bad_district(tmp_path, db_url, command):
    done = _maeul(
        command, "--district", "없는구", "--format", "gpkg", "-o", str(tmp_path / "x.gpkg"),
        db_url=db_url, tmp=tmp_path,
    ) if command == "export" else _maeul(
        command, "--district", "없는구", "-o", str(tmp_path / "x.zip"), db_url=db_url, tmp=tmp_path
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
