"""Spatial queries that pages and exports use; every resource query takes the viewer.

Results are GeoDataFrames (EPSG:4326) or plain dicts. Resource queries read the relation
chosen by :func:`geo.access.resource_source`, so a public caller cannot get a person's
exact point, address or contact from here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa

from geo import vocab
from geo.access import Viewer, resource_source, source_params
from geo.db import connect_read
from geo.errors import InvalidInput, NotFound
from geo.filters import Condition, Filter, any_of, check_texts, contains
from geo.messages import Msg
from geo.places import HIDDEN_DUPLICATE_SQL, PLACE_SOURCES_SQL


@dataclass(frozen=True)
class ResourceFilter(Filter):
    """What the map pages filter resources by; empty means everything."""

    district_code: str | None = None
    kinds: Sequence[str] = ()
    categories: Sequence[str] = ()
    text: str = ""
    #: Only what lies in this box (lon_min, lat_min, lon_max, lat_max), e.g. the map view.
    bbox: tuple[float, float, float, float] | None = None
    #: One marker per place: leave out records linked to an earlier record of the same
    #: place in another source (``geo.places``); the first shows every source.
    one_per_place: bool = True

    def check(self) -> None:
        """Known kinds; category and search text fit to bind; a box of four numbers."""
        unknown = set(self.kinds) - set(vocab.KINDS)
        if unknown:
            raise InvalidInput(Msg("queries.unknown_kind", kinds=sorted(unknown)))
        check_texts(list(self.categories), Msg("queries.category"))
        check_texts([self.text, self.district_code or ""], Msg("common.search_text"))
        if self.bbox is not None and len(self.bbox) != 4:
            raise InvalidInput(Msg("queries.map_box", bbox=self.bbox))

    def conditions(self, **_: Any) -> Iterator[Condition]:
        """SQL conditions over alias ``r``."""
        if self.one_per_place:
            yield f"NOT {HIDDEN_DUPLICATE_SQL.format(r='r')}", {}
        if self.district_code:
            yield "r.district_code = :district_code", {"district_code": self.district_code}
        yield from any_of("r.kind", "kinds", self.kinds)
        yield from any_of("r.category", "categories", self.categories)
        if self.bbox is not None:
            w, s, e, n = map(float, self.bbox)
            box = "ST_MakeEnvelope(:w, :s, :e, :n, 4326)"
            bound = {"w": w, "s": s, "e": e, "n": n}
            yield f"r.geom && {box}", bound
            # The geography box test is what an index serves (ix_resources_geog, or
            # ix_resources_pub_geog through resources_public; migration 0014); the
            # geometry test above keeps the box exact. A box of a hemisphere or more (a
            # map zoomed out to the world) has no geography form, and needs no index.
            if -180 <= w < e <= 180 and -90 <= s < n <= 90 and e - w < 180:
                yield f"r.geom::geography && {box}::geography", bound
        yield from contains(("r.name", "r.description"), "text", self.text)


def _read_gdf(
    sql: str, params: dict | None = None, viewer: Viewer | None = None
) -> gpd.GeoDataFrame:
    with connect_read(viewer) as conn:
        return gpd.read_postgis(sa.text(sql), conn, geom_col="geom", params=params or {})


def _outline(column: str, simplify_m: float) -> str:
    """SQL for a boundary column, simplified to about ``simplify_m`` metres when > 0."""
    if simplify_m <= 0:
        return column
    return f"ST_SimplifyPreserveTopology({column}, {float(simplify_m) / 111_000})"


def districts(*, simplify_m: float = 0) -> gpd.GeoDataFrame:
    """The 25 districts: code, Korean and romanised name, area in km², boundary.

    ``simplify_m`` (e.g. 5) thins the outlines for drawing: a fifth of the vertices, the
    same picture on screen. Analyses and exports use the exact boundaries (the default).
    """
    return _read_gdf(
        f"""SELECT code, name_ko, name_en, area_km2, {_outline("geom", simplify_m)} AS geom
            FROM districts ORDER BY code"""
    )


def dongs(district_code: str | None = None, *, simplify_m: float = 0) -> gpd.GeoDataFrame:
    """Legal dongs (of one district, or all) with their district's name.

    ``simplify_m`` as in :func:`districts`.
    """
    return _read_gdf(
        f"""SELECT d.code, d.name_ko, d.district_code, g.name_ko AS district_name,
                   d.area_km2, {_outline("d.geom", simplify_m)} AS geom
            FROM dongs d JOIN districts g ON g.code = d.district_code
            WHERE (CAST(:district AS text) IS NULL OR d.district_code = :district)
            ORDER BY d.code""",
        {"district": district_code},
    )


#: Outline levels drawn on maps: table, properties shown in tooltips, join for the filter.
_OUTLINE_LEVELS = {
    "district": (
        "districts a",
        "'code', a.code, 'name_ko', a.name_ko, 'name_en', a.name_en",
        "a.code",
    ),
    "dong": ("dongs a", "'code', a.code, 'name_ko', a.name_ko", "a.district_code"),
}


def outlines_geojson(
    level: str, district_code: str | None = None, *, simplify_m: float, digits: int = 5
) -> str:
    """District or dong outlines (of one district, or all) as GeoJSON text, for drawing.

    The FeatureCollection is built in PostGIS, coordinates rounded to ``digits`` decimals
    (5: about 1 m, below the ``simplify_m`` thinning): half the text of a GeoDataFrame's
    GeoJSON, and no Python objects per vertex. Properties: ``code, name_ko`` (and
    ``name_en`` for districts).
    """
    if level not in _OUTLINE_LEVELS:
        raise InvalidInput(Msg("common.unknown_area_level", level=level))
    table, props, district = _OUTLINE_LEVELS[level]
    sql = f"""SELECT json_build_object('type', 'FeatureCollection', 'features',
                         COALESCE(json_agg(json_build_object(
                             'type', 'Feature', 'properties', json_build_object({props}),
                             'geometry', ST_AsGeoJSON({_outline("a.geom", simplify_m)},
                                                      :digits)::json) ORDER BY a.code),
                                  '[]'::json))::text
              FROM {table}
              WHERE CAST(:district AS text) IS NULL OR {district} = :district"""
    with connect_read() as conn:
        return conn.execute(
            sa.text(sql), {"district": district_code, "digits": int(digits)}
        ).scalar_one()


def display_outlines_json(*, simplify_m: float, digits: int = 5) -> str:
    """District and dong outlines for drawing, simplified as one coverage, as JSON text.

    ``{"districts": FeatureCollection, "dongs": FeatureCollection}``. The dongs (a clean
    coverage, see ``geo.partition``) are thinned to about ``simplify_m`` metres together
    (``shapely.coverage_simplify``), so neighbours keep identical shared edges, and each
    district is the union of its thinned dongs: district borders lie exactly on dong
    edges and neighbouring districts neither overlap nor leave slivers, at any zoom.
    (Thinning each polygon on its own, as ``ST_SimplifyPreserveTopology`` does, moves
    shared edges apart, and a later district's fill covers pieces of an earlier one's
    border.) Properties: ``code, name_ko`` (``name_en`` for districts, ``district_code``
    for dongs) and ``lx, ly``, a point inside the area for its name.
    """
    dongs = _read_gdf("SELECT code, name_ko, district_code, geom FROM dongs ORDER BY code")
    districts = _read_gdf("SELECT code, name_ko, name_en, geom FROM districts ORDER BY code")
    # The tolerance is an area measure (Visvalingam-Whyatt); twice ``simplify_m`` keeps
    # about as many vertices as ST_SimplifyPreserveTopology at ``simplify_m`` (17,900).
    thin = shapely.coverage_simplify(
        dongs.geometry.values, tolerance=2 * float(simplify_m) / 111_000, simplify_boundary=True
    )
    by_district = {
        code: shapely.coverage_union_all(thin[(dongs["district_code"] == code).to_numpy()])
        for code in districts["code"]
    }

    def collection(rows, shapes, exact, props) -> str:
        labels = shapely.point_on_surface(exact)
        rounded = shapely.transform(shapes, lambda xy: np.round(xy, digits))
        features = [
            {
                "type": "Feature",
                "properties": {
                    **{k: row[k] for k in props},
                    "lx": round(label.x, digits),
                    "ly": round(label.y, digits),
                },
                "geometry": json.loads(shapely.to_geojson(shape)),
            }
            for (_, row), shape, label in zip(rows.iterrows(), rounded, labels, strict=True)
        ]
        fc = {"type": "FeatureCollection", "features": features}
        return json.dumps(fc, ensure_ascii=False, separators=(",", ":"))

    district_shapes = np.array([by_district[c] for c in districts["code"]], dtype=object)
    return (
        '{"districts":'
        + collection(
            districts, district_shapes, districts.geometry.values, ["code", "name_ko", "name_en"]
        )
        + ',"dongs":'
        + collection(dongs, thin, dongs.geometry.values, ["code", "name_ko", "district_code"])
        + "}"
    )


def resources(
    viewer: Viewer, flt: ResourceFilter = ResourceFilter(), *, limit: int | None = None
) -> gpd.GeoDataFrame:
    """Resources matching ``flt`` as ``viewer`` may see them, ordered by kind and name.

    Public viewers get people at a generalised location (``location_generalised``) with
    no address or contact. ``sources`` names the dataset (title and publisher) of the
    record and of every record of another source linked to it as the same place. With
    ``limit``, the rows kept are an even, repeatable sample (by the random public id), not
    the first ones in some order that favours one area or kind.
    """
    where, params = flt.where()
    params |= source_params(viewer)
    sql = f"""SELECT r.public_id::text AS public_id, r.kind, r.category, r.name,
                     r.description, r.address, r.contact,
                     r.location_generalised, r.district_code, r.dong_code, r.is_demo,
                     r.location_precision, r.source,
                     {PLACE_SOURCES_SQL.format(r="r")} AS sources, r.geom
              FROM {resource_source(viewer)} r WHERE {where}"""
    if limit is not None:
        sql = f"SELECT * FROM ({sql} ORDER BY r.public_id LIMIT :limit) s"
        params["limit"] = int(limit)
    # Ties by the random public id: never by ``id``, which ranks people by exact position.
    sql += " ORDER BY kind, name, public_id"
    return _read_gdf(sql, params, viewer)


def count_resources(viewer: Viewer, flt: ResourceFilter = ResourceFilter()) -> dict[str, int]:
    """How many resources match ``flt`` per kind (all four kinds present, zeros included)."""
    where, params = flt.where()
    params |= source_params(viewer)
    with connect_read(viewer) as conn:
        rows = conn.execute(
            sa.text(
                f"SELECT r.kind, count(*) FROM {resource_source(viewer)} r "
                f"WHERE {where} GROUP BY r.kind"
            ),
            params,
        ).all()
    counts = dict.fromkeys(vocab.KINDS, 0)
    counts.update({kind: n for kind, n in rows})
    return counts


def resource_grid(viewer: Viewer, flt: ResourceFilter, *, cell_m: float) -> pd.DataFrame:
    """Resources counted per square cell of about ``cell_m`` metres, per kind.

    Cells are a degree grid sized for Seoul's latitude (1° lat = 110.54 km, 1° lon =
    88.25 km at 37.55°N), which avoids a per-row reprojection.

    For maps with more points than a browser should draw: one row per non-empty cell with
    the centroid of its points (``lon``, ``lat``), the total ``n`` and one column per kind.
    Public viewers count people at their generalised location, like everywhere else.
    """
    if cell_m <= 0:
        raise InvalidInput(Msg("queries.cell_size"))
    where, params = flt.where()
    params |= source_params(viewer) | {"dx": cell_m / 88_250, "dy": cell_m / 110_540}
    per_kind = ", ".join(f"count(*) FILTER (WHERE r.kind = '{k}') AS {k}" for k in vocab.KINDS)
    sql = f"""SELECT avg(ST_X(r.geom)) AS lon, avg(ST_Y(r.geom)) AS lat, count(*) AS n,
                     {per_kind}
              FROM {resource_source(viewer)} r WHERE {where}
              GROUP BY floor(ST_X(r.geom) / :dx), floor(ST_Y(r.geom) / :dy)
              ORDER BY n DESC"""
    with connect_read(viewer) as conn:
        return pd.read_sql(sa.text(sql), conn, params=params)


def district_summary(viewer: Viewer, district_code: str) -> dict:
    """Counts for one district: resources per kind, program sites, grants, open conflicts."""
    with connect_read(viewer) as conn:
        row = conn.execute(
            sa.text(
                """SELECT d.code, d.name_ko, d.name_en, d.area_km2,
                      (SELECT count(*) FROM active_program_sites s WHERE s.district_code = d.code),
                      (SELECT COALESCE(sum(s.grant_mkrw), 0) FROM active_program_sites s
                        WHERE s.district_code = d.code),
                      (SELECT count(*) FROM active_conflict_cases c
                        WHERE c.district_code = d.code AND c.stage <> 'closed')
                   FROM districts d WHERE d.code = :code"""
            ),
            {"code": district_code},
        ).one_or_none()
    if row is None:
        raise NotFound(Msg("queries.no_such_district", district_code=district_code))
    return {
        "code": row[0],
        "name_ko": row[1],
        "name_en": row[2],
        "area_km2": row[3],
        "resources": count_resources(viewer, ResourceFilter(district_code=district_code)),
        "program_sites": row[4],
        "grant_mkrw": float(row[5]),
        "open_conflicts": row[6],
    }


def program_sites(district_code: str | None = None) -> gpd.GeoDataFrame:
    """Program sites (public records) with their program's name."""
    return _read_gdf(
        """SELECT s.id, s.name, s.program_no, p.name AS program_name, s.stage, s.year,
                  s.grant_mkrw, s.district_code, s.dong_code, s.is_demo, s.geom
           FROM active_program_sites s JOIN programs p ON p.no = s.program_no
           WHERE (CAST(:district AS text) IS NULL OR s.district_code = :district)
           ORDER BY s.id""",
        {"district": district_code},
    )


