"""Layer export: every layer x format x CRS reads back as the database holds it, privately.

Files are read back with pyogrio and with GDAL's own ``ogrinfo`` and compared with what the
app's query layer returns: same records, same attributes (Korean included), geometries
within 1 cm after transforming back.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyogrio
import pytest
import shapely
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from geo import queries, vocab
from geo.access import PUBLIC, Viewer
from geo.errors import Forbidden, InvalidInput
from geo.queries import ResourceFilter
from geo.reference import attribution
from geo.settings import load_settings
from layers.export.bundle import export_bundle
from layers.export.fieldmap import SHAPEFILE_FIELDS
from layers.export.read import BUNDLE_LAYERS, EXPORT_CRS, LAYERS, Selection, read_layers
from layers.export.writers import FORMATS, ExportRequest, export_layers, output_suffix, readme
from tests.conftest import add_resources

ROOT = Path(__file__).resolve().parent.parent
MAPO, GANGNAM, JONGNO = "11440", "11680", "11110"
PLANNER = Viewer("planner", "planner1")
SOURCE = "test-export"
# A person in 망원동, Mapo-gu: exact point, address and contact that the public never gets.
PERSON = {
    "name": "테스트 사람 홍길동",
    "xy": (126.9045, 37.5560),
    "contact": "010-9876-5432",
    "address": "서울특별시 마포구 망원동 123-45",
}
LONG_TEXT = "마을공동체 이야기 " * 40  # 440 characters: 800+ bytes in CP949, more than a DBF holds
# Records in Jongno-gu whose text a spreadsheet would run, or that CP949 cannot hold.
ODD = [
    ('=HYPERLINK("http://example.org","모임")', "-5도 이하 한파 주의", "+82-2-000-0000", "@마포"),
    ("🌱 옥상 텃밭", LONG_TEXT, "02-111-2222", "서울특별시 종로구 1-1"),
]
FORMULA_NAME = ODD[0][0]


@pytest.fixture(scope="module")
def sample(engine, module_cleanup):
    """A person in Mapo-gu, a staff-only room, and odd text in Jongno-gu; removed afterwards."""
    rows = [
        ("human", "artist", PERSON["name"], "마을 벽화 작가 (테스트)", PERSON["address"],
         PERSON["contact"], PERSON["xy"], "public", "p-1"),
        ("space", "hall", "테스트 비공개 강당", "직원 전용", "서울특별시 마포구 망원동 1",
         "02-000-0000", (126.9050, 37.5565), "staff", "p-2"),
    ]  # fmt: skip
    for i, (name, descr, contact, address) in enumerate(ODD):
        rows.append(
            ("space", "meeting_room", name, descr, address, contact, (126.9790, 37.5710),
             "public", f"o-{i}")
        )  # fmt: skip
    module_cleanup.source(SOURCE)
    module_cleanup.run()  # what an interrupted run left
    columns = ("kind", "category", "name", "description", "address", "contact")
    with engine.begin() as conn:
        add_resources(
            conn,
            SOURCE,
            [
                dict(zip(columns, row[:6], strict=True), visibility=row[7], source_id=row[8])
                | {"lon": row[6][0], "lat": row[6][1]}
                for row in rows
            ],
        )


# --- reading files back ------------------------------------------------------------------

_SHORT_TO_LONG = {short: long for long, short in SHAPEFILE_FIELDS.items()}
_KML_EXTRAS = {
    "timestamp", "begin", "end", "altitudeMode", "tessellate", "extrude", "visibility",
    "drawOrder", "icon", "snippet",
}  # fmt: skip


def _read_csv(data: bytes, layer: str) -> gpd.GeoDataFrame:
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    df = pd.DataFrame(rows, columns=list(rows[0]) if rows else None)
    if "wkt" in df.columns:
        geom = shapely.from_wkt(df.pop("wkt").to_numpy())
    else:
        geom = shapely.points(df["x"].astype(float), df["y"].astype(float))
    return gpd.GeoDataFrame(df.drop(columns=["x", "y"]), geometry=list(geom))


def read_back(path: Path, fmt: str, layer: str) -> tuple[gpd.GeoDataFrame, str | None]:
    """The layer as a desktop GIS would read it: (frame with export field names, CRS)."""
    spec = LAYERS[layer]
    zipped = path.suffix == ".zip" and fmt != "shp"  # several GeoJSON or CSV files
    if fmt == "csv":
        if zipped:
            with zipfile.ZipFile(path) as zf:
                return _read_csv(zf.read(f"{layer}.csv"), layer), None
        return _read_csv(path.read_bytes(), layer), None
    if zipped:
        path = f"/vsizip/{path}/{layer}.geojson"
    if fmt == "shp":
        with zipfile.ZipFile(path) as zf:
            part = re.compile(rf"^{layer}(_point|_line|_polygon)?\.shp$")
            parts = sorted(n for n in zf.namelist() if part.match(n))
        frames = [pyogrio.read_dataframe(f"/vsizip/{path}/{p}") for p in parts]
        crs = pyogrio.read_info(f"/vsizip/{path}/{parts[0]}")["crs"]
        df = pd.concat(frames, ignore_index=True).rename(columns=_SHORT_TO_LONG)
        return gpd.GeoDataFrame(df, geometry="geometry"), crs
    kwargs = {"layer": layer} if fmt in ("gpkg", "kml") else {}
    df = pyogrio.read_dataframe(path, **kwargs)
    crs = pyogrio.read_info(path, **kwargs)["crs"]
    if fmt == "kml":  # <name> holds the display field; our "id" comes back as "id2"
        df = df.drop(columns=[c for c in df.columns if c in _KML_EXTRAS])
        df = df.drop(columns=["id"]).rename(columns={"Name": spec.display_field, "id2": "id"})
    return df, crs


def ogrinfo_counts(path: Path) -> dict[str, int]:
    """Feature count per layer as GDAL's command-line ogrinfo reports it."""
    target = f"/vsizip/{path}" if path.suffix == ".zip" else str(path)
    out = subprocess.run(
        ["ogrinfo", "-ro", "-so", "-al", target], capture_output=True, text=True, check=True
    ).stdout
    names = re.findall(r"^Layer name: (.+)$", out, re.M)
    counts = [int(n) for n in re.findall(r"^Feature Count: (\d+)$", out, re.M)]
    return dict(zip(names, counts, strict=True))


