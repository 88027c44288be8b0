"""Reading files as they come: encodings, separators, header rows, sheets, layers, zips."""

from __future__ import annotations

import zipfile

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from loaders import readers
from loaders.readers import UnreadableFile, read_source
from loaders.targets import TARGETS
from tests.import_fixtures import true_points, write_xlsx_two_headers

RES = TARGETS["resources"]
ROWS = [
    ["마포 작은도서관", "마포구", "37.5565", "126.9220"],
    ["종로 북카페", "종로구", "37.57", "126.98"],
]


def _csv_text(sep: str = ",") -> str:
    lines = [sep.join(["시설명", "자치구", "위도", "경도"])] + [sep.join(r) for r in ROWS]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "encoding, bom, label",
    [
        ("utf-8", False, "UTF-8"),
        ("utf-8-sig", True, "UTF-8 (BOM)"),
        ("cp949", False, "CP949 (EUC-KR)"),
        ("euc-kr", False, "CP949 (EUC-KR)"),
    ],
)
def test_csv_encodings_are_detected_and_korean_text_survives(tmp_path, encoding, bom, label):
    path = tmp_path / "a.csv"
    path.write_bytes(_csv_text().encode(encoding))
    table = read_source(path, RES)
    assert table.encoding == label
    assert table.columns == ["시설명", "자치구", "위도", "경도"]  # no BOM in the first name
    assert table.frame["시설명"].tolist() == ["마포 작은도서관", "종로 북카페"]
    assert table.rows.tolist() == [2, 3]


@pytest.mark.parametrize("sep", [",", "\t", ";", "|"])
def test_csv_separators_are_sniffed(tmp_path, sep):
    path = tmp_path / "a.txt"
    path.write_text(_csv_text(sep), encoding="utf-8")
    table = read_source(path, RES)
    assert table.frame.values.tolist() == ROWS


