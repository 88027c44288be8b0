"""Column mapping: the names Korean portals use, mapping files, value spellings."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import sqlalchemy as sa

from geo.errors import InvalidInput
from loaders.columns import (
    Mapping,
    check_mapping,
    code_lookup,
    detect_mapping,
    norm_key,
    read_mapping_file,
)
from loaders.plan import ImportOptions, prepare
from loaders.targets import TARGETS
from tests.import_fixtures import project, true_points, write_csv

RES = TARGETS["resources"]


@pytest.mark.parametrize(
    "header, expected",
    [
        # LOCALDATA (인허가) export
        (
            ["번호", "관리번호", "사업장명", "소재지전체주소", "좌표정보(X)", "좌표정보(Y)"],
            {
                "x": "좌표정보(X)",
                "y": "좌표정보(Y)",
                "name": "사업장명",
                "address": "소재지전체주소",
                "source_id": "관리번호",
            },
        ),
        # Seoul open data (서울 열린데이터광장)
        (
            ["FCLTY_NM", "RDNMADR", "LC_LA", "LC_LO", "SIGNGU_NM"],
            {
                "y": "LC_LA",
                "x": "LC_LO",
                "name": "FCLTY_NM",
                "address": "RDNMADR",
                "district": "SIGNGU_NM",
            },
        ),
        # District office spreadsheet
        (
            ["연번", "시설명", "자치구", "도로명주소", "위도", "경도", "전화번호", "비고"],
            {
                "y": "위도",
                "x": "경도",
                "name": "시설명",
                "district": "자치구",
                "address": "도로명주소",
                "contact": "전화번호",
                "description": "비고",
            },
        ),
        # Projected coordinates with the system in the header
        (
            ["명칭", "X좌표(GRS80TM)", "Y좌표(GRS80TM)"],
            {"x": "X좌표(GRS80TM)", "y": "Y좌표(GRS80TM)", "name": "명칭"},
        ),
        (["Name", "latitude", "longitude"], {"y": "latitude", "x": "longitude", "name": "Name"}),
    ],
)
def test_portal_column_names_are_recognised(header, expected):
    assert detect_mapping(header, RES, has_geometry=False).columns == expected


def test_a_column_serves_one_field_only():
    m = detect_mapping(["이름", "유형", "갈등유형"], TARGETS["conflict_cases"], has_geometry=True)
    assert m.columns == {"title": "이름", "conflict_type": "갈등유형"}


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_mapping_files_in_toml_or_json(tmp_path, suffix, engine):  # vocabulary is in the DB
    data = {
        "crs": 5174,
        "source": "mapo-spaces",
        "columns": {"name": "NM", "lon": "COORD_A", "lat": "COORD_B"},
        "values": {"kind": "space"},
        "codes": {"category": {"작은 도서관": "library", "책방": "book_cafe"}},
    }
    path = tmp_path / f"m{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    else:
        path.write_text(
            'crs = 5174\nsource = "mapo-spaces"\n[columns]\nname = "NM"\nlon = "COORD_A"\n'
            'lat = "COORD_B"\n[values]\nkind = "space"\n[codes.category]\n'
            '"작은 도서관" = "library"\n"책방" = "book_cafe"\n',
            encoding="utf-8",
        )
    m = read_mapping_file(path)
    assert m.columns == {"name": "NM", "x": "COORD_A", "y": "COORD_B"}
    assert (m.values, m.crs, m.source) == ({"kind": "space"}, "5174", "mapo-spaces")
    lookup = code_lookup(RES, m)["category"]
    assert lookup[norm_key("작은도서관")] == "library" and lookup[norm_key("책방")] == "book_cafe"


def test_a_mapping_file_drives_an_import_of_odd_column_names(tmp_path, engine):
    from loaders.ingest import run_import

    pts = true_points(4, seed=61)
    x, y = project(pts["lon"], pts["lat"], 5186)
    df = pd.DataFrame(
        {
            "NM": pts["name"],
            "COORD_A": x.round(2),
            "COORD_B": y.round(2),
            "TYPE": ["작은 도서관", "책방", "책방", "작은 도서관"],
        }
    )
    write_csv(tmp_path / "odd.csv", df)
    (tmp_path / "m.toml").write_text(
        'crs = "EPSG:5186"\n[columns]\nname = "NM"\nx = "COORD_A"\ny = "COORD_B"\n'
        'category = "TYPE"\n[codes.category]\n"작은 도서관" = "library"\n"책방" = "book_cafe"\n',
        encoding="utf-8",
    )
    opts = ImportOptions(source="t-mapfile", mapping=read_mapping_file(tmp_path / "m.toml"))
    plan = prepare(tmp_path / "odd.csv", opts)
    assert plan.epsg == 5186 and plan.crs_origin == "given"
    report = run_import(plan, engine=engine, dry_run=True)
    assert (report.inserted, report.rejected) == (4, 0)


def test_mapping_mistakes_are_reported_together():
    with pytest.raises(InvalidInput) as err:
        check_mapping(
            Mapping(columns={"name": "없는열", "colour": "A"}, values={"x": "1"}),
            ["A", "B"],
            RES,
        )
    msg = err.value.user_msg
    assert "없는열" in msg and "colour" in msg and "'x'" in msg


def test_unknown_mapping_file_keys_are_refused(tmp_path):
    (tmp_path / "m.toml").write_text('[colums]\nname = "A"\n', encoding="utf-8")
    with pytest.raises(InvalidInput) as err:
        read_mapping_file(tmp_path / "m.toml")
    assert "colums" in err.value.user_msg


def test_missing_required_fields_name_what_to_give(tmp_path):
    # A category is no longer required (rows without one are unclassified); a name is.
    write_csv(tmp_path / "a.csv", pd.DataFrame({"비고": ["가"], "위도": [37.5], "경도": [127.0]}))
    with pytest.raises(InvalidInput) as err:
        prepare(tmp_path / "a.csv")
    # Said in page terms (issue 15: no command-line flags on the page), with what is missing.
    msg = err.value.user_msg
    assert "이름" in msg and "Name" in msg and "열 연결" in msg and "--" not in msg
    assert err.value.missing == ["name"] and "비고" in err.value.columns


# --- recognition from header shapes and values -------------------------------------------------

_GU = ["종로구", "마포구", "강남구", "노원구", "은평구", "송파구"]


def _frame(n: int = 6, **cols) -> pd.DataFrame:
    return pd.DataFrame({k: (v * n)[:n] if isinstance(v, list) else v for k, v in cols.items()})


@pytest.mark.parametrize(
    "cols, expected, why",
    [
        # Prefixed …시설명 beside 시군구명 and 시설종류명, which also end in 명.
        (
            {
                "시군구명": _GU,
                "시설종류명": ["경로당", "경로당", "주민센터"],
                "어르신쉼터시설명": [f"행복{i}쉼터" for i in range(6)],
                "위도": ["37.5"],
                "경도": ["127.0"],
            },
            {"name": "어르신쉼터시설명", "district": "시군구명", "category": "시설종류명"},
            "시설명",
        ),
        # Coded headers (서울 열린데이터광장): …_NM names, SIGNGU_NM, …_CL_NM.
        (
            {
                "SIGNGU_NM": _GU,
                "FCLTY_CL_NM": ["작은도서관", "공원", "전통시장"],
                "R_AREA_NM": [f"무지개{i}" for i in range(6)],
                "LC_LA": ["37.5"],
                "LC_LO": ["127.0"],
            },
            {"name": "R_AREA_NM", "district": "SIGNGU_NM", "category": "FCLTY_CL_NM"},
            "NM",
        ),
        # English …_NAME, …_TYPE, and two addresses: the road address is shown.
        (
            {
                "FACILITY_TYPE": ["park", "museum"],
                "LOT_ADDR": [f"서울특별시 마포구 합정동 {i}" for i in range(6)],
                "FACILITY_NAME": [f"Hill {i}" for i in range(6)],
                "ROAD_ADDR": [f"서울특별시 마포구 양화로 {i}" for i in range(6)],
                "LAT": ["37.5"],
                "LON": ["127.0"],
            },
            {"name": "FACILITY_NAME", "category": "FACILITY_TYPE", "address": "ROAD_ADDR"},
            "NAME",
        ),
        # 자치구명, 시도명 and 도로명주소 are not names; …공원명 is.
        (
            {
                "시도명": ["서울특별시"],
                "자치구명": _GU,
                "도로명주소": [f"서울특별시 종로구 종로 {i}" for i in range(6)],
                "근린공원명": [f"{i}근린공원" for i in range(6)],
                "위도": ["37.5"],
                "경도": ["127.0"],
            },
            {"name": "근린공원명", "district": "자치구명", "address": "도로명주소"},
            "명",
        ),
    ],
)
def test_names_are_recognised_by_their_shape_not_a_list(engine, cols, expected, why):
    frame = _frame(**cols)
    codes = code_lookup(RES, Mapping())
    m = detect_mapping(list(frame.columns), RES, has_geometry=False, frame=frame, codes=codes)
    assert {k: m.columns.get(k) for k in expected} == expected
    # The report can say why: the header's ending and how distinct the names are.
    assert f"ends in {why}" in m.evidence["name"].text("en") and "100 % distinct" in m.evidence[
        "name"
    ].text("en")


def test_a_column_of_repeated_values_is_not_taken_for_names(engine):
    frame = _frame(
        **{"담당기관명": ["마포구청"], "놀이터명": [f"놀이터{i}" for i in range(6)], "x": ["1"]}
    )
    m = detect_mapping(list(frame.columns), RES, has_geometry=True, frame=frame)
    assert m.columns["name"] == "놀이터명"


def test_the_type_column_whose_values_are_categories_wins(engine):
    # 서울시 사회복지시설 목록: two type columns; the first holds 사회복지관, 지역아동센터...
    frame = pd.DataFrame(
        {
            "시설명": ["가 복지관", "나 센터", "다 복지관", "라 센터"],
            "시설종류명(시설유형)": [
                "(일반) 사회복지관",
                "(아동) 지역아동센터",
                "(노인) 노인복지관(소규모)",
                "(아동) 지역아동센터",
            ],
            "시설종류상세명(시설종류)": [
                "일반사회복지시설",
                "아동복지시설",
                "노인여가",
                "아동복지",
            ],
            "시설주소": ["서울특별시 중구 세종대로 110"] * 4,
        }
    )
    codes = code_lookup(RES, Mapping())
    m = detect_mapping(list(frame.columns), RES, has_geometry=True, frame=frame, codes=codes)
    assert m.columns["category"] == "시설종류명(시설유형)"
    assert "100 % of values are known categories" in m.evidence["category"].text("en")
    assert m.columns["address"] == "시설주소" and m.columns["name"] == "시설명"


def test_a_kind_alias_whose_values_are_not_kinds_is_left_for_the_category(engine):
    frame = _frame(**{"시장명": [f"{i}시장" for i in range(6)], "유형": ["등록시장", "인정시장"]})
    codes = code_lookup(RES, Mapping())
    m = detect_mapping(list(frame.columns), RES, has_geometry=True, frame=frame, codes=codes)
    assert "kind" not in m.columns and m.columns["category"] == "유형"


def test_the_users_mapping_wins_and_the_plan_says_who_chose(tmp_path, engine):
    df = pd.DataFrame(
        {
            "시설명": ["가", "나"],
            "별칭명": ["ㄱ", "ㄴ"],
            "위도": [37.55, 37.56],
            "경도": [127.0, 127.01],
        }
    )
    write_csv(tmp_path / "a.csv", df)
    plan = prepare(tmp_path / "a.csv")
    assert plan.describe("en")["name ←"].startswith("시설명: known header")
    plan = prepare(tmp_path / "a.csv", ImportOptions(mapping=Mapping(columns={"name": "별칭명"})))
    assert plan.mapping.columns["name"] == "별칭명"
    assert plan.describe("en")["name ←"] == "별칭명: given by the mapping"


def test_rooms_of_one_building_are_records_of_their_own(tmp_path, engine, cleanup):
    """전국공공시설개방정보: one row per room, the building's name repeated at one point. The
    room column completes the name; only a row repeating building, room and point is a
    duplicate."""
    from loaders.ingest import run_import

    pts = true_points(3, seed=62)
    buildings = [
        ("가동주민센터", pts.iloc[0]),
        ("나구민회관", pts.iloc[1]),
        ("다문화센터", pts.iloc[2]),
    ]
    rooms = {"가동주민센터": ["회의실", "강의실", "다목적실"], "나구민회관": ["대강당", "소강당"]}
    rows = []
    for name, p in buildings:
        for room in rooms.get(name, [name]):  # a place whose room is the building itself
            rows.append(
                {"개방시설명": name, "개방장소명": room, "위도": p["lat"], "경도": p["lon"]}
            )
    rows.append(dict(rows[1]))  # the same room listed twice
    write_csv(tmp_path / "open.csv", pd.DataFrame(rows), encoding="cp949")
    plan = prepare(tmp_path / "open.csv", ImportOptions(source="t-rooms", category="hall"))
    assert plan.mapping.columns["name_part"] == "개방장소명"
    assert "개방장소명" in plan.describe("en")["name + ←"]
    cleanup.source("t-rooms")
    report = run_import(plan, engine=engine)
    assert (report.inserted, report.rejected) == (6, 1)
    assert report.rejected_by_reason == {"duplicate": 1}
    with engine.connect() as conn:
        names = set(
            conn.execute(sa.text("SELECT name FROM resources WHERE source = 't-rooms'")).scalars()
        )
    assert names == {
        "가동주민센터 회의실",
        "가동주민센터 강의실",
        "가동주민센터 다목적실",
        "나구민회관 대강당",
        "나구민회관 소강당",
        "다문화센터",
    }


def test_headers_alone_still_map_type_and_kind_columns():
    # Without values (a mapping is checked before the file is read) the headers decide.
    m = detect_mapping(
        ["자원유형", "시설유형", "쉼터명칭", "위도", "경도"], RES, has_geometry=False
    )
    assert (m.columns["kind"], m.columns["category"], m.columns["name"]) == (
        "자원유형",
        "시설유형",
        "쉼터명칭",
    )