# --- what the database holds (through the app's own query layer) ----------------------------


def expected(layer: str, districts: tuple[str, ...], viewer: Viewer) -> gpd.GeoDataFrame:
    frames = []
    for code in districts:
        if layer.startswith("resources"):
            kinds = (layer.split("_", 1)[1],) if "_" in layer else ()
            # Exports keep every source record (maps show a linked place once).
            every = ResourceFilter(code, kinds, one_per_place=False)
            frames.append(queries.resources(viewer, every))
        elif layer == "program_sites":
            frames.append(queries.program_sites(code))
        elif layer == "conflict_cases":
            frames.append(queries.conflicts(code))
        elif layer == "districts":
            frames.append(queries.districts().query("code == @code"))
        else:
            frames.append(queries.dongs(code))
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geom", crs=4326)


def _canon(value, type_: pa.DataType, fmt: str):
    """One comparable form per value, whatever the format made of its type."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str) and value == "":
        return None
    if pa.types.is_boolean(type_):
        return str(value).lower() in ("true", "1", "t")
    if pa.types.is_integer(type_):
        return int(float(value))
    if pa.types.is_floating(type_):
        return round(float(value), 9)
    if pa.types.is_date(type_):
        return str(value)[:10]
    text = str(value)
    if fmt == "csv" and text.startswith("'") and text[1:2] in ("=", "+", "-", "@"):
        return text[1:]  # neutralised formula; checked on its own below
    return text


def _key(spec) -> str:
    return spec.columns[0].name


def assert_same_records(got: gpd.GeoDataFrame, want: gpd.GeoDataFrame, layer: str, fmt: str):
    spec = LAYERS[layer]
    key = _key(spec)
    assert len(got) == len(want) > 0
    got = got.assign(_k=[_canon(v, spec.columns[0].type, fmt) for v in got[key]]).set_index("_k")
    want = want.assign(_k=[_canon(v, spec.columns[0].type, fmt) for v in want[key]])
    want = want.set_index("_k")
    assert set(got.index) == set(want.index)
    types = {c.name: c.type for c in spec.columns}
    compared = [c for c in want.columns if c in types and c in got.columns]
    assert len(compared) >= 4, compared
    for col in compared:
        g = [_canon(v, types[col], fmt) for v in got.loc[want.index, col]]
        w = [_canon(v, types[col], fmt) for v in want[col]]
        assert g == w, f"{layer}.{col} differs in {fmt}"
    # Korean labels of codes arrive too
    if "kind_ko" in got.columns:
        assert list(got.loc[want.index, "kind_ko"]) == [vocab.KINDS[k][0] for k in want["kind"]]


def assert_within_1cm(got: gpd.GeoDataFrame, crs: int, want: gpd.GeoDataFrame, key: str):
    """Geometries transformed back to WGS84 lie within 1 cm of the database's."""
    got = gpd.GeoDataFrame(got, geometry=got.geometry.name, crs=crs).to_crs(4326)
    got.index = [str(v) for v in got[key]]
    want = want.set_index(want[key].astype(str))
    metric = 5179  # metres
    a = got.loc[want.index].geometry.to_crs(metric).to_numpy()
    b = want.geometry.to_crs(metric).to_numpy()
    assert shapely.hausdorff_distance(a, b).max() < 0.01


