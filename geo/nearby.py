"""Find resources near a place: nearest-first within a radius, in metres, on the index.

The search runs in PostGIS on geography (metre-accurate): ``ST_DWithin`` filters to the
radius and ``<->`` orders nearest-first, both served by the GiST indexes on
``geom::geography`` / ``pub_geom::geography`` (migration 0005). Public viewers search the
public locations, so a person is found (and shown) only at their dong's label point.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import pandas as pd
import sqlalchemy as sa

from geo.access import Viewer, resource_source, source_params
from geo.db import connect_read, fetch_rows, read_url
from geo.errors import InvalidInput
from geo.messages import Msg, text
from geo.places import PLACE_SOURCES_SQL
from geo.queries import ResourceFilter
from geo.reference import SEOUL_BOUNDS

#: Walking speed for the straight-line walking-time estimate (km/h).
WALK_KMH = 4.5
RADIUS_RANGE_M = (100, 3000)
LIMIT_RANGE = (1, 200)


@dataclass(frozen=True)
class Place:
    """A search centre in WGS84 degrees, with a label to show."""

    lon: float
    lat: float
    label: str = ""


class Hit(NamedTuple):
    """One search result. ``lon``/``lat`` are the location the viewer may see."""

    public_id: str
    kind: str
    category: str
    name: str
    description: str | None
    address: str | None
    contact: str | None
    location_generalised: bool
    district_code: str | None
    dong_code: str | None
    is_demo: bool
    #: ``'exact'``, or ``'dong'``: at the label point of its address's dong (not exact).
    location_precision: str
    #: Datasets of the record and of the records of other sources linked as the same place.
    sources: str | None
    lon: float
    lat: float
    distance_m: int
    walk_min: int


def walk_minutes(distance_m: float) -> int:
    """Straight-line walking time in whole minutes at :data:`WALK_KMH` (at least 1)."""
    return max(1, round(distance_m / (WALK_KMH * 1000 / 60)))


def in_seoul(lon: float, lat: float) -> bool:
    """True when the point lies in Seoul's bounding box."""
    lon_min, lat_min, lon_max, lat_max = SEOUL_BOUNDS
    return lon_min <= lon <= lon_max and lat_min <= lat <= lat_max


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def parse_coordinates(text: str) -> Place:
    """Read pasted coordinates in either order: ``"37.5563, 126.9236"`` or ``"126.92 37.55"``.

    Raises
    ------
    InvalidInput
        When the text does not hold two numbers that put a point in Seoul.
    """
    numbers = [float(n) for n in _NUMBER.findall(text or "")]
    if len(numbers) != 2:
        raise InvalidInput(Msg("nearby.enter_two_numbers_latitude"))
    a, b = numbers
    for lon, lat in ((b, a), (a, b)):
        if in_seoul(lon, lat):
            return Place(lon, lat, f"{lat:.5f}, {lon:.5f}")
    raise InvalidInput(Msg("nearby.coordinates_outside_seoul", a=a, b=b))


def dong_places() -> pd.DataFrame:
    """Every dong as a search centre: code, label ``'망원동 (마포구)'``, lon, lat.

    The centre is the dong's label point (always inside the dong). Names that occur in two
    districts (신사동, 신정동) are told apart by the district in the label.
    """
    with connect_read() as conn:
        return pd.read_sql(
            sa.text(
                """SELECT d.code, d.name_ko || ' (' || g.name_ko || ')' AS label,
                          ST_X(d.label_point) AS lon, ST_Y(d.label_point) AS lat
                   FROM dongs d JOIN districts g ON g.code = d.district_code
                   ORDER BY d.name_ko, g.name_ko"""
            ),
            conn,
        )


def _check(value: int, bounds: tuple[int, int], what: Msg) -> int:
    lo, hi = bounds
    if not lo <= value <= hi:
        raise InvalidInput(Msg("nearby.out_of_range", what=what, lo=lo, hi=hi))
    return int(value)


