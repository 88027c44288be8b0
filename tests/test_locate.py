"""Where imported rows land: every coordinate pair used, and address-only rows at their dong.

Files are built from known points (tests/import_fixtures.py) and real-shaped addresses;
each test imports into the real PostGIS and checks what a district officer would check:
which pair each row used, which rows disagree and by how much, which rows were placed at
the label point of the 법정동 their address names (never presented as exact), and that the
map, the nearby search and the exports say so.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import folium
import numpy as np
import pandas as pd
import pyogrio
import pytest
import sqlalchemy as sa

from geo.access import PUBLIC
from geo.nearby import Place, distance_text, nearby
from geo.queries import ResourceFilter, resources
from layers import maps
from layers.export.read import Selection
from layers.export.writers import ExportRequest, export_layers
from loaders.plan import ImportOptions, prepare
from tests.import_fixtures import distances_m, project, true_points, write_csv


def _opts(source: str, **kw) -> ImportOptions:
    return ImportOptions(source=source, category="meeting_room", **kw)


def _stored(engine: sa.Engine, source: str) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(
            sa.text(
                """SELECT r.name, ST_X(r.geom) AS lon, ST_Y(r.geom) AS lat, r.district_code,
                          r.dong_code, r.location_precision,
                          ST_Equals(r.geom, d.label_point) AS at_label_point
                   FROM resources r LEFT JOIN dongs d ON d.code = r.dong_code
                   WHERE r.source = :s ORDER BY r.name"""
            ),
            conn,
            params={"s": source},
        ).set_index("name")


def _dong_code(engine: sa.Engine, district: str, dong: str) -> str:
    with engine.connect() as conn:
        return conn.execute(
            sa.text(
                """SELECT d.code FROM dongs d JOIN districts g ON g.code = d.district_code
                   WHERE g.name_ko = :g AND d.name_ko = :d"""
            ),
            {"g": district, "d": dong},
        ).scalar_one()


# --- two coordinate pairs ------------------------------------------------------------------


def _two_pair_file(tmp: Path) -> tuple[Path, pd.DataFrame, pd.DataFrame]:
    """A parks-list style file: X/Y좌표(WGS84) beside X/Y좌표(GRS80TM) (EPSG:5186).

    Rows 2-7 (file rows; index 0-5): both pairs agree. Rows 8-9: WGS84 blank (filled from
    GRS80TM). Row 10: GRS80TM blank. Row 11: the WGS84 pair is a point in another
    district (the named district picks GRS80TM). Row 12: the GRS80TM pair lands in Incheon
    (the pair in Seoul wins).
    """
    pts = true_points(11, seed=41)
    other = true_points(30, seed=42)
    lon, lat = pts["lon"].to_numpy(float), pts["lat"].to_numpy(float)
    x, y = project(lon, lat, 5186)
    wlon, wlat = lon.astype(object), lat.astype(object)
    gx, gy = np.round(x, 3).astype(object), np.round(y, 3).astype(object)
    wlon[6] = wlat[6] = wlon[7] = wlat[7] = ""
    gx[8] = gy[8] = ""
    wrong = other[other["district_code"] != pts.loc[9, "district_code"]].iloc[0]
    wlon[9], wlat[9] = wrong["lon"], wrong["lat"]
    ix, iy = project([126.6103], [37.4636], 5186)  # Incheon harbour
    gx[10], gy[10] = round(float(ix[0]), 3), round(float(iy[0]), 3)
    df = pd.DataFrame(
        {
            "시설명": pts["name"],
            "자치구": pts["district"],
            "X좌표(WGS84)": wlon,
            "Y좌표(WGS84)": wlat,
            "X좌표(GRS80TM)": gx,
            "Y좌표(GRS80TM)": gy,
        }
    )
    path = tmp / "parks.csv"
    write_csv(path, df, encoding="cp949")
    given = pd.DataFrame({"wlon": wlon, "wlat": wlat, "gx": gx, "gy": gy})
    return path, pts, given


def test_every_coordinate_pair_is_used_and_disagreements_are_listed(tmp_path, engine, imported):
    path, pts, given = _two_pair_file(tmp_path)
    plan = prepare(path, _opts("t-pairs"))
    assert [(p.x, p.y, p.epsg) for p in plan.pairs] == [
        ("X좌표(WGS84)", "Y좌표(WGS84)", 4326),
        ("X좌표(GRS80TM)", "Y좌표(GRS80TM)", 5186),
    ]
    report = imported(plan)

    assert report.inserted == 11 and report.rejected == 0
    # WGS84: rows agreeing (6), GRS80TM blank (1), GRS80TM in Incheon (1); GRS80TM: filled (2)
    # and the row whose WGS84 point is in another district (1).
    assert report.by_pair == {
        "X좌표(WGS84) / Y좌표(WGS84)": 8,
        "X좌표(GRS80TM) / Y좌표(GRS80TM)": 3,
    }
    stored = _stored(engine, "t-pairs").loc[pts["name"]]
    d = distances_m(stored["lon"], stored["lat"], pts["lon"], pts["lat"])
    assert d.max() < 1.0, f"off by up to {d.max():.1f} m"
    assert list(stored["district_code"]) == list(pts["district_code"])
    assert (stored["location_precision"] == "exact").all()

    dis = report.disagreements
    assert list(dis["row"]) == [11, 12]
    assert list(dis["used"]) == ["X좌표(GRS80TM) / Y좌표(GRS80TM)", "X좌표(WGS84) / Y좌표(WGS84)"]
    for row, i in ((11, 9), (12, 10)):
        rec = dis[dis["row"] == row].iloc[0]
        wlat, wlon = map(float, rec["X좌표(WGS84) / Y좌표(WGS84)"].split(", "))
        glat, glon = map(float, rec["X좌표(GRS80TM) / Y좌표(GRS80TM)"].split(", "))
        assert abs(wlon - float(given.loc[i, "wlon"])) < 2e-6
        assert abs(wlat - float(given.loc[i, "wlat"])) < 2e-6
        back = distances_m([glon], [glat], [wlon], [wlat])[0]
        assert abs(rec["distance_m"] - back) <= 1.0
        assert rec["distance_m"] > 50
    assert any("50 m" in w for w in map(str, report.warnings))


def test_the_grs80_position_in_the_report_is_where_the_file_puts_it(tmp_path, engine, imported):
    path, _pts, given = _two_pair_file(tmp_path)
    report = imported(prepare(path, _opts("t-pairs-pos")), dry_run=True)
    from pyproj import Transformer

    to_wgs = Transformer.from_crs(5186, 4326, always_xy=True)
    rec = report.disagreements.set_index("row").loc[12]
    lon, lat = to_wgs.transform(float(given.loc[10, "gx"]), float(given.loc[10, "gy"]))
    glat, glon = map(float, rec["X좌표(GRS80TM) / Y좌표(GRS80TM)"].split(", "))
    assert distances_m([glon], [glat], [lon], [lat])[0] < 0.5


def test_a_plaza_json_labels_both_pairs_and_a_row_without_lat_lon_uses_the_other(
    tmp_path, engine, imported
):
    """Seoul's shelter files: lat/lon beside map_coord_x/y in EPSG:5186, their DESCRIPTION
    labels (``X좌표(EPSG:5186)``) and keys both naming the axis."""
    pts = true_points(4, seed=43)
    x, y = project(pts["lon"].to_numpy(float), pts["lat"].to_numpy(float), 5186)
    rows = [
        {
            "r_area_nm": name,
            "lat": None if i == 3 else lat,
            "lon": None if i == 3 else lon,
            "map_coord_x": round(float(x[i]), 3),
            "map_coord_y": round(float(y[i]), 3),
        }
        for i, (name, lon, lat) in enumerate(zip(pts["name"], pts["lon"], pts["lat"], strict=True))
    ]
    doc = {
        "DESCRIPTION": {
            "R_AREA_NM": "쉼터명칭",
            "LAT": "위도",
            "LON": "경도",
            "MAP_COORD_X": "X좌표(EPSG:5186)",
            "MAP_COORD_Y": "Y좌표(EPSG:5186)",
        },
        "DATA": rows,
    }
    path = tmp_path / "shelters.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    plan = prepare(path, _opts("t-plaza-pairs"))
    assert [p.epsg for p in plan.pairs] == [4326, 5186]
    report = imported(plan)
    assert report.inserted == 4 and report.rejected == 0
    assert sorted(report.by_pair.values()) == [1, 3]
    stored = _stored(engine, "t-plaza-pairs").loc[pts["name"]]
    d = distances_m(stored["lon"], stored["lat"], pts["lon"], pts["lat"])
    assert d.max() < 1.0 and (stored["location_precision"] == "exact").all()


# --- address-only rows -----------------------------------------------------------------------

#: (name, address, district, dong it names) ; dong None: rejected with the reason given.
ADDRESSES = [
    ("회기 경로당", "서울특별시 동대문구 회기동 1-5", "동대문구", "회기동"),
    ("예장 복지관", "서울특별시 중구 삼일대로 231(예장동)", "중구", "예장동"),
    ("신당 작은도서관", "서울특별시 중구 다산로 32 (신당동, 남산타운아파트)", "중구", "신당동"),
    ("강남 신사 쉼터", "서울특별시 강남구 도산대로 318 (신사동)", "강남구", "신사동"),
    ("은평 신사 쉼터", "서울특별시 은평구 신사동 12-3", "은평구", "신사동"),
    ("을지로 상가 회의실", "서울특별시 중구 을지로3가 315-1", "중구", "을지로3가"),
    ("역삼 주민공간", "서울특별시 강남구 테헤란로 152 (역삼1동)", "강남구", "역삼동"),
    ("수유 시장", "강북구 수유동405-5", "강북구", "수유동"),
    ("답십리 상가", "서울특별시 동대문구 답십리동80호 청솔우성아파트상가", "동대문구", "답십리동"),
    ("응암 쉼터", "서울특별시 은평구 응암로21길 11-20응암3동 579-34", "은평구", "응암동"),
    ("신림 골목시장", "서울특별시 관악구신림동 702-15", "관악구", "신림동"),
    ("창동 상점가", "서울특별시 도봉구 창동5~6, 12~12-3", "도봉구", "창동"),
    ("신내 요양원", "서울특별시 중랑구 신내로 194", None, "no_location"),
    ("신사 어딘가", "신사동 12", None, "no_location"),
    ("파주 쉼터", "경기도 파주시 소라지로 195 (신촌동)", None, "outside_seoul"),
]


def test_address_only_rows_sit_at_the_label_point_of_their_dong(tmp_path, engine, imported):
    df = pd.DataFrame({"시설명": [a[0] for a in ADDRESSES], "시설주소": [a[1] for a in ADDRESSES]})
    write_csv(tmp_path / "welfare.csv", df, encoding="cp949")
    plan = prepare(tmp_path / "welfare.csv", _opts("t-address"))
    assert plan.mode == "address" and plan.address_columns == ["시설주소"]
    report = imported(plan)

    located = [a for a in ADDRESSES if a[2]]
    assert report.inserted == len(located) == report.at_dong
    rejected = {
        r: sorted(report.rejected_rows.loc[report.rejected_rows["reason"] == r, "row"])
        for r in report.rejected_by_reason
    }
    assert rejected == {"no_location": [14, 15], "outside_seoul": [16]}
    ambiguous = report.rejected_rows.set_index("row").loc[15, "detail"]
    assert "여러 자치구" in ambiguous
    stored = _stored(engine, "t-address")
    for name, _addr, district, dong in located:
        row = stored.loc[name]
        assert row["dong_code"] == _dong_code(engine, district, dong), name
        assert row["location_precision"] == "dong"
        assert row["at_label_point"], name
    # 신사동 is in two districts: the address's district decides.
    assert stored.loc["강남 신사 쉼터", "dong_code"] != stored.loc["은평 신사 쉼터", "dong_code"]
    assert any("동 단위 위치" in w for w in map(str, report.warnings))


def test_a_file_with_coordinates_places_rows_without_them_at_their_dong(tmp_path, engine, imported):
    pts = true_points(4, seed=43)
    df = pd.DataFrame(
        {
            "시설명": [*pts["name"], "신정 쉼터", "망원 쉼터"],
            "자치구": [*pts["district"], "양천구", "마포구"],
            "동": ["", "", "", "", "신정동", "망원1동"],
            "위도": [*pts["lat"], "", ""],
            "경도": [*pts["lon"], "", ""],
        }
    )
    write_csv(tmp_path / "mixed.csv", df)
    report = imported(prepare(tmp_path / "mixed.csv", _opts("t-mixed")))
    assert report.inserted == 6 and report.at_dong == 2
    stored = _stored(engine, "t-mixed")
    assert (stored.loc[pts["name"], "location_precision"] == "exact").all()
    assert stored.loc["신정 쉼터", "dong_code"] == _dong_code(engine, "양천구", "신정동")
    assert stored.loc["망원 쉼터", "dong_code"] == _dong_code(engine, "마포구", "망원동")
    assert stored.loc[["신정 쉼터", "망원 쉼터"], "at_label_point"].all()


def test_blank_coordinate_columns_with_an_address_go_to_address_mode(tmp_path, engine):
    df = pd.DataFrame(
        {
            "시설명": ["회기 경로당", "예장 복지관"],
            "위도": ["", ""],
            "경도": ["", ""],
            "주소": ["서울특별시 동대문구 회기동 1-5", "서울특별시 중구 삼일대로 231(예장동)"],
        }
    )
    write_csv(tmp_path / "blank.csv", df)
    plan = prepare(tmp_path / "blank.csv", _opts("t-blank"))
    assert plan.mode == "address"
    assert any("비어" in n for n in map(str, plan.notes))


# --- where dong precision shows --------------------------------------------------------------


@pytest.fixture
def dong_rows(tmp_path, engine, imported):
    df = pd.DataFrame({"시설명": ["망원 동단위시험 쉼터"], "주소": ["서울특별시 마포구 망원1동"]})
    df.loc[1] = ["망원 정확시험 쉼터", ""]
    df["위도"] = ["", 37.5563]
    df["경도"] = ["", 126.9045]
    write_csv(tmp_path / "show.csv", df)
    report = imported(prepare(tmp_path / "show.csv", _opts("t-show")))
    assert report.at_dong == 1 and report.inserted == 2
    return "동단위시험"


def test_nearby_says_dong_level_and_rounds_the_distance(dong_rows, engine):
    with engine.connect() as conn:
        lon, lat = conn.execute(
            sa.text(
                "SELECT ST_X(geom), ST_Y(geom) FROM resources WHERE name = '망원 동단위시험 쉼터'"
            )
        ).one()
    hits = nearby(
        PUBLIC, Place(lon + 0.003, lat), radius_m=1000, flt=ResourceFilter(text="시험 쉼터")
    )
    by_name = {h.name: h for h in hits}
    hit = by_name["망원 동단위시험 쉼터"]
    assert hit.location_precision == "dong"
    assert "동 단위 위치" in distance_text(hit, "ko")
    assert distance_text(hit, "ko").startswith("약 ")
    assert "dong-level location" in distance_text(hit, "en")
    exact = by_name.get("망원 정확시험 쉼터")
    if exact is not None:
        assert distance_text(exact) == f"{exact.distance_m:,} m"


def test_map_draws_dong_level_resources_as_hollow_dashed_circles(dong_rows):
    gdf = resources(PUBLIC, ResourceFilter(text="시험 쉼터"))
    assert sorted(gdf["location_precision"]) == ["dong", "exact"]
    m = folium.Map(tiles=None)
    for group in maps.resource_groups(gdf, lang="ko"):
        group.add_to(m)
    html = m.get_root().render()
    assert html.count('"dashArray": "3 3"') == 1
    # The popup of the dong-level resource says so (GeoJSON properties are JSON-escaped).
    assert json.dumps("동 단위 위치")[1:-1] in html or "동 단위 위치" in html


def test_export_carries_the_location_precision(dong_rows, tmp_path):
    sel = Selection(resources=ResourceFilter(text="시험 쉼터"))
    out = tmp_path / "res.zip"
    export_layers(ExportRequest(("resources",), "shp", selection=sel), viewer=PUBLIC, out=out)
    with zipfile.ZipFile(out) as zf:
        shp = next(n for n in zf.namelist() if n.endswith(".shp"))
        readme = zf.read("README.txt").decode("utf-8")
    df = pyogrio.read_dataframe(f"/vsizip/{out}/{shp}")
    assert dict(zip(df["name"], df["loc_prec"], strict=True)) == {
        "망원 동단위시험 쉼터": "dong",
        "망원 정확시험 쉼터": "exact",
    }
    assert "location_precision = dong" in readme
    gpkg = tmp_path / "res.gpkg"
    export_layers(ExportRequest(("resources",), "gpkg", selection=sel), viewer=PUBLIC, out=gpkg)
    back = pyogrio.read_dataframe(gpkg, layer="resources")
    assert set(back["location_precision"]) == {"dong", "exact"}


def test_nearby_page_lists_the_dong_level_distance_as_such(dong_rows, engine):
    from streamlit.testing.v1 import AppTest

    with engine.connect() as conn:
        lon, lat = conn.execute(
            sa.text(
                "SELECT ST_X(geom), ST_Y(geom) FROM resources WHERE name = '망원 동단위시험 쉼터'"
            )
        ).one()
    at = AppTest.from_file(
        str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=90
    )
    at.session_state["nearby_click"] = (lon + 0.0004, lat)
    at.run()
    at.switch_page("views/nearby.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    # Results are cards titled "**rank. name** · distance · walk" (issue 15).
    cards = [e.label for e in at.expander if ". " in e.label and " · " in e.label]
    card = next(c for c in cards if "망원 동단위시험 쉼터" in c)
    assert "약 " in card and "(동 단위 위치)" in card
    # Exact records never read as dong-level (real address-only records, e.g. children's
    # centres at 망원동's label point, are dong-level too, and so are people, whom the
    # public sees at their dong's label point).
    with engine.connect() as conn:
        at_dong = set(
            conn.execute(
                sa.text(
                    "SELECT name FROM resources WHERE location_precision = 'dong' OR kind = 'human'"
                )
            ).scalars()
        )
    exact = [c for c in cards if not any(f" {name}**" in c for name in at_dong)]
    assert len(exact) > 0
    assert "동 단위 위치" not in " ".join(exact)


@pytest.mark.parametrize(
    ("columns", "primary", "pairs"),
    [
        (  # Seoul's parks list
            ["공원명", "X좌표(GRS80TM)", "Y좌표(GRS80TM)", "X좌표(WGS84)", "Y좌표(WGS84)"],
            ("X좌표(GRS80TM)", "Y좌표(GRS80TM)"),
            [("X좌표(GRS80TM)", "Y좌표(GRS80TM)"), ("X좌표(WGS84)", "Y좌표(WGS84)")],
        ),
        (  # 무더위쉼터 as the JSON reader names its columns (label, then key)
            [
                "경도 (lon)",
                "Y좌표(EPSG:5186) (map_coord_y)",
                "위도 (lat)",
                "X좌표(EPSG:5186) (map_coord_x)",
            ],
            ("경도 (lon)", "위도 (lat)"),
            [
                ("경도 (lon)", "위도 (lat)"),
                ("X좌표(EPSG:5186) (map_coord_x)", "Y좌표(EPSG:5186) (map_coord_y)"),
            ],
        ),
        (  # 한파쉼터 as a CSV: lat/lot beside xcrd/ycrd
            ["ycrd", "lotno_addr", "xcrd", "lot", "lat"],
            ("lot", "lat"),
            [("lot", "lat"), ("xcrd", "ycrd")],
        ),
    ],
)
def test_every_coordinate_pair_is_found_by_its_axis_words(columns, primary, pairs):
    from loaders.plan import coordinate_pairs

    assert coordinate_pairs(columns, primary) == pairs