CASES = [
    (layer, fmt, crs)
    for layer in ("resources", "resources_space", *BUNDLE_LAYERS[1:])
    for fmt in FORMATS
    for crs in EXPORT_CRS
    if FORMATS[fmt].fixed_crs in (None, crs)
]


@pytest.mark.parametrize(("layer", "fmt", "crs"), CASES)
def test_round_trip_matches_the_database(db_url, sample, tmp_path, layer, fmt, crs):
    districts = (MAPO, GANGNAM)  # several districts at once
    request = ExportRequest((layer,), fmt, crs, Selection(districts=districts))
    out = tmp_path / f"export{output_suffix(request)}"
    result = export_layers(request, viewer=PUBLIC, out=out)
    want = expected(layer, districts, PUBLIC)
    assert result.counts == {layer: len(want)}

    got, file_crs = read_back(out, fmt, layer)
    if fmt != "csv":
        assert file_crs == f"EPSG:{crs}"
    assert_same_records(got, want, layer, fmt)
    assert_within_1cm(got, crs, want, _key(LAYERS[layer]))
    # GDAL's own command-line tool sees the same number of records
    assert sum(ogrinfo_counts(out).values()) == len(want)


# --- Korean text and encodings -------------------------------------------------------------


def _export(tmp_path, fmt, *, layers=("resources",), districts=(MAPO,), viewer=PUBLIC, **kw):
    request = ExportRequest(tuple(layers), fmt, kw.pop("crs", 4326), Selection(districts), **kw)
    out = tmp_path / f"x_{fmt}_{kw.get('encoding', '')}{output_suffix(request)}"
    return export_layers(request, viewer=viewer, out=out), out


