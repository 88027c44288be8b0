"""Every role against every action: view, exact point, contact, edit, import, export, users.

The expected outcomes are written out here from the issue's role descriptions (not read
from ``geo.access.RIGHTS``), and each is checked through the function a page or the CLI
calls, on real rows in PostGIS.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from geo import auth, editing, queries
from geo.access import PUBLIC, Viewer
from geo.errors import Forbidden
from geo.settings import load_settings
from layers.export.read import Selection, read_layers
from loaders.ingest import run_import
from loaders.plan import ImportOptions, prepare
from tests.conftest import add_resources

ROOT = Path(__file__).resolve().parent.parent
MAPO, GANGNAM = "11440", "11680"
OFFICER = Viewer("district_officer", "rights.officer", MAPO)
PLANNER = Viewer("planner", "rights.planner")
ADMIN = Viewer("admin", "rights.admin")
VIEWERS = {"public": PUBLIC, "officer": OFFICER, "planner": PLANNER, "admin": ADMIN}
#: Two people and two places, one of each in Mapo-gu (망원동) and Gangnam-gu (역삼동).
SPOTS = {"mapo": (126.9045, 37.5560), "gangnam": (127.0366, 37.5006)}
TAG = "권한시험"

#: Where each role sees a person's exact point and contact (issue 8, "Roles").
EXACT = {
    "public": set(),
    "officer": {"mapo"},
    "planner": {"mapo", "gangnam"},
    "admin": {"mapo", "gangnam"},
}
#: Where each role may edit, import and export (the public exports public data).
EDIT = {"public": set(), "officer": {"mapo"}, "planner": set(), "admin": {"mapo", "gangnam"}}
IMPORT = EDIT
EXPORT_GANGNAM = {"public": True, "officer": False, "planner": True, "admin": True}


@pytest.fixture
def records(engine, cleanup):
    """A person and a place in each district; every trace removed afterwards."""
    cleanup.users("rights.%")
    cleanup.source("rights-%")  # these records and what the tests import
    keys = [(where, kind) for where in SPOTS for kind in ("human", "space")]
    category = {"human": "artist", "space": "hall"}
    with engine.begin() as conn:
        ids = add_resources(
            conn,
            "rights-test",
            [
                dict(kind=kind, category=category[kind], name=f"{TAG} {where} {kind}")
                | dict(address="서울 어딘가", contact="010-0000-0000", source_id=f"{where}-{kind}")
                | dict(zip(("lon", "lat"), SPOTS[where], strict=True))
                for where, kind in keys
            ],
        )
    return dict(zip(keys, ids, strict=True))


def _person(gdf: pd.DataFrame, where: str) -> pd.Series:
    row = gdf[gdf["name"] == f"{TAG} {where} human"]
    assert len(row) == 1
    return row.iloc[0]


@pytest.mark.parametrize("role", list(VIEWERS))
def test_view_exact_point_and_contact(records, role):
    gdf = queries.resources(VIEWERS[role], queries.ResourceFilter(text=TAG))
    assert len(gdf) == 4  # everyone may view (the public: as the public views show)
    for where, (x, y) in SPOTS.items():
        person = _person(gdf, where)
        exact = (round(person.geom.x, 6), round(person.geom.y, 6)) == (x, y)
        assert exact == (where in EXACT[role]), f"{role} exact point in {where}"
        assert pd.notna(person["contact"]) == (where in EXACT[role]), f"{role} contact {where}"


@pytest.mark.parametrize("role", list(VIEWERS))
@pytest.mark.parametrize("where", list(SPOTS))
def test_edit(records, engine, role, where):
    rid = records[(where, "space")]
    values = {
        "name": f"{TAG} {where} space",
        "kind": "space",
        "category": "hall",
        "description": f"changed by {role}",
        "visibility": "public",
    }
    x, y = SPOTS[where]
    if where in EDIT[role]:
        editing.save_record(VIEWERS[role], "resources", values, lon=x, lat=y, record_id=rid)
    else:
        with pytest.raises(Forbidden):
            editing.save_record(VIEWERS[role], "resources", values, lon=x, lat=y, record_id=rid)
    with engine.connect() as conn:
        stored = conn.execute(
            sa.text("SELECT description FROM resources WHERE id = :id"), {"id": rid}
        ).scalar_one()
    assert (stored == f"changed by {role}") == (where in EDIT[role])


def _import_file(tmp_path: Path, lat_lon: list[tuple[float, float]]) -> Path:
    """A CSV with a 관리번호 (the record key) per row: row i is always record R-i."""
    path = tmp_path / "rights.csv"
    rows = [f"R-{i},{TAG} import {i},{lat},{lon}" for i, (lon, lat) in enumerate(lat_lon)]
    path.write_text("관리번호,이름,위도,경도\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("role", list(VIEWERS))
def test_import(records, tmp_path, role):
    path = _import_file(tmp_path, [SPOTS["mapo"], SPOTS["mapo"], SPOTS["gangnam"]])
    options = ImportOptions(
        source="rights-import", kind="space", category="hall", viewer=VIEWERS[role]
    )
    if not IMPORT[role]:
        with pytest.raises(Forbidden):
            prepare(path, options)
        return
    report = run_import(prepare(path, options))
    expected = 3 if "gangnam" in IMPORT[role] else 2
    assert report.inserted == expected
    assert report.rejected_by_reason == ({} if expected == 3 else {"other_district": 1})
    in_mapo = queries.resources(PLANNER, queries.ResourceFilter(text=f"{TAG} import"))
    assert len(in_mapo) == expected


def test_an_officer_cannot_change_another_districts_record_by_import(records, tmp_path):
    # The administrator imports three rows (two in Mapo, one in Gangnam)...
    path = _import_file(tmp_path, [SPOTS["mapo"], SPOTS["mapo"], SPOTS["gangnam"]])
    opts = dict(source="rights-import", kind="space", category="hall")
    run_import(prepare(path, ImportOptions(**opts, viewer=ADMIN)))
    # ...then the Mapo officer re-imports the file with the Gangnam row moved into Mapo:
    # that row is the Gangnam record (same key) and is refused.
    moved = _import_file(tmp_path, [SPOTS["mapo"], SPOTS["mapo"], SPOTS["mapo"]])
    report = run_import(prepare(moved, ImportOptions(**opts, viewer=OFFICER)))
    assert report.rejected_by_reason == {"other_district": 1}
    assert report.updated == 0
    rows = queries.resources(PLANNER, queries.ResourceFilter(text=f"{TAG} import 2"))
    assert list(rows["district_code"]) == [GANGNAM]


@pytest.mark.parametrize("role", list(VIEWERS))
def test_export(records, role):
    gangnam = Selection(districts=(GANGNAM,), resources=queries.ResourceFilter(text=TAG))
    if EXPORT_GANGNAM[role]:
        (layer,) = read_layers(["resources"], viewer=VIEWERS[role], selection=gangnam)
        contacts = layer.table.column("contact").to_pylist()
        assert len(contacts) == 2
        assert (contacts.count(None) == 0) == ("gangnam" in EXACT[role])
    else:
        with pytest.raises(Forbidden):
            read_layers(["resources"], viewer=VIEWERS[role], selection=gangnam)
    # Asking for all of Seoul: a district officer gets their own district only.
    everything = Selection(resources=queries.ResourceFilter(text=TAG))
    (layer,) = read_layers(["resources"], viewer=VIEWERS[role], selection=everything)
    districts = set(layer.table.column("district_code").to_pylist())
    assert districts == ({MAPO} if role == "officer" else {MAPO, GANGNAM})


@pytest.mark.parametrize("role", list(VIEWERS))
def test_manage_users(records, engine, role):
    def create():
        with engine.begin() as conn:
            auth.create_user(
                conn, f"rights.new{role}", "long enough password", role="planner", by=VIEWERS[role]
            )

    if role == "admin":
        create()
        assert f"rights.new{role}" in set(auth.list_users(ADMIN)["username"])
    else:
        with pytest.raises(Forbidden):
            create()
        with pytest.raises(Forbidden):
            auth.list_users(VIEWERS[role])


def _cli(module: str, *args: str, db_url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={
            "DATABASE_URL": db_url,
            "MAEUL_PGPASSFILE": load_settings().pgpassfile,
            "PATH": "/usr/bin:/bin",
            "HOME": str(ROOT),
        },
        timeout=300,
    )


def test_cli_holds_a_district_officer_to_their_district(records, engine, db_url, tmp_path):
    with engine.begin() as conn:
        auth.create_user(
            conn,
            OFFICER.username,
            "long enough password",
            role="district_officer",
            district_code=MAPO,
        )
    path = _import_file(tmp_path, [SPOTS["mapo"], SPOTS["gangnam"]])
    done = _cli(
        "loaders",
        "import",
        str(path),
        "--source",
        "rights-cli",
        "--kind",
        "space",
        "--category",
        "hall",
        "--user",
        OFFICER.username,
        "--report",
        str(tmp_path / "report.json"),
        db_url=db_url,
    )
    assert done.returncode == 0, done.stderr
    assert "inserted 1 ·" in done.stdout
    rejected = pd.read_csv(tmp_path / "report.rejected.csv")
    assert list(rejected["reason"]) == ["other_district"]
    refused = _cli(
        "layers",
        "export",
        "--district",
        "강남구",
        "--layers",
        "resources",
        "--format",
        "gpkg",
        "--user",
        OFFICER.username,
        "-o",
        str(tmp_path / "x.gpkg"),
        db_url=db_url,
    )
    assert refused.returncode == 2
    assert "담당 자치구" in refused.stderr and "Traceback" not in refused.stderr
    assert not (tmp_path / "x.gpkg").exists()