def test_csv_title_lines_before_the_header_are_skipped(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("서울시 마을공간 목록\n기준일: 2024-01-01\n" + _csv_text(), encoding="utf-8")
    table = read_source(path, RES)
    assert table.header_row == 3
    assert table.rows.tolist() == [4, 5]
    assert table.frame["위도"].tolist() == ["37.5565", "37.57"]


def test_text_that_is_neither_utf8_nor_cp949_cannot_be_read(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"\x80\xff\xfe" * 20)
    with pytest.raises(UnreadableFile):
        read_source(path, RES)


def test_xlsx_two_header_rows_merged_cells_and_total_row(tmp_path):
    pts = true_points(3, seed=31)
    write_xlsx_two_headers(tmp_path / "a.xlsx", pts)
    table = read_source(tmp_path / "a.xlsx", RES)
    assert table.columns == ["연번", "시설명", "자치구", "주소", "위도", "경도"]
    assert table.header_row == 4
    assert table.rows.tolist() == [5, 6, 7]
    assert table.skipped == [(8, "total_row")]
    assert table.frame["연번"].tolist() == ["1", "2", "3"]  # integers without ".0"
    assert table.frame["위도"].tolist() == [repr(v) for v in pts["lat"]]
    assert table.sheets == ["마을공간 현황", "참고"] and table.sheet == "마을공간 현황"


def test_xlsx_sheet_by_name_and_an_unknown_sheet(tmp_path):
    pts = true_points(2, seed=32)
    write_xlsx_two_headers(tmp_path / "a.xlsx", pts)
    with pytest.raises(UnreadableFile) as err:
        read_source(tmp_path / "a.xlsx", RES, sheet="없는 시트")
    assert "마을공간 현황" in err.value.user_msg  # lists the sheets there are


def _points_gdf(n: int, seed: int) -> gpd.GeoDataFrame:
    pts = true_points(n, seed=seed)
    return gpd.GeoDataFrame(
        {"시설명": pts["name"]}, geometry=gpd.points_from_xy(pts["lon"], pts["lat"]), crs=4326
    )


@pytest.mark.parametrize(
    "cpg, written, expected",
    [
        (None, "cp949", "CP949"),
        (None, "utf-8", "UTF-8"),
        ("CP949", "cp949", "CP949"),
    ],
)
def test_shapefile_text_encoding_from_cpg_or_content(tmp_path, cpg, written, expected):
    gdf = _points_gdf(3, seed=33)
    shp = tmp_path / "a.shp"
    pyogrio.write_dataframe(gdf, shp, encoding=written)
    (tmp_path / "a.cpg").unlink(missing_ok=True)
    if cpg:
        (tmp_path / "a.cpg").write_text(cpg)
    table = read_source(shp, RES)
    assert table.frame["시설명"].tolist() == gdf["시설명"].tolist()
    assert table.encoding.upper().replace("-", "") == expected.replace("-", "")


def test_a_folder_of_shapefiles_offers_its_layers(tmp_path):
    _points_gdf(2, seed=34).to_file(tmp_path / "first.shp")
    _points_gdf(3, seed=35).to_file(tmp_path / "second.shp")
    default = read_source(tmp_path, RES)
    assert default.layers == ["first", "second"] and len(default.frame) == 2
    assert any("2 shapefiles" in n for n in map(str, default.notes))
    assert len(read_source(tmp_path, RES, layer="second").frame) == 3


def test_zip_members_cannot_escape_the_temporary_folder(tmp_path):
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("../../evil.csv", _csv_text())
    with pytest.raises(UnreadableFile):
        read_source(path, RES)


def test_zip_with_one_csv_inside_is_read(tmp_path):
    path = tmp_path / "one.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("목록.csv", _csv_text().encode("cp949"))
    table = read_source(path, RES)
    assert table.format == "zip/csv" and table.frame.values.tolist() == ROWS


def test_kml_drops_drawing_fields(tmp_path):
    from tests.import_fixtures import write_kml

    write_kml(tmp_path / "a.kml", true_points(2, seed=36))
    table = read_source(tmp_path / "a.kml", RES)
    assert "visibility" not in table.columns and "Name" in table.columns


def test_a_large_csv_is_sampled_for_detection_and_streamed_later(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "SAMPLE_ROWS", 10)
    body = "".join(f"공간 {i},마포구,37.55,126.92\n" for i in range(40))
    path = tmp_path / "big.csv"
    path.write_bytes(("시설명,자치구,위도,경도\n" + body + "합계,40,,\n").encode("cp949"))
    table = read_source(path, RES)
    assert not table.complete and len(table.frame) == 10
    assert table.skipped == [(42, "total_row")]
    src = table.csv
    data = b"".join(readers.iter_csv_chunks(src)).decode("cp949")
    assert data.splitlines()[0] == "공간 0,마포구,37.55,126.92"
    assert data.splitlines()[-1] == "공간 39,마포구,37.55,126.92"


@pytest.mark.parametrize(
    "value, text",
    [(2013.0, "2013"), (37.5665, "37.5665"), (None, None), ("  ", None), (pd.NaT, None)],
)
def test_cells_become_text_without_float_noise(value, text):
    assert readers.cell_text(value) == text


# --- JSON record files ---------------------------------------------------------------------------

_PLAZA = {
    "DESCRIPTION": {
        "R_AREA_NM": "쉼터명칭",
        "LAT": "위도",
        "LON": "경도",
        "USE_PRNB": "이용가능인원",
    },
    "DATA": [
        {"r_area_nm": "마포 경로당", "lat": 37.5565, "lon": 126.922, "use_prnb": 10},
        {"r_area_nm": "종로 주민센터", "lat": 37.57, "lon": 126.98, "use_prnb": None},
    ],
}
_RECORDS = [{"시설명": "마포 경로당", "위도": "37.5565", "경도": 126.922, "층": [1, 2]}]


def _json(tmp_path, data, name="a.json"):
    import json

    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_open_data_plaza_json_columns_are_named_by_their_korean_labels(tmp_path):
    table = read_source(_json(tmp_path, _PLAZA), RES)
    assert table.format == "json" and table.geometry is None
    assert table.columns == [
        "쉼터명칭 (r_area_nm)",
        "위도 (lat)",
        "경도 (lon)",
        "이용가능인원 (use_prnb)",
    ]
    # Numbers stay text cells, as in a CSV; a null is a blank cell.
    assert table.frame.values.tolist() == [
        ["마포 경로당", "37.5565", "126.922", "10"],
        ["종로 주민센터", "37.57", "126.98", None],
    ]
    assert table.rows.tolist() == [1, 2]


@pytest.mark.parametrize("shape", ["list", "object"])
def test_plain_record_lists_are_read_like_a_csv(tmp_path, shape):
    data = _RECORDS if shape == "list" else {"records": _RECORDS, "total": 1}
    table = read_source(_json(tmp_path, data), RES)
    assert table.columns == ["시설명", "위도", "경도", "층"]
    assert table.frame.values.tolist() == [["마포 경로당", "37.5565", "126.922", "[1, 2]"]]


def test_geojson_with_a_json_extension_is_still_geojson(tmp_path):
    data = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"시설명": "마포 경로당"},
                "geometry": {"type": "Point", "coordinates": [126.922, 37.5565]},
            }
        ],
    }
    table = read_source(_json(tmp_path, data), RES)
    assert table.format == "geojson" and table.geometry.iloc[0].x == 126.922


def test_json_without_records_is_refused_clearly(tmp_path):
    with pytest.raises(UnreadableFile) as err:
        read_source(_json(tmp_path, {"a": 1, "b": [1, 2]}), RES)
    assert "records" in err.value.user_msg