def test_cp949_shapefile_is_read_correctly_through_its_cpg(db_url, sample, tmp_path):
    _, out = _export(tmp_path, "shp", encoding="cp949")
    with zipfile.ZipFile(out) as zf:
        assert zf.read("resources.cpg").decode().strip().upper() == "CP949"
        dbf = zf.read("resources.dbf")
        zf.extractall(tmp_path / "shp")
    assert PERSON["name"].encode("cp949") in dbf  # really CP949 bytes, not UTF-8
    assert PERSON["name"].encode("utf-8") not in dbf
    # GDAL (QGIS, pyogrio) picks the encoding from the .cpg: correct Korean names
    names = set(pyogrio.read_dataframe(tmp_path / "shp" / "resources.shp")["name"])
    assert PERSON["name"] in names
    listing = subprocess.run(
        ["ogrinfo", "-ro", "-al", "-q", str(tmp_path / "shp" / "resources.shp")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"name (String) = {PERSON['name']}" in listing
    # without the .cpg the same reader cannot know: the names come out garbled
    (tmp_path / "shp" / "resources.cpg").unlink()
    blind = set(pyogrio.read_dataframe(tmp_path / "shp" / "resources.shp")["name"])
    assert PERSON["name"] not in blind


def test_utf8_shapefile_keeps_characters_cp949_cannot_hold(db_url, sample, tmp_path):
    _, cp949 = _export(tmp_path, "shp", districts=(JONGNO,), encoding="cp949")
    result, utf8 = _export(tmp_path, "shp", districts=(JONGNO,), encoding="utf-8")
    with zipfile.ZipFile(utf8) as zf:
        assert zf.read("resources.cpg").decode().strip().upper() == "UTF-8"
    names_utf8 = set(read_back(utf8, "shp", "resources")[0]["name"])
    names_cp949 = set(read_back(cp949, "shp", "resources")[0]["name"])
    assert "🌱 옥상 텃밭" in names_utf8
    assert "? 옥상 텃밭" in names_cp949  # the emoji cannot be CP949: replaced, and said so
    assert not any("'?'" in n for n in map(str, result.notes))  # nothing replaced in UTF-8


def test_long_text_is_cut_for_dbf_at_a_character_boundary_and_reported(db_url, sample, tmp_path):
    result, out = _export(tmp_path, "shp", districts=(JONGNO,), encoding="cp949")
    got = read_back(out, "shp", "resources")[0]
    cut = got.loc[got["name"] == "? 옥상 텃밭", "description"].iloc[0]
    assert len(cut.encode("cp949")) <= 254
    assert LONG_TEXT.startswith(cut) and len(cut) > 100
    assert any("254" in n for n in map(str, result.notes))
    assert any("'?'" in n for n in map(str, result.notes))
    # GeoPackage holds it whole
    _, gpkg = _export(tmp_path, "gpkg", districts=(JONGNO,))
    whole = read_back(gpkg, "gpkg", "resources")[0]
    assert LONG_TEXT in set(whole["description"])


def test_csv_opens_as_utf8_with_bom_and_neutralises_formulas(db_url, sample, tmp_path):
    _, out = _export(tmp_path, "csv", districts=(JONGNO,))
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # Excel's signal for UTF-8
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0].keys() >= {"name", "x", "y"}
    odd = next(r for r in rows if r["name"].endswith('"모임")'))
    assert odd["name"] == "'" + FORMULA_NAME
    assert odd["description"] == "'-5도 이하 한파 주의"
    assert odd["contact"] == "'+82-2-000-0000"
    assert odd["address"] == "'@마포"
    assert not any(v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values())
    assert float(odd["x"]) == pytest.approx(126.979) and float(odd["y"]) == pytest.approx(37.571)
    # Only CSV is changed: a GeoPackage keeps the value as entered
    _, gpkg = _export(tmp_path, "gpkg", districts=(JONGNO,))
    assert FORMULA_NAME in set(read_back(gpkg, "gpkg", "resources")[0]["name"])


# --- privacy -------------------------------------------------------------------------------


def _all_bytes(path: Path) -> bytes:
    if path.suffix != ".zip":
        return path.read_bytes()
    with zipfile.ZipFile(path) as zf:
        return b"".join(zf.read(n) for n in zf.namelist())


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_no_public_export_holds_a_persons_contact_or_exact_point(
    db_url, sample, tmp_path, engine, fmt
):
    _, public = _export(tmp_path, fmt, layers=("resources", "resources_human"))
    blob = _all_bytes(public)
    for secret in (PERSON["contact"], PERSON["address"]):
        for codec in ("utf-8", "cp949"):
            assert secret.encode(codec) not in blob
    assert "테스트 비공개 강당".encode() not in blob  # staff-only record left out
    got = read_back(public, fmt, "resources")[0]
    person = got[got["name"] == PERSON["name"]]
    assert len(person) == 1
    with engine.connect() as conn:
        label = conn.execute(
            sa.text("SELECT ST_AsText(label_point) FROM dongs WHERE name_ko = '망원동'")
        ).scalar_one()
    point = person.geometry.iloc[0]
    assert point.distance(shapely.Point(PERSON["xy"])) > 0.0005  # not the exact point (>50 m)
    assert point.distance(shapely.from_wkt(label)) < 1e-9  # but the dong's label point
    # Control: the same export for a city planner does hold them
    (tmp_path / "staff").mkdir()
    _, staff = _export(tmp_path / "staff", fmt, layers=("resources",), viewer=PLANNER)
    assert PERSON["contact"].encode("cp949" if fmt == "shp" else "utf-8") in _all_bytes(staff)


@pytest.mark.parametrize(("officer_of", "sees_contact"), [(MAPO, True), (GANGNAM, False)])
def test_a_district_officer_exports_contacts_of_their_own_district_only(
    db_url, sample, tmp_path, officer_of, sees_contact
):
    officer = Viewer("district_officer", "officer1", officer_of)
    if not sees_contact:  # the Gangnam officer may not export Mapo at all...
        with pytest.raises(Forbidden):
            _export(tmp_path, "csv", districts=(MAPO,), viewer=officer)
    # ...and "all of Seoul" means their own district.
    result, out = _export(tmp_path, "csv", districts=(), viewer=officer)
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert {r["district_code"] for r in rows} == {officer_of}
    people = [r for r in rows if r["name"] == PERSON["name"]]
    if sees_contact:
        (person,) = people
        assert person["contact"] == PERSON["contact"]
        assert person["location_generalised"] == "false"
    else:
        assert people == []
    assert result.counts["resources"] == len(rows)


# --- field names, filters, bundle ----------------------------------------------------------


def test_shapefile_field_names_follow_the_fixed_mapping_written_into_the_zip(db_url, tmp_path):
    for spec in LAYERS.values():
        shorts = [SHAPEFILE_FIELDS[c.name] for c in spec.columns]
        assert all(len(s) <= 10 and s.isascii() for s in shorts)
        assert len(set(shorts)) == len(shorts), spec.name
    _, out = _export(tmp_path, "shp", layers=BUNDLE_LAYERS)
    with zipfile.ZipFile(out) as zf:
        mapping = list(csv.DictReader(io.StringIO(zf.read("fieldmap.csv").decode("utf-8-sig"))))
        text = zf.read(readme.FILE_NAME).decode("utf-8-sig")
    pairs = {(r["layer"], r["field"]): r["shapefile_field"] for r in mapping}
    assert pairs[("resources", "description")] == "descr"
    assert pairs[("resources", "location_generalised")] == "loc_gen"
    assert "description            -> descr" in text
    for layer in ("resources", "dongs"):
        got = pyogrio.read_info(f"/vsizip/{out}/{layer}.shp")["fields"]
        assert list(got) == [pairs[(layer, c.name)] for c in LAYERS[layer].columns]


def test_the_field_mapping_is_documented(db_url):
    doc = (ROOT / "docs" / "export.md").read_text(encoding="utf-8")
    for field, short in SHAPEFILE_FIELDS.items():
        assert f"| `{field}` | `{short}` |" in doc, field


def test_export_uses_the_map_filters_and_per_kind_layers(db_url, sample, tmp_path):
    flt = ResourceFilter(kinds=("space", "heritage"), text="도서관")
    request = ExportRequest(
        ("resources", "resources_space", "resources_human"),
        "gpkg",
        selection=Selection(districts=(MAPO, GANGNAM), resources=flt),
    )
    out = tmp_path / "f.gpkg"
    result = export_layers(request, viewer=PUBLIC, out=out)
    per_district = [
        # Exports keep every source record (a place linked across sources has one per source).
        queries.count_resources(
            PUBLIC,
            ResourceFilter(c, flt.kinds, flt.categories, flt.text, one_per_place=False),
        )
        for c in (MAPO, GANGNAM)
    ]
    total = sum(sum(c.values()) for c in per_district)
    assert result.counts["resources"] == total > 0
    assert result.counts["resources_space"] == sum(c["space"] for c in per_district)
    assert result.counts["resources_human"] == 0  # the filter excludes people
    got = pyogrio.read_dataframe(out, layer="resources")
    assert (got["name"].str.contains("도서관") | got["description"].str.contains("도서관")).all()
    assert set(got["kind"]) <= {"space", "heritage"}


def test_empty_selection_gives_valid_empty_files(db_url, tmp_path):
    flt = ResourceFilter(text="이런 이름은 없습니다 zzz")
    for fmt in FORMATS:
        request = ExportRequest(("resources",), fmt, selection=Selection(resources=flt))
        out = tmp_path / f"empty{output_suffix(request)}"
        assert export_layers(request, viewer=PUBLIC, out=out).counts == {"resources": 0}
        assert sum(ogrinfo_counts(out).values()) == 0


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (ExportRequest(("resources",), "kml", 5186), "EPSG:4326"),
        (ExportRequest(("resources",), "gpkg", 3857), "5186"),
        (ExportRequest(("people",), "gpkg"), "unknown layer"),
        (ExportRequest(("resources",), "xlsx"), "unsupported format"),
        (ExportRequest(("resources",), "shp", encoding="euc-jp"), "cp949"),
    ],
)
def test_bad_requests_are_refused_with_a_clear_message(db_url, tmp_path, request_, message):
    with pytest.raises(InvalidInput) as err:
        export_layers(request_, viewer=PUBLIC, out=tmp_path / "x.gpkg")
    assert message in err.value.user_msg


