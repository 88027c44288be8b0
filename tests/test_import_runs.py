"""Import runs as history (issue 16): what a run added, undoing it, and area codes that no
write path can get wrong (checked once per statement since migration 0013)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from geo import editing, imports
from geo.access import Viewer
from geo.errors import Forbidden, InvalidInput, NotFound
from loaders.ingest import ImportFailed, run_import
from loaders.plan import ImportOptions, prepare
from tests.import_fixtures import true_points, write_csv

REPO = Path(__file__).resolve().parent.parent
SOURCE = "t-runs"
ADMIN = Viewer("admin", "runs.admin")
#: Seoul City Hall (중구); the square around it is the fake area of the stale-cells test.
HALL = (126.9780, 37.5665)


@pytest.fixture
def clean(cleanup):
    cleanup.source("t-runs%")
    cleanup.users("runs.%")


def _import(engine, path: Path, source: str = SOURCE):
    plan = prepare(path, ImportOptions(source=source, category="library", actor="runs.admin"))
    return run_import(plan, engine=engine)


def _file(tmp_path: Path, pts: pd.DataFrame, name: str = "places.csv") -> Path:
    df = pd.DataFrame(
        {
            "관리번호": [f"R{i:03d}" for i in range(len(pts))],
            "시설명": pts["name"],
            "위도": pts["lat"],
            "경도": pts["lon"],
        }
    )
    write_csv(tmp_path / name, df)
    return tmp_path / name


def _active(engine, source: str = SOURCE) -> set[str]:
    with engine.connect() as conn:
        return set(
            conn.execute(
                sa.text("SELECT source_id FROM resources WHERE source = :s AND retired_at IS NULL"),
                {"s": source},
            ).scalars()
        )


def test_what_an_import_added_and_undoing_exactly_that(tmp_path, engine, clean):
    pts = true_points(10, seed=31)
    first = _import(engine, _file(tmp_path, pts.iloc[:6]))
    # The second file changes one known row and adds four new ones.
    second_pts = pts.copy()
    second_pts.loc[0, "name"] = second_pts.loc[0, "name"] + " (새 이름)"
    second = _import(engine, _file(tmp_path, second_pts))
    assert (first.inserted, second.inserted, second.updated) == (6, 4, 1)

    added = imports.added_by(ADMIN, second.run_id)
    assert sorted(added["source_id"]) == ["R006", "R007", "R008", "R009"]
    assert sorted(imports.added_by(ADMIN, first.run_id)["source_id"]) == [
        f"R{i:03d}" for i in range(6)
    ]

    # A record's history starts with the run that created it.
    rid = int(added["id"].iloc[0])
    first_line = editing.record_history(ADMIN, "resources", rid).iloc[0]
    assert (first_line["operation"], first_line["field"]) == ("IMPORT", "import_run")
    assert first_line["new"].startswith(f"#{second.run_id} places.csv sha256 ")

    assert imports.undo_import(ADMIN, second.run_id) == 4
    # Exactly the four it created are retired; the row it only updated stays active.
    assert _active(engine) == {f"R{i:03d}" for i in range(6)}
    with engine.connect() as conn:
        run = conn.execute(
            sa.text("SELECT undone_by, undone_at FROM import_runs WHERE id = :id"),
            {"id": second.run_id},
        ).one()
        retired_history = conn.execute(
            sa.text(
                """SELECT count(*) FROM change_history h JOIN resources r
                     ON h.table_name = 'resources' AND h.record_id = r.id
                   WHERE r.import_run = :run AND h.operation = 'UPDATE'
                     AND h.new_values ? 'retired_at'"""
            ),
            {"run": second.run_id},
        ).scalar_one()
    assert run.undone_by == "runs.admin" and run.undone_at is not None
    assert retired_history == 4  # a retirement is still a history row per record
    with pytest.raises(InvalidInput):
        imports.undo_import(ADMIN, second.run_id)
    with pytest.raises(NotFound):
        imports.undo_import(ADMIN, 999_999_999)


def test_an_undo_is_all_or_nothing(tmp_path, engine, clean):
    """A district officer may not undo an import that reaches outside their district:
    refused whole, not the part inside their district retired."""
    pts = true_points(12, seed=32)
    report = _import(engine, _file(tmp_path, pts))
    own = pts["district_code"].iloc[0]
    assert (pts["district_code"] != own).any()
    officer = Viewer("district_officer", "runs.officer", own)
    with pytest.raises(Forbidden):
        imports.undo_import(officer, report.run_id)
    assert len(_active(engine)) == 12
    with engine.connect() as conn:
        undone = conn.execute(
            sa.text("SELECT undone_at FROM import_runs WHERE id = :id"), {"id": report.run_id}
        ).scalar_one()
    assert undone is None


def test_command_line_lists_and_undoes_an_import(tmp_path, engine, clean):
    report = _import(engine, _file(tmp_path, true_points(5, seed=33)))

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "loaders", *args],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )

    listed = cli("import-added", str(report.run_id))
    assert listed.returncode == 0, listed.stderr
    assert f"import #{report.run_id} added 5 records (5 still active)" in listed.stdout
    undone = cli("undo-import", str(report.run_id))
    assert undone.returncode == 0, undone.stderr
    assert "5 records retired" in undone.stdout
    assert _active(engine) == set()
    again = cli("undo-import", str(report.run_id))
    assert again.returncode == 2 and "Traceback" not in again.stderr
    assert "undone already" in again.stderr


# --- area codes: every write path ------------------------------------------------------------


@pytest.fixture
def stale_cells(engine):
    """``dong_cells`` still holding a dong (and district) that no longer exist.

    The importer's spatial join reads the cells, so points in that square come out of the
    join with codes ``dongs``/``districts`` do not have: a writer's bug, made real.
    """
    x, y = HALL
    square = f"ST_Multi(ST_MakeEnvelope({x - 0.002}, {y - 0.002}, {x + 0.002}, {y + 0.002}, 4326))"
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                f"""INSERT INTO districts (code, name_ko, name_en, area_km2, geom)
                    VALUES ('00000', '시험구', 'Test-gu', 0.2, {square})"""
            )
        )
        conn.execute(
            sa.text(
                f"""INSERT INTO dongs (code, district_code, name_ko, area_km2, geom, label_point)
                    VALUES ('00000000', '00000', '시험동', 0.2, {square},
                            ST_SetSRID(ST_MakePoint({x}, {y}), 4326))"""
            )
        )
        conn.execute(sa.text("REFRESH MATERIALIZED VIEW dong_cells"))
        conn.execute(sa.text("DELETE FROM dongs WHERE code = '00000000'"))
        conn.execute(sa.text("DELETE FROM districts WHERE code = '00000'"))
    yield
    with engine.begin() as conn:
        conn.execute(sa.text("REFRESH MATERIALIZED VIEW dong_cells"))


def _counts(engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(
            conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("resources", "import_runs", "change_history")
        )


def test_the_importer_cannot_write_an_unknown_area_code(tmp_path, engine, clean, stale_cells):
    x, y = HALL
    pts = pd.DataFrame(
        {
            "name": ["시청 앞 작은도서관", "시청 옆 북카페"],
            "lon": [x + 0.0005, x - 0.0005],
            "lat": [y + 0.0005, y - 0.0005],
        }
    )
    before = _counts(engine)
    with pytest.raises(ImportFailed) as err:
        _import(engine, _file(tmp_path, pts))
    assert "area codes" in err.value.detail
    assert _counts(engine) == before


def test_an_app_edit_cannot_write_an_unknown_area_code(engine, clean, monkeypatch):
    """The editor's spatial lookup swapped for one that answers a code no dong has (a
    writer's bug): the database refuses the write and nothing is stored."""
    monkeypatch.setattr(editing, "locate", lambda conn, x, y: ("11440", "99999999"))
    before = _counts(engine)
    with pytest.raises(InvalidInput):
        editing.save_record(
            ADMIN,
            "resources",
            {
                "name": "t-runs 편집",
                "kind": "space",
                "category": "library",
                "visibility": "public",
            },
            lon=126.9045,
            lat=37.5560,
        )
    assert _counts(engine) == before


