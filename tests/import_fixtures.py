"""Input files for the import tests, made from known WGS84 points inside Seoul.

Every file is written from :func:`true_points`; projected inputs are made with pyproj and
the Korean 1985 datum shift (:data:`KOREAN_1985_TOWGS84`), so a test can check that the
imported points land where they truly are.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pyproj import Geod, Transformer

from geo.crs import locate_districts
from geo.reference import read_boundaries

#: The 7-parameter shift of Korean 1985 (Bessel) to WGS84 used in Korean GIS practice.
KOREAN_1985_TOWGS84 = "-115.80,474.99,674.11,1.16,-2.31,-1.63,6.43"
#: Korean 1985 / Modified Central Belt (EPSG:5174) with that shift, as PROJ text.
EPSG_5174_PROJ = (
    "+proj=tmerc +lat_0=38 +lon_0=127.0028902777778 +k=1 +x_0=200000 +y_0=500000 "
    f"+ellps=bessel +units=m +no_defs +towgs84={KOREAN_1985_TOWGS84}"
)
#: The same system as many Korean shapefiles carry it: Bessel TM with no datum shift.
BESSEL_TM_PRJ = (
    'PROJCS["Transverse_Mercator",GEOGCS["GCS_Bessel_1841",DATUM["D_Bessel_1841",'
    'SPHEROID["Bessel_1841",6377397.155,299.1528128]],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
    'PARAMETER["False_Easting",200000.0],PARAMETER["False_Northing",500000.0],'
    'PARAMETER["Central_Meridian",127.0028902777778],PARAMETER["Scale_Factor",1.0],'
    'PARAMETER["Latitude_Of_Origin",38.0],UNIT["Meter",1.0]]'
)

_GEOD = Geod(ellps="WGS84")
_NAMES = ["작은도서관", "마을북카페", "공동체 텃밭", "주민 회의실", "마을 강당", "새마을문고"]


def true_points(n: int, seed: int, *, margin_m: float = 150.0) -> pd.DataFrame:
    """``n`` points inside Seoul, at least ``margin_m`` inside their district's boundary.

    Columns: ``name`` (unique Korean names), ``lon``, ``lat``, ``district_code``,
    ``district`` (Korean name).
    """
    districts, _ = read_boundaries()
    names = {d.code: d.name_ko for d in districts}
    rng = np.random.default_rng(seed)
    angles = np.linspace(0, 2 * np.pi, 8, endpoint=False)
    dx, dy = margin_m / 88_250 * np.cos(angles), margin_m / 110_540 * np.sin(angles)
    rows: list[dict] = []
    while len(rows) < n:
        lon, lat = rng.uniform(126.80, 127.15), rng.uniform(37.45, 37.68)
        # Away from any district outline: a few metres never change the district.
        around = locate_districts(np.append(lon + dx, lon), np.append(lat + dy, lat))
        code = around[-1]
        if not code or (around != code).any():
            continue
        i = len(rows)
        rows.append(
            {
                "name": f"{names[code]} {_NAMES[i % len(_NAMES)]} {i + 1}호",
                "lon": round(lon, 7),
                "lat": round(lat, 7),
                "district_code": code,
                "district": names[code],
            }
        )
    return pd.DataFrame(rows)


def outside_points() -> pd.DataFrame:
    """Three places outside Seoul (Suwon, Busan, Incheon harbour)."""
    return pd.DataFrame(
        {
            "name": ["수원 화성 안내소", "부산 마을도서관", "인천항 여객터미널"],
            "lon": [127.0096, 129.0756, 126.6103],
            "lat": [37.2866, 35.1796, 37.4636],
            "district": ["수원시", "부산진구", "중구"],
        }
    )


def project(lon, lat, crs: str | int) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 -> ``crs`` (EPSG code or PROJ text), x east, y north."""
    t = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    return t.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))


def distances_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Geodesic distances in metres between two sets of WGS84 points."""
    *_, d = _GEOD.inv(
        np.asarray(lon1, float),
        np.asarray(lat1, float),
        np.asarray(lon2, float),
        np.asarray(lat2, float),
    )
    return np.asarray(d)


# --- files, one per shape the issue lists ------------------------------------------------------


def write_csv(path, df: pd.DataFrame, *, encoding: str = "utf-8") -> None:
    """``df`` as CSV (all cells written as they are: numbers as text where they are text)."""
    df.to_csv(path, index=False, encoding=encoding)


def write_xlsx_two_headers(path, pts: pd.DataFrame) -> None:
    """A district-office style sheet: title, blank row, two header rows (좌표 over 위도 |
    경도, merged), numbers as numbers, and a 합계 row at the bottom."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "마을공간 현황"
    ws.append(["2024년 서울시 마을공간 현황 (12월 말 기준)"])
    ws.append([])
    ws.append(["연번", "시설명", "자치구", "주소", "좌표", None])
    ws.append([None, None, None, None, "위도", "경도"])
    ws.merge_cells(start_row=3, start_column=5, end_row=3, end_column=6)
    for i, r in enumerate(pts.itertuples(), start=1):
        ws.append([i, r.name, r.district, f"서울특별시 {r.district}", r.lat, r.lon])
    ws.append(["합계", f"{len(pts)}개소", None, None, None, None])
    wb.create_sheet("참고")
    wb.save(path)


def write_shapefile_zip(path, pts: pd.DataFrame, tmp) -> None:
    """A zipped shapefile in EPSG:5174 metres with a CP949 DBF, no .cpg, and a Bessel TM
    .prj without datum shift (as exported by older Korean GIS software)."""
    import zipfile

    import geopandas as gpd
    import pyogrio

    x, y = project(pts["lon"], pts["lat"], EPSG_5174_PROJ)
    gdf = gpd.GeoDataFrame(
        {"시설명": pts["name"], "자치구": pts["district"]},
        geometry=gpd.points_from_xy(x, y),
        crs="EPSG:5174",  # its .prj is replaced below
    )
    shp = tmp / "maeul.shp"
    pyogrio.write_dataframe(gdf, shp, encoding="cp949")
    (tmp / "maeul.cpg").unlink(missing_ok=True)
    (tmp / "maeul.prj").write_text(BESSEL_TM_PRJ)
    with zipfile.ZipFile(path, "w") as zf:
        for ext in ("shp", "shx", "dbf", "prj"):
            zf.write(tmp / f"maeul.{ext}", f"maeul.{ext}")


def write_gpkg_two_layers(path, first: pd.DataFrame, second: pd.DataFrame) -> None:
    """A GeoPackage with two point layers (WGS84)."""
    import geopandas as gpd

    for layer, df in (("공간자원", first), ("기타자원", second)):
        gdf = gpd.GeoDataFrame(
            {"name": df["name"], "district": df["district"]},
            geometry=gpd.points_from_xy(df["lon"], df["lat"]),
            crs=4326,
        )
        gdf.to_file(path, layer=layer, driver="GPKG")


def write_kml(path, pts: pd.DataFrame) -> None:
    """A KML of placemarks with Name and Description (what Google My Maps exports)."""
    import geopandas as gpd
    import pyogrio

    gdf = gpd.GeoDataFrame(
        {"Name": pts["name"], "Description": "마을 공간 (" + pts["district"] + ")"},
        geometry=gpd.points_from_xy(pts["lon"], pts["lat"]),
        crs=4326,
    )
    pyogrio.write_dataframe(gdf, path, driver="KML", layer="마을자원")