def test_district_bundle_holds_every_layer_in_three_formats_with_a_readme(
    db_url, sample, tmp_path, engine
):
    result = export_bundle("마포구", viewer=PUBLIC, out=tmp_path / "mapo.zip", crs=5186)
    with engine.connect() as conn:
        db = {
            "resources": conn.execute(
                sa.text("SELECT count(*) FROM resources_public WHERE district_code = :d"),
                {"d": MAPO},
            ).scalar_one(),
            "program_sites": conn.execute(
                sa.text("SELECT count(*) FROM program_sites WHERE district_code = :d"), {"d": MAPO}
            ).scalar_one(),
            "conflict_cases": conn.execute(
                sa.text("SELECT count(*) FROM conflict_cases WHERE district_code = :d"),
                {"d": MAPO},
            ).scalar_one(),
            "districts": 1,
            "dongs": conn.execute(
                sa.text("SELECT count(*) FROM dongs WHERE district_code = :d"), {"d": MAPO}
            ).scalar_one(),
        }
    assert result.counts == db
    assert result.district == (MAPO, "마포구", "Mapo-gu")
    path = tmp_path / "mapo.zip"
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        text = zf.read("README.txt").decode("utf-8-sig")
        for layer in BUNDLE_LAYERS:
            rows = list(
                csv.DictReader(io.StringIO(zf.read(f"csv/{layer}.csv").decode("utf-8-sig")))
            )
            assert len(rows) == db[layer]  # fmt: skip
    assert {"maeul_11440_mapo-gu.gpkg", "shp/fieldmap.csv", "README.txt"} <= names
    assert {f"shp/{layer}.shp" for layer in ("resources", "dongs")} <= names
    gpkg = f"/vsizip/{path}/maeul_11440_mapo-gu.gpkg"
    assert {name for name, _ in pyogrio.list_layers(gpkg)} == set(BUNDLE_LAYERS)
    for layer in BUNDLE_LAYERS:
        assert pyogrio.read_info(gpkg, layer=layer)["features"] == db[layer]
        assert re.search(rf"^  {layer}\s+{db[layer]:,}\s", text, re.M), layer
    assert "마포구 (Mapo-gu, 11440)" in text
    assert "EPSG:5186" in text
    assert attribution("ko") in text and attribution("en") in text
    assert "내보낸 시각 / Exported at: " + result.exported_at.isoformat() in text
    assert "description            -> descr" in text
    assert "데모" in text.split("출처")[0]  # the demo warning heads the README
    # Every source of the exported records is listed with its publisher and licence.
    sources = text.split("자료 출처 / Data sources:")[1].split("경계 자료")[0]
    assert "seoul-heat-shelters-2025" in sources and "서울 열린데이터광장" in sources
    assert "KOGL" in sources and "demo" in sources
    # without demo records there is no demo warning
    plain = readme.render(
        read_layers(["districts"], viewer=PUBLIC),
        viewer=PUBLIC,
        selection=Selection(),
        exported_at=dt.datetime(2026, 1, 1),
        files=[],
        formats=["GeoPackage"],
    )
    assert "데모" not in plain.split("출처")[0] and "districts" in plain


