"""Importing real-shaped Korean files: exact counts, exact positions, all or nothing.

Each case builds its file from known WGS84 points (tests/import_fixtures.py), imports it
into the real PostGIS, and checks what a district officer would check: how many rows went
in, which were refused and why, and that every imported point is within 5 m of where it
truly is (and in the right district).
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from loaders.ingest import ImportFailed
from loaders.plan import ImportOptions, prepare
from tests.import_fixtures import (
    EPSG_5174_PROJ,
    distances_m,
    outside_points,
    project,
    true_points,
    write_csv,
    write_gpkg_two_layers,
    write_kml,
    write_shapefile_zip,
    write_xlsx_two_headers,
)

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Case:
    """A file to import and what must come of it."""

    path: Path
    options: ImportOptions
    read: int
    truth: pd.DataFrame  # the rows that must be imported: name, lon, lat, district_code
    rejected: dict[str, list[int]] = field(default_factory=dict)  # reason -> rows
    skipped: list[int] = field(default_factory=list)
    epsg: int | None = None
    warning: str | None = None  # a phrase the report must contain


def _opts(source: str, **kw) -> ImportOptions:
    return ImportOptions(source=source, category="library", **kw)


def case_csv_cp949_latlon(tmp: Path) -> Case:
    pts = true_points(12, seed=1)
    df = pd.DataFrame(
        {"시설명": pts["name"], "자치구": pts["district"], "위도": pts["lat"], "경도": pts["lon"]}
    )
    write_csv(tmp / "공간.csv", df, encoding="cp949")
    return Case(tmp / "공간.csv", _opts("t-cp949"), 12, pts, epsg=4326)


def case_csv_cp949_5174_no_crs(tmp: Path) -> Case:
    pts = true_points(12, seed=2)
    x, y = project(pts["lon"], pts["lat"], EPSG_5174_PROJ)
    df = pd.DataFrame(
        {
            "관리번호": [f"M-{i:03d}" for i in range(12)],
            "사업장명": pts["name"],
            "소재지전체주소": "서울특별시 " + pts["district"] + " 어딘가 1",
            "좌표정보(X)": np.round(x, 2),
            "좌표정보(Y)": np.round(y, 2),
        }
    )
    write_csv(tmp / "localdata.csv", df, encoding="cp949")
    return Case(tmp / "localdata.csv", _opts("t-5174"), 12, pts, epsg=5174)


def case_shapefile_zip_bessel_prj(tmp: Path) -> Case:
    pts = true_points(10, seed=3)
    write_shapefile_zip(tmp / "maeul_shp.zip", pts, tmp)
    return Case(tmp / "maeul_shp.zip", _opts("t-shp"), 10, pts, epsg=5174, warning="Bessel")


def case_csv_swapped_latlon(tmp: Path) -> Case:
    pts = true_points(8, seed=4)
    # The 위도 column holds longitudes and the 경도 column latitudes.
    df = pd.DataFrame({"이름": pts["name"], "위도": pts["lon"], "경도": pts["lat"]})
    write_csv(tmp / "swapped.csv", df)
    return Case(tmp / "swapped.csv", _opts("t-swap"), 8, pts, epsg=4326, warning="swapped")


def case_xlsx_two_header_rows_and_total(tmp: Path) -> Case:
    pts = true_points(9, seed=5)
    write_xlsx_two_headers(tmp / "현황.xlsx", pts)
    # title row 1, blank row 2, header rows 3-4, data rows 5-13, 합계 row 14
    return Case(tmp / "현황.xlsx", _opts("t-xlsx"), 9, pts, skipped=[14], epsg=4326)


def case_csv_numbers_as_text_with_stray_character(tmp: Path) -> Case:
    pts = true_points(8, seed=6)
    lat = [f" {v:.7f} " for v in pts["lat"]]
    lon = [f"{v:.7f}" for v in pts["lon"]]
    lat[2] = lat[2].strip()[:-2] + "O1"  # a letter O typed for a zero
    lon[5] = ""
    df = pd.DataFrame({"시설명": pts["name"], "위도": lat, "경도": lon})
    write_csv(tmp / "text.csv", df, encoding="utf-8-sig")
    keep = pts.drop(index=[2, 5])
    return Case(
        tmp / "text.csv",
        _opts("t-text"),
        8,
        keep,
        rejected={"bad_number": [4], "no_coordinates": [7]},
        epsg=4326,
    )


def case_csv_rows_outside_seoul(tmp: Path) -> Case:
    pts = true_points(6, seed=7)
    out = outside_points()
    df = pd.concat([pts, out], ignore_index=True)[["name", "district", "lat", "lon"]]
    write_csv(tmp / "outside.csv", df.rename(columns={"name": "명칭"}))
    return Case(tmp / "outside.csv", _opts("t-out"), 9, pts, rejected={"outside_seoul": [8, 9, 10]})


def case_csv_duplicate_rows(tmp: Path) -> Case:
    pts = true_points(6, seed=8)
    df = pts[["name", "lat", "lon"]]
    df = pd.concat([df, df.iloc[[1]], df.iloc[[4]]], ignore_index=True)
    write_csv(tmp / "dups.csv", df)
    return Case(tmp / "dups.csv", _opts("t-dup"), 8, pts, rejected={"duplicate": [8, 9]})


def case_gpkg_second_layer(tmp: Path) -> Case:
    first, second = true_points(7, seed=9), true_points(4, seed=10)
    write_gpkg_two_layers(tmp / "layers.gpkg", first, second)
    return Case(tmp / "layers.gpkg", _opts("t-gpkg", layer="기타자원"), 4, second)


def case_gpkg_default_first_layer(tmp: Path) -> Case:
    first, second = true_points(7, seed=9), true_points(4, seed=10)
    write_gpkg_two_layers(tmp / "layers.gpkg", first, second)
    return Case(tmp / "layers.gpkg", _opts("t-gpkg1"), 7, first, warning="2 layers")


def case_kml(tmp: Path) -> Case:
    pts = true_points(6, seed=11)
    write_kml(tmp / "mymaps.kml", pts)
    return Case(tmp / "mymaps.kml", _opts("t-kml"), 6, pts, epsg=4326)


CASES = [
    case_csv_cp949_latlon,
    case_csv_cp949_5174_no_crs,
    case_shapefile_zip_bessel_prj,
    case_csv_swapped_latlon,
    case_xlsx_two_header_rows_and_total,
    case_csv_numbers_as_text_with_stray_character,
    case_csv_rows_outside_seoul,
    case_csv_duplicate_rows,
    case_gpkg_second_layer,
    case_gpkg_default_first_layer,
    case_kml,
]


def _stored(engine: sa.Engine, source: str, table: str = "resources") -> pd.DataFrame:
    name = "title" if table == "conflict_cases" else "name"
    with engine.connect() as conn:
        return pd.read_sql(
            sa.text(
                f"""SELECT {name} AS name, ST_X(ST_PointOnSurface(geom)) AS lon,
                           ST_Y(ST_PointOnSurface(geom)) AS lat, district_code, dong_code
                    FROM {table} WHERE source = :s ORDER BY {name}"""
            ),
            conn,
            params={"s": source},
        )


@pytest.mark.parametrize("make", CASES, ids=lambda f: f.__name__.removeprefix("case_"))
def test_each_file_shape_imports_exact_rows_at_true_positions(make, tmp_path, engine, imported):
    case = make(tmp_path)
    plan = prepare(case.path, case.options)
    if case.epsg is not None:
        assert plan.epsg == case.epsg
    report = imported(plan)

    assert report.read == case.read
    assert report.inserted == len(case.truth)
    assert report.updated == 0
    by_reason = {
        code: sorted(report.rejected_rows.loc[report.rejected_rows["reason"] == code, "row"])
        for code in report.rejected_by_reason
    }
    assert by_reason == case.rejected
    assert [row for row, _ in report.skipped] == case.skipped
    if case.warning:
        assert any(case.warning in w for w in map(str, report.warnings)), report.warnings

    stored = _stored(engine, plan.source)
    truth = case.truth.sort_values("name").reset_index(drop=True)
    assert list(stored["name"]) == list(truth["name"])  # Korean text intact
    d = distances_m(stored["lon"], stored["lat"], truth["lon"], truth["lat"])
    assert d.max() < 5.0, f"off by up to {d.max():.1f} m"
    assert list(stored["district_code"]) == list(truth["district_code"])
    assert stored["dong_code"].notna().all()


@pytest.mark.parametrize("ragged", [False, True], ids=["copy", "copy_refused"])
def test_a_large_csv_streams_through_copy_with_exact_row_numbers(
    tmp_path, engine, imported, monkeypatch, ragged
):
    from loaders import readers

    monkeypatch.setattr(readers, "SAMPLE_ROWS", 20)  # 60 rows: streamed, not parsed here
    pts = true_points(60, seed=40)
    lines = ["시설명,위도,경도"] + [f"{r.name},{r.lat},{r.lon}" for r in pts.itertuples()]
    lines[31] = lines[31].replace(".", "x", 1)  # row 32: a stray character
    expected = {"bad_number": [32]}
    keep = pts.drop(index=[30])
    if ragged:  # row 46 has two cells too many: COPY refuses the file
        lines[45] += ",여분,셀"
        expected["malformed_row"] = [46]
        keep = keep.drop(index=[44])
    lines.append("합계,60,")
    (tmp_path / "big.csv").write_bytes(("\n".join(lines) + "\n").encode("cp949"))
    plan = prepare(tmp_path / "big.csv", _opts("t-big"))
    assert not plan.table.complete
    report = imported(plan)
    assert report.read == 60
    assert report.inserted == len(keep)
    got = report.rejected_rows.groupby("reason")["row"].apply(list).to_dict()
    assert got == {k: v for k, v in sorted(expected.items())}
    assert report.skipped == [(62, "total_row")]
    assert any("COPY" in w for w in map(str, report.warnings)) == ragged
    stored = _stored(engine, "t-big")
    truth = keep.sort_values("name")
    assert list(stored["name"]) == list(truth["name"])
    assert distances_m(stored["lon"], stored["lat"], truth["lon"], truth["lat"]).max() < 5


def test_naive_bessel_transform_would_be_hundreds_of_metres_off(tmp_path):
    """The shapefile case matters: read as written, its .prj puts points ~360 m away."""
    import geopandas as gpd

    case = case_shapefile_zip_bessel_prj(tmp_path)
    naive = gpd.read_file(case.path).to_crs(4326)
    d = distances_m(naive.geometry.x, naive.geometry.y, case.truth["lon"], case.truth["lat"])
    assert d.min() > 300


def test_second_import_of_the_same_file_changes_nothing(tmp_path, engine, imported):
    case = case_csv_cp949_5174_no_crs(tmp_path)
    first = imported(prepare(case.path, case.options))
    assert (first.inserted, first.updated) == (12, 0)
    with engine.connect() as conn:
        history = conn.execute(sa.text("SELECT count(*) FROM change_history")).scalar_one()
    second = imported(prepare(case.path, case.options))
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 12)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM change_history")).scalar_one() == history


def test_second_import_without_ids_matches_rows_by_a_stable_key(tmp_path, engine, imported):
    case = case_csv_cp949_latlon(tmp_path)  # no id column
    assert imported(prepare(case.path, case.options)).inserted == 12
    again = imported(prepare(case.path, case.options))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 12)


def test_a_changed_row_updates_its_record_and_its_history(tmp_path, engine, imported):
    case = case_csv_cp949_5174_no_crs(tmp_path)
    imported(prepare(case.path, case.options))
    df = pd.read_csv(case.path, encoding="cp949", dtype=str)
    df.loc[3, "소재지전체주소"] = "서울특별시 새 주소 99"
    df.to_csv(case.path, index=False, encoding="cp949")

    report = imported(prepare(case.path, case.options))
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 11)
    with engine.connect() as conn:
        row = conn.execute(
            sa.text(
                """SELECT r.address, h.old_values, h.new_values, h.changed_by
                   FROM resources r JOIN change_history h
                     ON h.table_name = 'resources' AND h.record_id = r.id
                   WHERE r.source = 't-5174' AND r.source_id = 'M-003'
                     AND h.operation = 'UPDATE'"""
            )
        ).one()
    assert row.address == "서울특별시 새 주소 99"
    assert row.new_values == {"address": "서울특별시 새 주소 99"}
    assert row.old_values["address"].endswith("어딘가 1")
    assert row.changed_by.startswith("import:t-5174")


def test_an_imports_inserts_are_recorded_by_its_run_not_a_copy_each(tmp_path, engine, imported):
    """Issue 16: every new record names the run, which keeps file, hash, actor and counts."""
    import hashlib

    case = case_kml(tmp_path)
    report = imported(prepare(case.path, case.options))
    with engine.connect() as conn:
        runs = conn.execute(
            sa.text("SELECT DISTINCT import_run FROM resources WHERE source = 't-kml'")
        ).scalars()
        run = conn.execute(
            sa.text("SELECT * FROM import_runs WHERE id = :id"), {"id": report.run_id}
        ).one()
        copies = conn.execute(
            sa.text(
                """SELECT count(*) FROM change_history h JOIN resources r
                     ON h.table_name = 'resources' AND h.record_id = r.id
                   WHERE r.source = 't-kml'"""
            )
        ).scalar_one()
        assert list(runs) == [report.run_id]
    assert copies == 0
    assert run.file_name == "mymaps.kml" and run.actor.startswith("import:t-kml")
    assert run.file_sha256 == hashlib.sha256(case.path.read_bytes()).hexdigest()
    assert run.counts["inserted"] == 6 and run.counts["read"] == 6


def test_other_inserts_keep_a_whole_history_row(engine, cleanup):
    """The history functions of migration 0002 write what to_jsonb(row) would (no run)."""
    with engine.begin() as conn:
        conn.execute(sa.text("SET LOCAL maeul.actor = 'tester'"))
        rid = conn.execute(
            sa.text(
                """INSERT INTO resources (kind, category, name, geom, source, source_id)
                   VALUES ('space', 'library', '기록 시험', ST_SetSRID(ST_MakePoint(126.91,
                           37.556), 4326), 't-history', 'h1') RETURNING id"""
            )
        ).scalar_one()
    cleanup.source("t-history")
    with engine.connect() as conn:
        row = conn.execute(
            sa.text(
                """SELECT h.new_values = to_jsonb(r) AS same, h.operation, h.changed_by
                   FROM resources r JOIN change_history h
                     ON h.table_name = 'resources' AND h.record_id = r.id
                   WHERE r.id = :id"""
            ),
            {"id": rid},
        ).one()
    assert (row.same, row.operation, row.changed_by) == (True, "INSERT", "tester")


def _counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("resources", "change_history", "import_runs")
        }


def test_a_write_fault_mid_import_leaves_the_database_exactly_as_before(tmp_path, engine, imported):
    pts = true_points(30, seed=12)
    pts.loc[17, "name"] = "저장 실패 유발"  # violates the constraint added below
    write_csv(tmp_path / "f.csv", pts[["name", "lat", "lon"]])
    before = _counts(engine)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "ALTER TABLE resources ADD CONSTRAINT test_import_fault "
                "CHECK (name <> '저장 실패 유발') NOT VALID"
            )
        )
    try:
        plan = prepare(tmp_path / "f.csv", _opts("t-fault"))
        with pytest.raises(ImportFailed) as err:
            imported(plan)
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("ALTER TABLE resources DROP CONSTRAINT test_import_fault"))
    assert "nothing was changed" in err.value.user_msg
    assert _counts(engine) == before


def test_dry_run_writes_nothing_and_predicts_the_real_run(tmp_path, engine, imported):
    case = case_csv_rows_outside_seoul(tmp_path)
    before = _counts(engine)
    dry = imported(prepare(case.path, case.options), dry_run=True)
    assert _counts(engine) == before
    real = imported(prepare(case.path, case.options))
    assert dry.counts() == real.counts()
    assert dry.rejected_rows[["row", "reason"]].equals(real.rejected_rows[["row", "reason"]])
    assert set(dry.preview["status"]) == {"new"}
    assert len(dry.preview) == real.inserted


def test_a_named_district_that_disagrees_with_the_location_is_reported(tmp_path, engine, imported):
    pts = true_points(5, seed=13)
    named = pts["district"].tolist()
    named[2] = "종로구" if named[2] != "종로구" else "중구"
    df = pd.DataFrame(
        {"시설명": pts["name"], "자치구": named, "위도": pts["lat"], "경도": pts["lon"]}
    )
    write_csv(tmp_path / "d.csv", df)
    report = imported(prepare(tmp_path / "d.csv", _opts("t-district")))
    assert report.inserted == 5  # the location wins, the row is kept
    assert report.mismatches[["row", "named", "found"]].values.tolist() == [
        [4, named[2], pts.loc[2, "district"]]
    ]


def test_kind_and_category_can_come_from_columns(tmp_path, engine, imported):
    pts = true_points(4, seed=14)
    df = pd.DataFrame(
        {
            "이름": pts["name"],
            "자원유형": ["공간자원", "인문자원", "공간", "기타"],
            "세부분류": ["작은도서관", "문화재", "북카페", "인문자원?"],
            "lat": pts["lat"],
            "lon": pts["lon"],
        }
    )
    write_csv(tmp_path / "k.csv", df)
    report = imported(prepare(tmp_path / "k.csv", ImportOptions(source="t-kinds")))
    # An unknown category is not refused: the row is unclassified, of the kind its row gives.
    assert (report.inserted, report.rejected) == (4, 0)
    assert report.unknown_categories == [("인문자원?", 1)] and report.unclassified == 1
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT kind, category FROM resources WHERE source = 't-kinds' ORDER BY name")
        ).all()
    expected = sorted(
        zip(
            pts["name"],
            ["space", "heritage", "space", "other"],
            ["small_library", "cultural_property", "book_cafe", "unclassified"],
            strict=True,
        )
    )
    assert [tuple(r) for r in rows] == [(k, c) for _, k, c in expected]


def test_program_sites_import_with_their_own_rules(tmp_path, engine, imported):
    pts = true_points(5, seed=15)
    df = pd.DataFrame(
        {
            "대상지명": pts["name"],
            "사업번호": ["1", "2", "99", "3", "4"],
            "단계": ["씨앗마을", "새싹", "hope", "희망마을", "씨앗"],
            "연도": ["2013", "2014", "2013", "2012", "2013"],
            "지원금(백만원)": ["12.5", "3", "4", "-1", "7"],
            "위도": pts["lat"],
            "경도": pts["lon"],
        }
    )
    write_csv(tmp_path / "sites.csv", df)
    plan = prepare(tmp_path / "sites.csv", ImportOptions(target="program_sites", source="t-sites"))
    report = imported(plan)
    assert report.inserted == 3
    assert report.rejected_rows[["row", "reason"]].values.tolist() == [
        [4, "bad_value"],  # program 99 does not exist
        [5, "bad_value"],  # negative grant
    ]
    stored = _stored(engine, "t-sites", "program_sites")
    truth = pts.drop(index=[2, 3]).sort_values("name")
    assert distances_m(stored["lon"], stored["lat"], truth["lon"], truth["lat"]).max() < 5


def test_conflict_cases_import_areas_and_repair_invalid_ones(tmp_path, engine, imported):
    import geopandas as gpd
    import shapely

    pts = true_points(4, seed=16)
    d = 0.001
    shapes = [
        shapely.Point(pts.lon[0], pts.lat[0]),
        shapely.box(pts.lon[1] - d, pts.lat[1] - d, pts.lon[1] + d, pts.lat[1] + d),
        # A bow-tie: invalid, repaired by ST_MakeValid into two triangles.
        shapely.Polygon(
            [
                (pts.lon[2] - d, pts.lat[2] - d),
                (pts.lon[2] + d, pts.lat[2] + d),
                (pts.lon[2] + d, pts.lat[2] - d),
                (pts.lon[2] - d, pts.lat[2] + d),
            ]
        ),
        shapely.Point(pts.lon[3], pts.lat[3]),
    ]
    gdf = gpd.GeoDataFrame(
        {
            "갈등명": pts["name"] + " 갈등",
            "관련사업": "공원 조성",
            "담당부서": "공원조성과",
            "갈등유형": ["시설 입지", "환경", "공원·녹지", "교통·주차"],
            "단계": ["사전 대응계획", "갈등영향분석", "갈등조정협의회", "합의·종결"],
            "심각도": ["3", "매우 높음", "5", "1"],
            "발생일": ["2013-03-02", "2013.5.1", "20130601", "2013-02-30"],
            "이해관계자": ["지역주민, 상인회", "환경단체", "", "자치구"],
        },
        geometry=shapes,
        crs=4326,
    )
    gdf.to_file(tmp_path / "conflicts.geojson", driver="GeoJSON")
    plan = prepare(
        tmp_path / "conflicts.geojson", ImportOptions(target="conflict_cases", source="t-conf")
    )
    report = imported(plan)
    assert report.inserted == 3
    assert report.rejected_rows[["row", "reason"]].values.tolist() == [[4, "bad_value"]]
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                """SELECT title, GeometryType(geom), ST_IsValid(geom), severity,
                          opened_on::text, stakeholders
                   FROM conflict_cases WHERE source = 't-conf'"""
            )
        ).all()
    got = {r[0]: tuple(r[1:]) for r in rows}
    titles = list(gdf["갈등명"])
    assert got == {
        titles[0]: ("POINT", True, 3, "2013-03-02", ["지역주민", "상인회"]),
        titles[1]: ("POLYGON", True, 4, "2013-05-01", ["환경단체"]),
        titles[2]: ("MULTIPOLYGON", True, 5, "2013-06-01", []),
    }


def test_a_file_that_cannot_be_read_is_one_clear_error(tmp_path):
    from loaders.readers import UnreadableFile

    bad = tmp_path / "broken.csv"
    bad.write_bytes(b"\xff\xfe\x00\x01" * 50 + b"\x81\x00\xfe")
    with pytest.raises(UnreadableFile) as err:
        prepare(bad)
    assert "UTF-8" in err.value.user_msg


# --- the command line ----------------------------------------------------------------------------


def _cli(*args: str, db_url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "loaders", "--database-url", db_url, "import", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_cli_imports_reports_and_writes_rejected_rows_next_to_the_report(
    tmp_path, db_url, engine, cleanup
):
    case = case_csv_rows_outside_seoul(tmp_path)
    report = tmp_path / "out" / "report.json"
    report.parent.mkdir()
    cleanup.source("t-cli")
    done = _cli(
        str(case.path),
        "--category",
        "library",
        "--source",
        "t-cli",
        "--report",
        str(report),
        db_url=db_url,
    )
    assert done.returncode == 0, done.stderr
    assert "inserted 6" in done.stdout and "outside_seoul" in done.stdout
    assert "Traceback" not in done.stderr
    assert "%]" in done.stderr  # progress lines
    rejected = pd.read_csv(report.with_suffix(".rejected.csv"), encoding="utf-8-sig")
    assert rejected["row"].tolist() == [8, 9, 10]
    assert '"inserted": 6' in report.read_text(encoding="utf-8")


def test_cli_dry_run_writes_nothing(tmp_path, db_url, engine):
    case = case_kml(tmp_path)
    before = _counts(engine)
    done = _cli(str(case.path), "--category", "library", "--dry-run", db_url=db_url)
    assert done.returncode == 0, done.stderr
    assert "inserted 6" in done.stdout
    assert _counts(engine) == before


@pytest.mark.parametrize(
    "name, content",
    [("nothing.csv", None), ("data.dwg", b"AC1027"), ("broken.xlsx", b"not a zip")],
)
def test_cli_exits_non_zero_only_when_the_file_cannot_be_read(tmp_path, db_url, name, content):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    done = _cli(str(path), "--category", "library", db_url=db_url)
    assert done.returncode == 2
    assert done.stderr.startswith("error:") or "\nerror:" in done.stderr
    assert "Traceback" not in done.stderr


# --- categories: open vocabulary, names, unknown values ---------------------------------------


def _categories(engine: sa.Engine, source: str) -> dict[str, tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT name, kind, category FROM resources WHERE source = :s"), {"s": source}
        ).all()
    return {name: (kind, cat) for name, kind, cat in rows}


def test_a_file_without_category_is_imported_unclassified_with_a_warning(
    tmp_path, engine, imported
):
    pts = true_points(5, seed=71)
    names = [f"{d} 햇살 {i}호" for i, d in enumerate(pts["district"])]
    names[0] = f"{pts['district'][0]} 햇살경로당"  # its name says what it is
    df = pd.DataFrame({"시설명": names, "위도": pts["lat"], "경도": pts["lon"]})
    write_csv(tmp_path / "nocat.csv", df)
    plan = prepare(tmp_path / "nocat.csv", ImportOptions(source="t-nocat"))
    assert plan.describe("en")["category ←"].startswith("(no column: inferred from name")
    report = imported(plan)
    assert (report.inserted, report.rejected) == (5, 0)
    assert (report.category_from_name, report.unclassified) == (1, 4)
    assert any(
        "no category column: 4 rows are imported as unclassified" in w
        for w in map(str, report.warnings)
    )
    assert any("4 unclassified rows are of kind 'other'" in w for w in map(str, report.warnings))
    stored = _categories(engine, "t-nocat")
    assert stored[names[0]] == ("space", "senior_center")
    assert sorted(stored[n] for n in names[1:]) == [("other", "unclassified")] * 4


def test_unknown_type_values_are_listed_with_their_counts_and_names_fill_in(
    tmp_path, engine, imported
):
    pts = true_points(7, seed=72)
    df = pd.DataFrame(
        {
            "쉼터명칭": [
                "가 경로당",
                "나 주민센터",
                "다 은행",
                "라 작은도서관",
                "마 은행",
                "바 쉼터",
                "사 공원",
            ],
            "시설구분": [
                "회원이용시설",
                "공공청사",
                "금융기관",
                "회원이용시설",
                "금융기관",
                "금융기관",
                "",
            ],
            "위도": pts["lat"],
            "경도": pts["lon"],
        }
    )
    write_csv(tmp_path / "shelters.csv", df)
    report = imported(prepare(tmp_path / "shelters.csv", ImportOptions(source="t-unknown")))
    assert (report.inserted, report.rejected) == (7, 0)
    assert report.unknown_categories == [("금융기관", 3), ("회원이용시설", 2)]
    assert "금융기관: 3" in "\n".join(report.summary())
    assert report.to_dict()["unknown_categories"][0] == {"value": "금융기관", "rows": 3}
    # The type wins when it is known; the name's ending when not (the blank one too).
    assert report.category_from_name == 3 and report.unclassified == 3
    stored = _categories(engine, "t-unknown")
    assert stored["가 경로당"] == ("space", "senior_center")
    assert stored["나 주민센터"] == ("space", "public_office")
    assert stored["라 작은도서관"] == ("space", "small_library")
    assert stored["사 공원"] == ("space", "park")
    assert {stored[n] for n in ("다 은행", "마 은행", "바 쉼터")} == {("other", "unclassified")}


def test_a_name_ending_never_contradicts_the_kind_the_user_gave(tmp_path, engine, imported):
    pts = true_points(2, seed=73)
    df = pd.DataFrame(
        {"이름": ["마을 이야기", "골목 경로당"], "위도": pts["lat"], "경도": pts["lon"]}
    )
    write_csv(tmp_path / "kind.csv", df)
    report = imported(prepare(tmp_path / "kind.csv", ImportOptions(source="t-kn", kind="space")))
    assert (report.inserted, report.rejected) == (2, 0)
    stored = _categories(engine, "t-kn")
    # "이야기" is a heritage spelling: not for a space; the 경로당 is.
    assert stored == {
        "마을 이야기": ("space", "unclassified"),
        "골목 경로당": ("space", "senior_center"),
    }


def test_open_data_plaza_json_through_the_cli(tmp_path, db_url, engine, cleanup):
    import json

    pts = true_points(6, seed=74)
    data = {
        "DESCRIPTION": {
            "R_AREA_NM": "쉼터명칭",
            "LAT": "위도",
            "LON": "경도",
            "FACILITY_TYPE2": "시설구분2",
            "LOTNO_ADDR": "지번주소",
        },
        "DATA": [
            {
                "r_area_nm": f"{d} {kind}",
                "lat": float(lat),
                "lon": float(lon),
                "facility_type2": t,
                "lotno_addr": f"서울특별시 {d} 어딘가 {i}",
            }
            for i, (d, lat, lon, kind, t) in enumerate(
                zip(
                    pts["district"],
                    pts["lat"],
                    pts["lon"],
                    ["햇살경로당", "행복경로당", "1동주민센터", "근린공원", "새마을금고", "쉼터"],
                    ["회원이용시설", "회원이용시설", "공공청사", "공원", "금융기관", "금융기관"],
                    strict=True,
                )
            )
        ],
    }
    plaza = tmp_path / "plaza.json"
    plaza.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    records = tmp_path / "records.json"
    records.write_text(json.dumps(data["DATA"][:4], ensure_ascii=False), encoding="utf-8")
    cleanup.source("t-plaza", "t-records")
    done = _cli(str(plaza), "--source", "t-plaza", db_url=db_url)
    again = _cli(str(records), "--source", "t-records", db_url=db_url)
    stored = _categories(engine, "t-plaza")
    n_records = len(_categories(engine, "t-records"))
    assert done.returncode == 0, done.stderr
    assert "inserted 6" in done.stdout and "rejected 0" in done.stdout
    assert "name ←: 쉼터명칭 (r_area_nm): 머리글이 명칭(으)로 끝남" in done.stdout
    assert "category ←: 시설구분2 (facility_type2)" in done.stdout
    assert "금융기관: 2" in done.stdout and "회원이용시설: 2" in done.stdout
    assert sorted(c for _, c in stored.values()) == [
        "park",
        "public_office",
        "senior_center",
        "senior_center",
        "unclassified",
        "unclassified",
    ]
    assert again.returncode == 0, again.stderr
    assert "inserted 4" in again.stdout and n_records == 4


def test_a_fallback_category_only_fills_rows_that_tell_none(tmp_path, engine, imported):
    """Issue 15: one category need not cover every row. Rows with their own category
    (column or name ending) keep it; only the others take the one the user chose."""
    pts = true_points(3, seed=21)
    df = pd.DataFrame(
        {
            "시설명": ["망원 작은도서관", "합정 나눔터", "상수 쉼터"],
            "분류": ["", "회의실", ""],
            "위도": pts["lat"],
            "경도": pts["lon"],
        }
    )
    write_csv(tmp_path / "fallback.csv", df)
    options = ImportOptions(source="t-fallback", fallback_category="경로당")
    report = imported(prepare(tmp_path / "fallback.csv", options))
    assert report.inserted == 3
    with engine.connect() as conn:
        stored = dict(
            conn.execute(
                sa.text("SELECT name, category FROM resources WHERE source = 't-fallback'")
            ).all()
        )
    assert stored["망원 작은도서관"] == "small_library"  # its name tells
    assert stored["합정 나눔터"] == "meeting_room"  # its column tells
    assert stored["상수 쉼터"] == "senior_center"  # told nothing: the fallback