def _refused(engine, sql: str) -> None:
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(sa.text(sql))


def test_direct_sql_as_the_app_role_cannot_break_codes_or_runs(engine, clean):
    point = "ST_SetSRID(ST_MakePoint(126.9045, 37.5560), 4326)"
    insert = f"""INSERT INTO resources (kind, category, name, geom, source, source_id,
                     district_code, dong_code, import_run)
                 VALUES ('space', 'library', 'x', {point}, 't-runs-sql', 'x1', {{}})"""
    with engine.connect() as conn:
        mapo_dong, other = conn.execute(
            sa.text(
                """SELECT (SELECT code FROM dongs WHERE district_code = '11440' LIMIT 1),
                          (SELECT code FROM districts WHERE code <> '11440' LIMIT 1)"""
            )
        ).one()
    _refused(engine, insert.format("'11440', '99999999', NULL"))  # no such dong
    _refused(engine, insert.format("'99999', NULL, NULL"))  # no such district
    _refused(engine, insert.format(f"'{other}', '{mapo_dong}', NULL"))  # dong elsewhere
    _refused(engine, insert.format("'11440', NULL, 999999999"))  # no such run
    # A valid row goes in; then no update, and no change of the reference tables, may
    # leave it naming what does not exist.
    with engine.begin() as conn:
        conn.execute(sa.text(insert.format(f"'11440', '{mapo_dong}', NULL")))
    _refused(engine, "UPDATE resources SET dong_code = '99999999' WHERE source = 't-runs-sql'")
    _refused(engine, f"UPDATE dongs SET district_code = '{other}' WHERE code = '{mapo_dong}'")
    _refused(engine, f"DELETE FROM dongs WHERE code = '{mapo_dong}'")
    # The category too is checked per statement (migration 0014), both ways.
    _refused(engine, "UPDATE resources SET category = 'no_such' WHERE source = 't-runs-sql'")
    with engine.begin() as conn:  # book_cafe: no spelling names it, only this record
        conn.execute(
            sa.text("UPDATE resources SET category = 'book_cafe' WHERE source = 't-runs-sql'")
        )
    _refused(engine, "DELETE FROM categories WHERE code = 'book_cafe'")
    with engine.connect() as conn:
        kept = conn.execute(
            sa.text("SELECT dong_code, category FROM resources WHERE source = 't-runs-sql'")
        ).one()
    assert tuple(kept) == (mapo_dong, "book_cafe")


def test_a_run_still_named_by_records_cannot_be_deleted(tmp_path, engine, clean):
    report = _import(engine, _file(tmp_path, true_points(3, seed=34)))
    _refused(engine, f"DELETE FROM import_runs WHERE id = {report.run_id}")
    assert len(_active(engine)) == 3