# --- command line and page -----------------------------------------------------------------


def _cli(*args: str, db_url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "layers", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={
            "DATABASE_URL": db_url,
            "MAEUL_PGPASSFILE": load_settings().pgpassfile,
            "PATH": "/usr/bin:/bin",
        },
    )


@pytest.mark.parametrize("district", ["마포구", "서울시 마포구", "Mapo-gu", "mapo", "11440"])
def test_cli_exports_a_district_named_any_way(db_url, tmp_path, district):
    out = tmp_path / "mapo.gpkg"
    run = _cli(
        "export", "--district", district, "--layers", "resources,program_sites",
        "--format", "gpkg", "--crs", "5186", "-o", str(out), db_url=db_url,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert [name for name, _ in pyogrio.list_layers(out)] == ["resources", "program_sites"]
    assert pyogrio.read_info(out, layer="resources")["crs"] == "EPSG:5186"
    every_record = ResourceFilter(MAPO, one_per_place=False)
    want = sum(queries.count_resources(PUBLIC, every_record).values())
    assert pyogrio.read_info(out, layer="resources")["features"] == want
    assert f"resources {want:,}" in run.stdout


def test_cli_bundle(db_url, tmp_path):
    run = _cli("bundle", "--district", "강남구", "-o", str(tmp_path / "g.zip"), db_url=db_url)
    assert run.returncode == 0, run.stderr
    with zipfile.ZipFile(tmp_path / "g.zip") as zf:
        assert "README.txt" in zf.namelist()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "--district", "없는구", "--format", "gpkg", "-o", "x.gpkg"], "없는구"),
        (["export", "--format", "shp", "-o", "x.shp"], ".zip"),
        (["export", "--format", "kml", "--crs", "5186", "-o", "x.kml"], "EPSG:4326"),
        (["export", "--format", "gpkg", "-o", "/no/such/folder/x.gpkg"], "folder"),
        (["export", "--format", "dxf", "-o", "x.dxf"], "invalid choice"),
        (["bundle", "--district", "마포구", "-o", "x.gpkg"], ".zip"),
    ],
)
def test_cli_errors_are_one_line_without_traceback(db_url, tmp_path, args, message):
    run = _cli(*[a if not a.startswith("x.") else str(tmp_path / a) for a in args], db_url=db_url)
    assert run.returncode == 2
    lines = [line for line in run.stderr.splitlines() if not line.startswith("[")]
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0]
    assert "Traceback" not in run.stderr
    assert not Path("/no/such/folder").exists()


