"""Column mapping: the names Korean portals use, mapping files, value spellings."""

from __future__ import annotations

import json

import pandas as pd
import pytest

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
def test_mapping_files_in_toml_or_json(tmp_path, suffix):
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
    assert "name" in err.value.user_msg and "매핑" in err.value.user_msg
