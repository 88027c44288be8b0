"""An import cannot take more memory than its ceiling, and long lines stream like short ones.

What a user (or an operator watching the server) notices: a file built to explode in
memory is refused with a message naming the limit, nothing is written, and the app stays
up; a legitimate file of a few very long lines (big descriptions) imports whole without
being held in memory.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from loaders import bounded, readers
from loaders.bounded import ImportTooLarge, import_file
from loaders.plan import ImportOptions, prepare
from loaders.readers import ZipTooLarge
from tests.import_fixtures import true_points
from tests.test_hostile import cli_env

REPO = Path(__file__).resolve().parent.parent
OPTS = ImportOptions(kind="space", category="library")


def _long_lines_csv(path: Path, rows: int, cell_mb: int) -> dict[str, str]:
    """A CSV of ``rows`` resources, each with a description of about ``cell_mb`` MB.

    Returns the md5 of each name's description, to compare with what is stored.
    """
    pts = true_points(rows, seed=71)
    sums = {}
    with open(path, "w", encoding="utf-8") as f:
        f.write("시설명,설명,위도,경도\n")
        for i, r in enumerate(pts.itertuples()):
            text = (f"{i}번째 공간의 긴 소개 " * (cell_mb * 2**20 // 30))[: cell_mb * 2**20 // 3]
            sums[r.name] = hashlib.md5(text.encode()).hexdigest()
            f.write(f"{r.name},{text},{r.lat},{r.lon}\n")
    return sums


def _records_json(path: Path, n: int) -> None:
    """A plain JSON list of ``n`` records: a few tens of MB, several times that once parsed."""
    pts = true_points(50, seed=72)
    rows = [
        {
            "시설명": f"쉼터 {i}",
            "위도": float(pts.lat.iloc[i % 50]),
            "경도": float(pts.lon.iloc[i % 50]),
            "비고": "무더위쉼터 운영 안내 " * 20,
        }
        for i in range(n)
    ]
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")


def _count(engine: sa.Engine, sql: str, **params) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(sql), params).scalar_one())


def test_a_csv_of_few_very_long_lines_is_sampled_not_read_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "SAMPLE_BYTES", 2 * 2**20)
    _long_lines_csv(tmp_path / "short.csv", rows=2, cell_mb=1)
    prepare(tmp_path / "short.csv", OPTS)  # what any first file loads (vocabulary, areas)
    path = tmp_path / "long.csv"
    _long_lines_csv(path, rows=40, cell_mb=2)  # 60 MB in 41 lines
    tracemalloc.start()
    try:
        plan = prepare(path, OPTS)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not plan.table.complete  # the rows stream to COPY
    size = path.stat().st_size
    # What is held is a few fixed-size read buffers, not the file (which was read whole).
    assert peak < size / 4, f"held {peak / 2**20:.0f} MB of a {size / 2**20:.0f} MB file"


def test_long_lines_import_whole_under_a_tight_memory_ceiling(
    tmp_path, engine, monkeypatch, cleanup
):
    monkeypatch.setenv("MAEUL_IMPORT_MEMORY_MB", "160")
    path = tmp_path / "long.csv"
    sums = _long_lines_csv(path, rows=40, cell_mb=2)  # 80 MB
    source = cleanup.source("t-long-lines")
    report = import_file(path, ImportOptions(kind="space", category="library", source=source))
    assert report.inserted == 40 and not report.rejected
    with engine.connect() as conn:
        stored = dict(
            conn.execute(
                sa.text("SELECT name, md5(description) FROM resources WHERE source = :s"),
                {"s": source},
            ).all()
        )
    assert stored == sums


def test_a_file_that_explodes_in_memory_is_refused_at_the_ceiling(tmp_path, engine, monkeypatch):
    path = tmp_path / "shelters.json"
    _records_json(path, 120_000)  # about 40 MB on disk
    runs = _count(engine, "SELECT count(*) FROM import_runs")
    options = ImportOptions(kind="space", category="library", source="t-bomb")
    monkeypatch.setenv("MAEUL_IMPORT_MEMORY_MB", "64")
    with pytest.raises(ImportTooLarge) as caught:
        import_file(path, options)
    assert "64 MB" in caught.value.user_msg
    assert _count(engine, "SELECT count(*) FROM resources WHERE source = 't-bomb'") == 0
    assert _count(engine, "SELECT count(*) FROM import_runs") == runs
    # The same file with room to breathe is read to the last row: the ceiling, not the
    # file, refused it.
    monkeypatch.setenv("MAEUL_IMPORT_MEMORY_MB", "2048")
    report = import_file(path, options, dry_run=True)
    assert report.read == 120_000


def _die(*, progress) -> None:
    os.kill(os.getpid(), signal.SIGKILL)  # what the kernel's OOM killer does


def test_an_import_process_that_is_killed_gives_the_same_clear_message():
    with pytest.raises(ImportTooLarge) as caught:
        bounded._call(_die)
    assert "-9" in caught.value.detail
    assert "MB" in caught.value.user_msg


def test_the_command_line_names_the_ceiling_without_a_traceback(tmp_path, db_url):
    path = tmp_path / "shelters.json"
    _records_json(path, 120_000)
    env = cli_env(db_url, tmp_path, MAEUL_IMPORT_MEMORY_MB="64")
    done = subprocess.run(
        [sys.executable, "-m", "loaders", "import", str(path), "--kind", "space",
         "--category", "library", "--source", "t-bomb-cli"],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=300,
    )  # fmt: skip
    out = done.stdout + done.stderr
    assert done.returncode == 2, out
    assert "64 MB" in out and "Traceback" not in out


def test_a_population_xlsx_that_would_expand_past_the_limit_is_refused_unread(monkeypatch):
    from loaders import population

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:  # an XLSX is a zip
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/sharedStrings.xml", "<sst>" + "가" * (3 * 2**20) + "</sst>")
    monkeypatch.setenv("MAEUL_MAX_UNZIPPED_MB", "2")
    with pytest.raises(ZipTooLarge) as caught:
        population.read_table(buf.getvalue())
    assert "2 MB" in caught.value.user_msg


def test_an_error_raised_in_the_import_process_arrives_whole(tmp_path):
    """The page asks for missing columns from what the error carries (loaders.plan)."""
    from loaders.plan import MissingFields

    path = tmp_path / "no_name.csv"
    path.write_text("위도,경도\n37.55,126.92\n", encoding="utf-8")
    with pytest.raises(MissingFields) as caught:
        bounded.prepare_plan(path, OPTS)
    assert caught.value.missing == ["name"]
    assert caught.value.columns == ["위도", "경도"]
