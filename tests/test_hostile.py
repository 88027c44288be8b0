"""Hostile and broken input gets a clear message, never a traceback or a raw driver error.

Each case is something a user can send: a file to import, text in a filter or a sign-in
box, a command-line argument. The outcome a user notices is an
:class:`~geo.errors.AtlasError` with a message (on a page) or ``error: ...`` and a non-zero
exit code (on the command line), and nothing written.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from geo import editing, incidents
from geo.access import PUBLIC, Viewer
from geo.auth import LoginFailed, authenticate
from geo.conflicts import ConflictFilter, register
from geo.errors import MAX_QUERY_TEXT, AtlasError, InvalidInput
from geo.nearby import Place, nearby
from geo.queries import ResourceFilter, resources
from geo.settings import load_settings
from loaders.plan import ImportOptions, prepare
from loaders.readers import MAX_COLUMNS

REPO = Path(__file__).resolve().parent.parent
OPTS = ImportOptions(kind="space", category="library")


def _fake_xls(path: Path) -> Path:
    """An OLE2 signature and nothing valid after it (xlrd: CompDocError)."""
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    return path


def test_a_one_megabyte_description_is_read_whole(tmp_path):
    path = tmp_path / "long.csv"
    text = ("긴 설명 " * 150_000).strip()  # about 1.6 MB in UTF-8, one cell
    path.write_text(f"이름,설명,위도,경도\n작은도서관,{text},37.55,126.98\n", encoding="utf-8")
    plan = prepare(path, OPTS)
    assert len(plan.table.frame) == 1
    assert plan.table.frame.iloc[0]["설명"] == text


def test_a_header_of_200000_columns_is_refused_with_a_reason(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(200_000)) + "\n" + "1," * 199_999 + "1\n")
    with pytest.raises(InvalidInput) as caught:
        prepare(path, OPTS)
    assert f"{MAX_COLUMNS:,}" in caught.value.user_msg
    assert "200,000" in caught.value.user_msg


@pytest.mark.parametrize(
    "name, content",
    [
        ("fake.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600),
        ("text.xls", "이름,위도\n가,37.5\n".encode()),
        ("empty.xlsx", b""),
        ("notzip.xlsx", b"PK\x03\x04 not really a zip"),
        ("broken.gpkg", b"SQLite format 3\x00" + b"\xff" * 200),
        ("broken.geojson", b'{"type": "FeatureCollection", "features": [{"type": '),
        ("broken.kml", b"<kml><Document><Placemark><Point><coordinates>1,"),
        ("nul.csv", b"\xec\x9d\xb4\xeb\xa6\x84,\xec\x9c\x84\xeb\x8f\x84\n\x00\x00,\x00\n"),
        ("quote.csv", b'name,lat\n"unterminated,37.5\n' + b"x" * 300_000),
    ],
)
def test_broken_files_get_a_message(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    try:
        prepare(path, OPTS)
    except AtlasError as exc:
        assert exc.user_msg
    # Reading a file may also succeed (with rows to reject later): never anything else.


@pytest.mark.parametrize(
    "call",
    [
        lambda: resources(PUBLIC, ResourceFilter(text="도서관\x00")),
        lambda: resources(PUBLIC, ResourceFilter(categories=("library\x00",))),
        lambda: nearby(PUBLIC, Place(126.98, 37.55), flt=ResourceFilter(text="\x00")),
        lambda: register(ConflictFilter(departments=("도시\x00계획과",))),
        lambda: editing.find_records(Viewer("admin", "admin"), "resources", text="a\x00"),
        lambda: editing.check_values("resources", {"name": "이름\x00"}),
    ],
    ids=["filter text", "category", "nearby text", "department", "edit search", "edit field"],
)
def test_nul_in_text_is_a_clear_error(engine, call):
    with pytest.raises(InvalidInput) as caught:
        call()
    assert "NUL" in str(caught.value)


def test_nul_in_a_user_name_is_a_failed_sign_in(engine):
    with pytest.raises(LoginFailed):
        authenticate("admin\x00", "whatever password", sleep=lambda s: None)


@pytest.mark.parametrize(
    "make",
    [
        lambda: ResourceFilter(text="가" * (MAX_QUERY_TEXT + 1)),
        lambda: ResourceFilter(categories=("x" * 10_000,)),
    ],
    ids=["text", "category"],
)
def test_query_text_is_bounded_in_the_domain(engine, make):
    # Refused when the filter is made (geo.filters), before any query could run.
    with pytest.raises(InvalidInput) as caught:
        resources(PUBLIC, make())
    assert str(MAX_QUERY_TEXT) in str(caught.value)


def cli_env(db_url: str, tmp: Path, **extra: str) -> dict[str, str]:
    """A bare environment for a command line run as an operator would: the test database,
    its password file, an error log and a home in ``tmp``, plus ``extra`` settings."""
    return {
        "DATABASE_URL": db_url,
        "MAEUL_PGPASSFILE": load_settings().pgpassfile,
        "MAEUL_ERROR_LOG": str(tmp / "errors.log"),
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp),
    } | extra


def _cli(module: str, *args: str, tmp: Path, db_url: str) -> subprocess.CompletedProcess:
    env = cli_env(db_url, tmp)
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=300,
    )


@pytest.mark.parametrize(
    "module, args",
    [
        ("loaders", ["population", "{fake_xls}"]),
        ("loaders", ["import", "{fake_xls}", "--kind", "space", "--category", "library"]),
        ("loaders", ["--database-url", "nonsense", "setup"]),
        ("loaders", ["import", "{csv}", "--kind", "space", "--category", "library",
                     "--dry-run", "--report", "/nonexistent/folder/report.json"]),
        ("layers", ["export", "resources", "-o", "{tmp}/no/such/folder/x.gpkg"]),
    ],
)  # fmt: skip
def test_command_line_shows_a_message_not_a_traceback(db_url, tmp_path, module, args):
    csv_path = tmp_path / "ok.csv"
    csv_path.write_text("이름,위도,경도\n작은도서관,37.55,126.98\n", encoding="utf-8")
    fake = _fake_xls(tmp_path / "fake.xls")
    filled = [a.format(fake_xls=fake, csv=csv_path, tmp=tmp_path) for a in args]
    done = _cli(module, *filled, tmp=tmp_path, db_url=db_url)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stderr.strip().splitlines()[-1].startswith("error: ")


def test_an_unexpected_error_is_logged_privately_with_a_number(tmp_path, monkeypatch):
    monkeypatch.setenv("MAEUL_ERROR_LOG", str(tmp_path / "state" / "errors.log"))
    try:
        int("not a number")
    except ValueError as exc:
        err = incidents.record(exc, where="test")
    assert err.incident in err.args[0] and "Traceback" not in err.user_msg
    logged = incidents.find(err.incident)
    assert logged is not None and "Traceback" in logged and "not a number" in logged
    mode = stat.S_IMODE(os.stat(tmp_path / "state" / "errors.log").st_mode)
    assert mode == 0o600


def test_a_small_xlsx_that_declares_a_huge_sheet_is_refused_before_memory_runs_out(tmp_path):
    """One cell at the last row Excel allows: a few KB that iterate as 10.5 million cells."""
    from openpyxl import Workbook

    from loaders.readers import MAX_SHEET_CELLS

    wb = Workbook()
    ws = wb.active
    ws.append(["이름", "위도", "경도"])
    ws.append(["작은도서관", 37.55, 126.98])
    ws.cell(row=1_048_576, column=10, value="x")
    path = tmp_path / "tall.xlsx"
    wb.save(path)
    assert path.stat().st_size < 100_000
    with pytest.raises(InvalidInput) as caught:
        prepare(path, OPTS)
    assert f"{MAX_SHEET_CELLS:,}" in caught.value.user_msg