def test_export_page_makes_a_download_with_counts(db_url, sample):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("views/export.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[0].value == "내보내기"
    at.multiselect(key="export_districts").select(MAPO).run()
    at.selectbox(key="export_format").select("csv").run()
    at.button(key="export_make").click().run()
    assert not at.exception, [e.message for e in at.exception]
    table = at.dataframe[0].value
    counts = dict(zip(table["레이어"], table["레코드 수"], strict=True))
    assert counts["마을자원 (전체)"] == sum(
        queries.count_resources(PUBLIC, ResourceFilter(MAPO, one_per_place=False)).values()
    )
    assert counts["지원사업 대상지"] == len(queries.program_sites(MAPO))
    # The export's own note on the demo records it holds (people, program sites).
    assert any("시연용 가상 데이터" in w.body for w in at.warning)
    at.button(key="bundle_make").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert len(at.dataframe[-1].value) == len(BUNDLE_LAYERS)


def test_hex_geometry_transfer_handles_large_polygons(db_url):
    """Every dong of Seoul arrives whole (the widest text fields of any export)."""
    (dongs,) = read_layers(["dongs"], viewer=PUBLIC)
    geoms = shapely.from_wkb(dongs.table["geom"].to_numpy(zero_copy_only=False))
    assert len(geoms) == 467 and shapely.is_valid(geoms).all()
    want = queries.dongs().set_index("code").geometry
    assert np.allclose(
        shapely.area(geoms), shapely.area(want.loc[dongs.table["code"].to_pylist()].to_numpy())
    )