def conflicts(district_code: str | None = None, *, open_only: bool = False) -> gpd.GeoDataFrame:
    """Conflict cases (point or area), optionally of one district and still open."""
    return _read_gdf(
        """SELECT c.id, c.title, c.city_project, c.department, c.conflict_type, c.stage,
                  c.severity, c.opened_on, c.closed_on, c.district_code, c.is_demo, c.geom
           FROM active_conflict_cases c
           WHERE (CAST(:district AS text) IS NULL OR c.district_code = :district)
             AND (NOT :open_only OR c.stage <> 'closed')
           ORDER BY c.id""",
        {"district": district_code, "open_only": open_only},
    )


def programs() -> pd.DataFrame:
    """The 35 programs with their number of sites and granted amount so far."""
    with connect_read() as conn:
        return pd.read_sql(
            sa.text(
                """SELECT p.no, p.name, p.office, p.division, p.summary, p.budget_mkrw,
                          count(s.id) AS sites, COALESCE(sum(s.grant_mkrw), 0) AS granted_mkrw
                   FROM programs p LEFT JOIN active_program_sites s ON s.program_no = p.no
                   GROUP BY p.no ORDER BY p.no"""
            ),
            conn,
        )


def demo_counts() -> dict[str, int]:
    """How many demo records each table holds (all zero: no demo banner)."""
    with connect_read() as conn:
        row = conn.execute(
            sa.text(
                """SELECT (SELECT count(*) FROM resources WHERE is_demo),
                          (SELECT count(*) FROM program_sites WHERE is_demo),
                          (SELECT count(*) FROM conflict_cases WHERE is_demo)"""
            )
        ).one()
    return dict(zip(("resources", "program_sites", "conflict_cases"), row, strict=True))