def nearby_sql(viewer: Viewer, flt: ResourceFilter) -> tuple[str, dict]:
    """The nearest-first SQL for ``viewer`` and ``flt`` and its fixed parameters.

    Bind ``lon``, ``lat``, ``radius`` and ``limit`` on top. Exposed for the benchmark,
    which runs the same statement raw.
    """
    where, params = flt.where()
    params |= source_params(viewer)
    # <-> orders on the sphere (what the index serves), ST_Distance measures on the
    # spheroid: the outer query orders the few rows found by the distance shown, ties by the
    # random public id (people of one dong share a point: never by ``id``, which follows the
    # importer's spatial order), so equal inputs always give the same list.
    sql = f"""
        SELECT n.public_id, n.kind, n.category, n.name, n.description, n.address, n.contact,
               n.location_generalised, n.district_code, n.dong_code, n.is_demo,
               n.location_precision, {PLACE_SOURCES_SQL.format(r="n")}, n.lon, n.lat,
               n.distance_m FROM (
            SELECT r.public_id::text AS public_id, r.kind, r.category, r.name,
                   r.description, r.address, r.contact,
                   r.location_generalised, r.district_code, r.dong_code, r.is_demo,
                   r.location_precision, ST_X(r.geom) AS lon, ST_Y(r.geom) AS lat,
                   ST_Distance(r.geom::geography,
                               ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography)
                       AS distance_m
            FROM {resource_source(viewer)} r
            WHERE ST_DWithin(r.geom::geography,
                             ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, :radius)
              AND {where}
            ORDER BY r.geom::geography
                     <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography
            LIMIT :limit) n
        ORDER BY n.distance_m, n.public_id"""
    return sql, params


def nearby(
    viewer: Viewer,
    place: Place,
    *,
    radius_m: int = 1000,
    flt: ResourceFilter | None = None,
    limit: int = 20,
) -> list[Hit]:
    """Resources within ``radius_m`` of ``place``, nearest first, as ``viewer`` may see them.

    Returns
    -------
    list of Hit
        With ``distance_m`` (rounded metres) and ``walk_min`` (straight-line estimate at
        4.5 km/h). People appear at their generalised location for the public, and
        distances are measured to that location.
    """
    if not in_seoul(place.lon, place.lat):
        raise InvalidInput(Msg("nearby.choose_place_inside_seoul"))
    radius = _check(radius_m, RADIUS_RANGE_M, Msg("nearby.radius_m"))
    limit = _check(limit, LIMIT_RANGE, Msg("nearby.number_results"))
    sql, params = _search(viewer, flt or ResourceFilter())
    # A single short read: a bare autocommit connection, no SQLAlchemy round (geo.db).
    rows = fetch_rows(
        sql,
        {**params, "lon": place.lon, "lat": place.lat, "radius": radius, "limit": limit},
        url=read_url(viewer),
    )
    return [Hit(*r[:-1], round(r[-1]), walk_minutes(r[-1])) for r in rows]  # type: ignore[call-arg]


#: What a distance to a resource at dong precision is called (it is to the dong's label
#: point, not to the resource).


def approximate(hit: Hit) -> bool:
    """True when ``hit`` stands at its dong's label point, not at its own place: located
    only by its address's dong, or a person shown to the public at a generalised place
    (whose "0 m" would otherwise read as "right here")."""
    return hit.location_precision == "dong" or bool(hit.location_generalised)


def distance_text(hit: Hit, lang: str = "ko") -> str:
    """The distance as a user should read it: ``'350 m'``, or for a resource at its dong's
    label point (:func:`approximate`) ``'약 400 m (동 단위 위치)'``, rounded to 100 m."""
    if not approximate(hit):
        return f"{hit.distance_m:,} m"
    rounded = max(100, int(round(hit.distance_m, -2)))
    return text("nearby.about_dong_level", lang, m=rounded)


def hits_frame(hits: list[Hit]) -> pd.DataFrame:
    """The hits as a table (one row per hit, columns as in :class:`Hit`)."""
    return pd.DataFrame(hits, columns=Hit._fields)


def _search(viewer: Viewer, flt: ResourceFilter) -> tuple[str, dict]:
    """:func:`nearby_sql` with psycopg's ``%(name)s`` placeholders, and its fixed params
    (shared: callers copy them before adding theirs)."""
    try:
        return _search_cached(viewer, flt)
    except TypeError:  # a filter holding lists is not hashable: build it every time
        return _driver(*nearby_sql(viewer, flt))


@lru_cache(maxsize=256)
def _search_cached(viewer: Viewer, flt: ResourceFilter) -> tuple[str, dict]:
    return _driver(*nearby_sql(viewer, flt))


def _driver(sql: str, params: dict) -> tuple[str, dict]:
    return re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", sql.replace("%", "%%")), params
