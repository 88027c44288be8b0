"""Program coverage: where the 35 programs reach, how much goes where, and where they don't.

Every figure is aggregated in PostGIS (GROUP BY over the district and dong codes that
:mod:`geo.areas` assigns by spatial join, buffers and areas in EPSG:5179) and comes back as
a DataFrame. Each query is a :class:`Statement` built by a private function, so the page,
the tests and ``bench/bench_coverage.py`` run exactly the same SQL. Resources are read
through :func:`geo.access.resource_source`, so counts respect what the viewer may see
(people count at their generalised point for the public; staff-only records only for staff).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg

from geo import vocab
from geo.access import Viewer, count_filter, resource_source, source_params
from geo.db import connect_read
from geo.errors import InvalidInput
from geo.filters import Condition, Filter, any_of, check_codes, check_texts
from geo.messages import Msg

#: Gap classes of a dong: code -> (Korean, English, colour).
GAP_CLASSES: dict[str, tuple[str, str, str]] = {
    "untapped": ("자원 미활용 (사업 없음)", "Untapped (resources, no site)", "#D55E00"),
    "thin": ("지원 대비 자원 부족", "Sites, but few resources", "#CC79A7"),
    "supported": ("사업·자원 있음", "Sites and resources", "#009E73"),
    "quiet": ("자원 적음·사업 없음", "Few resources, no site", "#D9D9D9"),
}
#: Column in the matrix for sites outside every district (they still count in totals).
UNASSIGNED = "unassigned"
#: Simplification of boundaries sent to the browser, in degrees (about 3 m).
_SIMPLIFY_DEG = 0.00003
_CRITERIA = tuple(vocab.EVALUATION_CRITERIA)


@dataclass(frozen=True)
class Statement:
    """One SQL statement of the page with its bind parameters (``:name`` style)."""

    name: str
    sql: str
    params: dict = field(default_factory=dict)

    def compiled(self) -> tuple[str, dict]:
        """The statement as psycopg takes it (``%(name)s`` placeholders) and its params."""
        compiled = sa.text(self.sql).compile(dialect=pg_psycopg.dialect())
        return compiled.string, dict(self.params)

    def frame(self) -> pd.DataFrame:
        """Run the statement and return its rows."""
        with connect_read() as conn:
            return pd.read_sql(sa.text(self.sql), conn, params=self.params)


#: Filter field -> (SQL column, whether it applies to the program rather than to its sites).
_FILTER_COLUMNS: dict[str, tuple[str, bool]] = {
    "offices": ("p.office", True),
    "divisions": ("p.division", True),
    "programs": ("p.no", True),
    "years": ("s.year", False),
    "stages": ("s.stage", False),
    "sources": ("s.source", False),
}


@dataclass(frozen=True)
class CoverageFilter(Filter):
    """What the page filters program sites by; an empty tuple means everything."""

    offices: tuple[str, ...] = ()
    divisions: tuple[str, ...] = ()
    programs: tuple[int, ...] = ()
    years: tuple[int, ...] = ()
    stages: tuple[str, ...] = ()
    #: Data sources (``source`` of sites and resources), e.g. one import or ``demo``.
    sources: tuple[str, ...] = ()

    def check(self) -> None:
        """Known stages; office, division and source names fit to bind."""
        check_codes(self.stages, vocab.SITE_STAGES, "stage")
        check_texts([*self.offices, *self.divisions, *self.sources], "filter")

    def conditions(
        self, *, programs: bool = True, sites: bool = True, **_: Any
    ) -> Iterator[Condition]:
        """Conditions over aliases ``p`` (programs, when ``programs``) and ``s`` (sites,
        when ``sites``)."""
        for name, (column, on_program) in _FILTER_COLUMNS.items():
            if programs if on_program else sites:
                yield from any_of(column, f"f_{name}", getattr(self, name))

    def resource_where(self, *, alias: str = "r") -> tuple[str, dict]:
        """Condition on resources (or their counts) under ``alias``: only the data-source
        filter applies."""
        if not self.sources:
            return "true", {}
        return f"{alias}.source = ANY(:f_sources)", {"f_sources": list(self.sources)}


@dataclass(frozen=True)
class PageOptions:
    """Settings of the page that are not filters: walking distance and resource kinds."""

    distance_m: float = 500.0
    kinds: tuple[str, ...] = tuple(vocab.KINDS)
    evaluation_by: tuple[str, ...] = ("program", "district")


@dataclass(frozen=True)
class _Level:
    table: str
    site_column: str
    select: str
    joins: str
    population: bool


#: Area levels of the choropleths: districts (with population) and legal dongs.
LEVELS: dict[str, _Level] = {
    "district": _Level(
        "districts",
        "district_code",
        "a.name_ko, a.name_en, a.code AS district_code, a.name_ko AS district_name",
        "",
        True,
    ),
    "dong": _Level(
        "dongs",
        "dong_code",
        "a.name_ko, a.name_ko AS name_en, a.district_code, g.name_ko AS district_name",
        "JOIN districts g ON g.code = a.district_code",
        False,
    ),
}


def _level(level: str) -> _Level:
    if level not in LEVELS:
        raise InvalidInput(Msg("common.unknown_area_level", level=level))
    return LEVELS[level]


def _kinds(kinds: Sequence[str]) -> list[str]:
    unknown = set(kinds) - set(vocab.KINDS)
    if unknown or not kinds:
        raise InvalidInput(Msg("coverage.check_resource_kinds", kinds=sorted(unknown)))
    return list(kinds)


# --- statements -------------------------------------------------------------------------


def _options_statement() -> Statement:
    return Statement(
        "filter options",
        """SELECT p.no, p.name, p.office, p.division, p.budget_mkrw,
                  (SELECT array_agg(DISTINCT year ORDER BY year) FROM active_program_sites)
                      AS years,
                  (SELECT array_agg(DISTINCT source ORDER BY source) FROM active_program_sites)
                      AS sources
           FROM programs p ORDER BY p.no""",
    )


def _shapes_statement(level: str) -> Statement:
    lv = _level(level)
    return Statement(
        f"{level} shapes",
        f"""SELECT a.code, {lv.select}, a.area_km2,
                   ST_AsBinary(ST_SimplifyPreserveTopology(a.geom, :tol)) AS geom
            FROM {lv.table} a {lv.joins} ORDER BY a.code""",
        {"tol": _SIMPLIFY_DEG},
    )


def _metrics_statement(level: str, flt: CoverageFilter) -> Statement:
    lv = _level(level)
    where, params = flt.where()
    stage_cols = ",\n".join(
        f"count(*) FILTER (WHERE s.stage = '{st}') AS {st}" for st in vocab.SITE_STAGES
    )
    stage_out = ",\n".join(f"COALESCE(agg.{st}, 0) AS {st}" for st in vocab.SITE_STAGES)
    shares = ",\n".join(
        f"100.0 * agg.{st} / NULLIF(agg.sites, 0) AS share_{st}" for st in vocab.SITE_STAGES
    )
    if lv.population:
        pop_cte = """, pop AS (
            SELECT DISTINCT ON (district_code) district_code, population, period
            FROM district_population ORDER BY district_code, period DESC)"""
        pop_cols = """pop.population, pop.period AS population_period,
            COALESCE(agg.grant_mkrw, 0) * 1e6 / NULLIF(pop.population, 0)
                AS grant_per_resident_krw"""
        pop_join = "LEFT JOIN pop ON pop.district_code = a.code"
    else:
        pop_cte, pop_join = "", ""
        pop_cols = """NULL::integer AS population, NULL::text AS population_period,
            NULL::float8 AS grant_per_resident_krw"""
    return Statement(
        f"{level} metrics",
        f"""WITH agg AS (
                SELECT s.{lv.site_column} AS code, count(*) AS sites,
                       sum(s.grant_mkrw)::float8 AS grant_mkrw, {stage_cols}
                FROM active_program_sites s JOIN programs p ON p.no = s.program_no
                WHERE {where} AND s.{lv.site_column} IS NOT NULL
                GROUP BY s.{lv.site_column}){pop_cte}
            SELECT a.code, {lv.select}, a.area_km2,
                   COALESCE(agg.sites, 0) AS sites,
                   COALESCE(agg.grant_mkrw, 0) AS grant_mkrw,
                   COALESCE(agg.grant_mkrw, 0) / NULLIF(a.area_km2, 0) AS grant_per_km2,
                   {stage_out}, {shares}, {pop_cols}
            FROM {lv.table} a {lv.joins}
            LEFT JOIN agg ON agg.code = a.code {pop_join}
            ORDER BY a.code""",
        params,
    )


def _matrix_statement(flt: CoverageFilter) -> Statement:
    prog_where, params = flt.where(sites=False)
    site_where, site_params = flt.where(programs=False)
    return Statement(
        "program x district matrix",
        f"""SELECT p.no, p.name, p.office, p.division, p.budget_mkrw, s.district_code,
                   count(s.id) AS sites, COALESCE(sum(s.grant_mkrw), 0)::float8 AS grant_mkrw,
                   (SELECT array_agg(code ORDER BY code) FROM districts) AS all_districts
            FROM programs p
            LEFT JOIN active_program_sites s ON s.program_no = p.no AND {site_where}
            WHERE {prog_where}
            GROUP BY p.no, s.district_code ORDER BY p.no, s.district_code""",
        params | site_params,
    )


def _resource_counts_statement(viewer: Viewer, flt: CoverageFilter) -> Statement:
    # From the counts the triggers keep (migration 0008), not a scan of every resource;
    # a place listed by several sources counts once: the records linked to an earlier
    # counted record of the same place (geo.places, a few thousand at most) are taken off.
    cwhere, params = flt.resource_where(alias="c")
    rwhere, _ = flt.resource_where(alias="r")
    fwhere, _ = flt.resource_where(alias="f")
    counts = ",\n".join(f"sum(c.n) FILTER (WHERE c.kind = '{k}') AS {k}" for k in vocab.KINDS)
    dups = ",\n".join(f"count(*) FILTER (WHERE r.kind = '{k}') AS {k}" for k in vocab.KINDS)
    out = ", ".join(
        f"(COALESCE(c.{k}, 0) - COALESCE(x.{k}, 0))::bigint AS {k}" for k in vocab.KINDS
    )
    return Statement(
        "resources per dong",
        f"""SELECT d.code, d.district_code, {out}
            FROM dongs d LEFT JOIN (
                SELECT c.dong_code, {counts}
                FROM resource_counts c
                WHERE {count_filter(viewer)} AND {cwhere}
                GROUP BY c.dong_code) c ON c.dong_code = d.code
            LEFT JOIN (
                SELECT r.dong_code, {dups}
                FROM resource_places lp
                JOIN resources r ON r.id = lp.resource_id AND lp.place_id <> r.id
                JOIN resources f ON f.id = lp.place_id
                WHERE r.retired_at IS NULL AND r.visibility = 'public' AND {rwhere}
                  AND f.retired_at IS NULL AND f.visibility = 'public' AND {fwhere}
                GROUP BY r.dong_code) x ON x.dong_code = d.code
            ORDER BY d.code""",
        params | source_params(viewer),
    )


def _district_totals(counts: pd.DataFrame, kinds: Sequence[str]) -> dict[str, list]:
    """Resources of ``kinds`` per district, from the (cached) per-dong counts."""
    per = counts.assign(n=counts[list(kinds)].sum(axis=1)).groupby("district_code")["n"].sum()
    return {"t_codes": [str(c) for c in per.index], "t_counts": [int(n) for n in per]}


#: Segments per quarter circle of the buffers (ST_Buffer's default): 32-gons.
_QUAD_SEGS = 8


def _inner_radius(distance_m: float) -> float:
    """Radius of the circle inscribed in a site's buffer polygon (a regular 32-gon whose
    corners lie at ``distance_m``), less a margin for rounding: a point nearer than this to
    a site lies inside its buffer."""
    return distance_m * math.cos(math.pi / (4 * _QUAD_SEGS)) * (1 - 1e-9)


def _distance_statement(
    viewer: Viewer,
    flt: CoverageFilter,
    counts: pd.DataFrame,
    *,
    distance_m: float,
    kinds: Sequence[str],
) -> Statement:
    kinds = _kinds(kinds)
    where, params = flt.where()
    rwhere, rparams = flt.resource_where()
    src = resource_source(viewer)
    return Statement(
        "walking-distance coverage",
        f"""WITH s AS MATERIALIZED (  -- the filtered sites in UTM-K (metres)
                SELECT ST_Transform(s.geom, 5179) AS p
                FROM active_program_sites s JOIN programs p ON p.no = s.program_no
                WHERE {where}),
            tri AS MATERIALIZED (
                -- Delaunay triangles of the sites. Every point of a triangle lies within its
                -- minimum bounding radius of one of its corners, so a triangle whose radius is
                -- below the inscribed radius of a buffer lies wholly within the reach.
                SELECT t.geom AS g, (ST_MinimumBoundingRadius(t.geom)).radius <= :inner AS small
                FROM (SELECT ST_DelaunayTriangles(ST_Collect(p)) AS g FROM s) dt,
                     ST_Dump(dt.g) t),
            hull AS MATERIALIZED (SELECT ST_ConvexHull(ST_Collect(p)) AS g FROM s),
            split AS MATERIALIZED (
                -- Worth it when most triangles are small (sites dense for the distance);
                -- otherwise every site's buffer goes into the union, as it is.
                SELECT count(*) FILTER (WHERE NOT small) <= count(*) / 4 AS yes FROM tri),
            open AS MATERIALIZED (
                SELECT ST_Union(g) AS g FROM tri WHERE NOT small AND (SELECT yes FROM split)),
            core AS MATERIALIZED (  -- the hull less the open triangles: within reach
                SELECT CASE WHEN (SELECT yes FROM split) AND EXISTS (SELECT FROM tri WHERE small)
                            THEN COALESCE(ST_Difference(hull.g, open.g), hull.g) END AS g
                FROM hull, open),
            rim AS MATERIALIZED (
                -- Where the reach can end: the open triangles and the outside of the hull,
                -- in small pieces keyed by the grid cells (of :distance) they come near.
                SELECT r.g, i, j
                FROM (SELECT ST_Subdivide(e.g, 16) AS g FROM (
                          SELECT g FROM open
                          UNION ALL
                          SELECT CASE WHEN ST_Dimension(g) = 2 THEN ST_Boundary(g) ELSE g END
                          FROM hull) e
                      WHERE e.g IS NOT NULL AND NOT ST_IsEmpty(e.g) AND (SELECT yes FROM split)) r,
                     -- (unnest of an array: the planner expects a few rows, not a thousand)
                     unnest(ARRAY(SELECT generate_series(
                         floor((ST_XMin(r.g) - :distance) / :distance)::int,
                         floor((ST_XMax(r.g) + :distance) / :distance)::int))) i,
                     unnest(ARRAY(SELECT generate_series(
                         floor((ST_YMin(r.g) - :distance) / :distance)::int,
                         floor((ST_YMax(r.g) + :distance) / :distance)::int))) j),
            edge AS (  -- sites whose buffer can reach beyond the core
                SELECT s.p FROM s WHERE NOT (SELECT yes FROM split)
                UNION ALL
                SELECT s.p FROM s WHERE (SELECT yes FROM split) AND EXISTS (
                    SELECT FROM rim WHERE rim.i = floor(ST_X(s.p) / :distance)::int
                                      AND rim.j = floor(ST_Y(s.p) / :distance)::int
                                      AND ST_DWithin(rim.g, s.p, :distance))),
            u AS MATERIALIZED (
                -- Everything within :distance metres of a site, as one shape: the same set as
                -- the union of every site's buffer, with the inner buffers left out.
                SELECT ST_Union(x.g) AS g FROM (
                    SELECT g FROM core
                    UNION ALL
                    SELECT ST_Buffer(p, :distance, {_QUAD_SEGS}) FROM edge) x),
            d AS MATERIALIZED (
                SELECT g.code, g.name_ko, g.name_en, d5.geom, ST_Area(d5.geom) AS area_m2,
                       ST_Intersection(d5.geom, u.g) AS covered, u.g AS reach
                FROM districts g CROSS JOIN u
                CROSS JOIN LATERAL (SELECT ST_Transform(g.geom, 5179) AS geom) d5),
            a AS MATERIALIZED (
                SELECT code, name_ko, name_en, area_m2, geom, covered, reach,
                       COALESCE(ST_Area(covered), 0) AS covered_m2 FROM d),
            b AS MATERIALIZED (
                -- Resources are counted in the smaller of the two parts of the district,
                -- inside or outside the reach (index lookups on few points, not all of them).
                SELECT code, covered_m2 <= area_m2 / 2 AS count_inside,
                       CASE WHEN covered_m2 <= area_m2 / 2 THEN covered
                            ELSE ST_Difference(geom, reach) END AS part
                FROM a),
            pieces AS (
                SELECT b.code, ST_Transform(ST_Subdivide(b.part, 64), 4326) AS geom
                FROM b WHERE b.part IS NOT NULL AND NOT ST_IsEmpty(b.part)),
            totals AS (  -- resources with a dong, per district: from the cached counts
                SELECT * FROM unnest(CAST(:t_codes AS text[]), CAST(:t_counts AS bigint[]))
                    AS t(district_code, resources)),
            hits AS (
                -- Per piece, the points in it through the geography GiST index: a lateral
                -- subquery, so the plan stays an index lookup per piece whatever the
                -- estimates; the district is a filter (a bitmap of the whole district per
                -- piece cost more than the piece's own points).
                SELECT pc.code, sum(x.n) AS n
                FROM pieces pc CROSS JOIN LATERAL (
                    SELECT count(*) AS n FROM {src} r
                    WHERE r.geom::geography && pc.geom::geography
                      AND ST_Intersects(pc.geom, r.geom)
                      AND r.district_code IS NOT DISTINCT FROM pc.code
                      AND r.kind = ANY(:kinds) AND {rwhere} AND r.dong_code IS NOT NULL) x
                GROUP BY pc.code),
            rows AS (
                SELECT a.code, a.name_ko, a.name_en, COALESCE(t.resources, 0) AS resources,
                       CASE WHEN b.count_inside THEN COALESCE(h.n, 0)
                            ELSE COALESCE(t.resources, 0) - COALESCE(h.n, 0) END AS near,
                       a.area_m2 / 1e6 AS area_km2, a.covered_m2 / 1e6 AS covered_km2
                FROM a JOIN b ON b.code = a.code LEFT JOIN totals t ON t.district_code = a.code
                LEFT JOIN hits h ON h.code = a.code)
            SELECT rows.*, NULL::bytea AS geom FROM rows
            UNION ALL
            SELECT NULL, '서울특별시', 'Seoul', (SELECT sum(resources) FROM rows),
                   (SELECT sum(near) FROM rows), (SELECT sum(area_km2) FROM rows),
                   (SELECT sum(covered_km2) FROM rows),
                   ST_AsBinary(ST_Transform(ST_SimplifyPreserveTopology(u.g, 5), 4326))
            FROM u""",
        params
        | rparams
        | source_params(viewer)
        | {"distance": float(distance_m), "inner": _inner_radius(distance_m), "kinds": kinds}
        | _district_totals(counts, kinds),
    )


_EVAL_GROUPS = {
    "program": ("p.no::text", "p.name", "p.name"),
    "district": ("s.district_code", "g.name_ko", "g.name_en"),
}


def _evaluation_statement(flt: CoverageFilter, by: str) -> Statement:
    if by not in _EVAL_GROUPS:
        raise InvalidInput(Msg("coverage.unknown_grouping", by=by))
    key, name_ko, name_en = _EVAL_GROUPS[by]
    where, params = flt.where()
    means = ", ".join(f"avg(e.{c})::float8 AS {c}" for c in _CRITERIA)
    return Statement(
        f"evaluations by {by}",
        f"""SELECT e.year, e.quarter, {key} AS code, {name_ko} AS name_ko,
                   {name_en} AS name_en, count(DISTINCT e.site_id) AS sites, {means}
            FROM site_evaluations e
            JOIN active_program_sites s ON s.id = e.site_id
            JOIN programs p ON p.no = s.program_no
            LEFT JOIN districts g ON g.code = s.district_code
            WHERE {where} AND {key} IS NOT NULL
            GROUP BY e.year, e.quarter, {key}, {name_ko}, {name_en}
            ORDER BY e.year, e.quarter, {key}""",
        params,
    )


def _population_statement() -> Statement:
    return Statement(
        "population",
        """SELECT DISTINCT ON (p.district_code) p.district_code AS code, g.name_ko,
                  g.name_en, p.period, p.population, p.households, p.source, p.imported_at
           FROM district_population p JOIN districts g ON g.code = p.district_code
           ORDER BY p.district_code, p.period DESC""",
    )


# --- public functions -------------------------------------------------------------------


@dataclass(frozen=True)
class FilterOptions:
    """What the filters can offer: the programs (with office and division), years, sources."""

    programs: pd.DataFrame
    years: tuple[int, ...]
    sources: tuple[str, ...]


def filter_options() -> FilterOptions:
    """The programs, years and data sources present, for the filter widgets."""
    df = _options_statement().frame()
    years = df["years"].iloc[0] if len(df) and df["years"].iloc[0] is not None else []
    sources = df["sources"].iloc[0] if len(df) and df["sources"].iloc[0] is not None else []
    return FilterOptions(
        df.drop(columns=["years", "sources"]),
        tuple(int(y) for y in years),
        tuple(sources),
    )


def area_shapes(level: str) -> gpd.GeoDataFrame:
    """District or dong outlines (simplified to ~3 m for the browser), with names and areas."""
    df = _shapes_statement(level).frame()
    geoms = shapely.from_wkb(df.pop("geom").map(bytes).to_numpy())
    return gpd.GeoDataFrame(df, geometry=geoms, crs=4326).rename_geometry("geom")


def area_metrics(level: str, flt: CoverageFilter = CoverageFilter()) -> pd.DataFrame:
    """Per district or dong: sites, grants, grant per km² and per resident, stage mix.

    Parameters
    ----------
    level
        ``"district"`` or ``"dong"`` (a key of :data:`LEVELS`).
    flt
        Which program sites count.

    Returns
    -------
    pandas.DataFrame
        One row per area (zeros included): ``code, name_ko, name_en, district_code,
        district_name, area_km2, sites, grant_mkrw, grant_per_km2`` (million KRW / km²),
        ``seed, sprout, hope`` (site counts), ``share_seed, share_sprout, share_hope`` (%),
        ``population, population_period, grant_per_resident_krw`` (KRW; districts only,
        empty until a population table is imported).
    """
    return _metrics_statement(level, flt).frame()


@dataclass(frozen=True)
class ProgramMatrix:
    """Programs x districts: ``cells`` (one row per program) and the column ``totals``."""

    value: str
    cells: pd.DataFrame
    district_columns: tuple[str, ...]
    totals: pd.Series


_MATRIX_VALUES = {"grant": "grant_mkrw", "sites": "sites"}


def program_district_matrix(
    flt: CoverageFilter = CoverageFilter(), *, value: str = "grant"
) -> ProgramMatrix:
    """The program x district table of grants (million KRW) or site counts.

    Each program row holds its 25 district cells (plus ``unassigned`` when a site lies
    outside every district), ``total`` (the row sum), ``sites`` and ``granted_mkrw`` (all
    its filtered sites), ``budget_mkrw``, ``remaining_mkrw`` and ``used_pct`` (granted / budget).
    ``totals`` sums every column, so the grand total reconciles with the programs' grants
    and budgets.
    """
    if value not in _MATRIX_VALUES:
        raise InvalidInput(Msg("coverage.unknown_matrix_value", value=value))
    long = _matrix_statement(flt).frame()
    info = long.drop_duplicates("no").set_index("no")[["name", "office", "division", "budget_mkrw"]]
    long["district_code"] = long["district_code"].fillna(UNASSIGNED)
    measure = _MATRIX_VALUES[value]
    wide = long.pivot_table(
        index="no", columns="district_code", values=measure, aggfunc="sum", fill_value=0
    )
    granted = long.groupby("no")["grant_mkrw"].sum()
    all_codes = list(long["all_districts"].iloc[0]) if len(long) else []
    columns = all_codes + ([UNASSIGNED] if _has_unassigned(long) else [])
    wide = wide.reindex(index=info.index, columns=columns, fill_value=0)
    cells = info.join(wide)
    cells["total"] = wide.sum(axis=1)
    cells["sites"] = long.groupby("no")["sites"].sum().reindex(info.index).fillna(0).astype(int)
    cells["granted_mkrw"] = granted.reindex(info.index).fillna(0.0)
    cells["remaining_mkrw"] = cells["budget_mkrw"] - cells["granted_mkrw"]
    cells["used_pct"] = np.where(
        cells["budget_mkrw"] > 0,
        100.0 * cells["granted_mkrw"] / cells["budget_mkrw"].where(cells["budget_mkrw"] > 0),
        np.nan,
    )
    numeric = [*columns, "total", "sites", "granted_mkrw", "budget_mkrw", "remaining_mkrw"]
    totals = cells[numeric].sum()
    budget = totals["budget_mkrw"]
    totals["used_pct"] = 100.0 * totals["granted_mkrw"] / budget if budget else np.nan
    if value == "sites":
        cells[[*columns, "total"]] = cells[[*columns, "total"]].astype(int)
    return ProgramMatrix(value, cells.reset_index(), tuple(columns), totals)


def _has_unassigned(long: pd.DataFrame) -> bool:
    mask = long["district_code"] == UNASSIGNED
    return bool((long.loc[mask, "sites"] > 0).any())


def dong_resource_counts(viewer: Viewer, flt: CoverageFilter = CoverageFilter()) -> pd.DataFrame:
    """Resources per legal dong and kind, as ``viewer`` may see them (aggregates only).

    Only the data-source filter applies; the program filters do not change these counts.
    Columns: ``code, district_code`` and one count per kind of :data:`geo.vocab.KINDS`.
    """
    return _resource_counts_statement(viewer, flt).frame()


def gap_thresholds(counts: pd.DataFrame, *, kinds: Sequence[str]) -> tuple[int, int]:
    """Default thresholds: "rich" from the upper quartile of resources per dong, "few" the
    lower quartile (counts of ``kinds``, all dongs, zeros included)."""
    total = counts[_kinds(kinds)].sum(axis=1)
    rich = int(np.ceil(total.quantile(0.75))) if len(total) else 1
    thin = int(np.floor(total.quantile(0.25))) if len(total) else 0
    return max(rich, 1), max(min(thin, rich - 1), 0)


def gap_table(
    counts: pd.DataFrame,
    dong_metrics: pd.DataFrame,
    *,
    kinds: Sequence[str],
    rich_min: int,
    thin_max: int,
) -> pd.DataFrame:
    """Classify every dong by resources (of ``kinds``) against program sites.

    ``untapped``: at least ``rich_min`` resources and no site; ``thin``: sites but at most
    ``thin_max`` resources; ``supported``: sites and more resources; ``quiet``: the rest.
    Ranked: untapped first (most resources first), then thin (most sites first).

    Parameters
    ----------
    counts
        From :func:`dong_resource_counts`.
    dong_metrics
        From :func:`area_metrics` at level ``"dong"`` (the filtered sites).
    """
    kinds = _kinds(kinds)
    df = dong_metrics[
        ["code", "name_ko", "district_code", "district_name", "area_km2", "sites", "grant_mkrw"]
    ].merge(counts.drop(columns="district_code"), on="code", how="left")
    df[list(vocab.KINDS)] = df[list(vocab.KINDS)].fillna(0).astype(int)
    df["resources"] = df[kinds].sum(axis=1)
    has_site = df["sites"] > 0
    df["gap"] = np.select(
        [
            ~has_site & (df["resources"] >= rich_min),
            has_site & (df["resources"] <= thin_max),
            has_site,
        ],
        ["untapped", "thin", "supported"],
        default="quiet",
    )
    order = {code: i for i, code in enumerate(GAP_CLASSES)}
    df["_order"] = df["gap"].map(order)
    df["_key"] = np.where(df["gap"] == "thin", -df["sites"], -df["resources"])
    df = df.sort_values(["_order", "_key", "code"]).drop(columns=["_order", "_key"])
    df.insert(0, "rank", np.arange(1, len(df) + 1))
    return df.reset_index(drop=True)


@dataclass(frozen=True)
class DistanceCoverage:
    """Share of resources and of area within a walking distance of a program site.

    ``districts`` has one row per district (``code, name_ko, name_en, resources, near,
    resource_share`` in %, ``area_km2, covered_km2, area_share`` in %), ranked from the
    least covered area; ``seoul`` is the same for the whole city; ``area`` is the covered
    shape (simplified to 5 m) or ``None`` when no site matches.
    """

    distance_m: float
    districts: pd.DataFrame
    seoul: pd.Series
    area: shapely.Geometry | None


def distance_coverage(
    viewer: Viewer,
    flt: CoverageFilter,
    counts: pd.DataFrame,
    *,
    distance_m: float = 500.0,
    kinds: Sequence[str] = tuple(vocab.KINDS),
) -> DistanceCoverage:
    """Resources (of ``kinds``) and area within ``distance_m`` metres of a filtered site.

    Buffers are drawn in EPSG:5179 (UTM-K, metres) and united in PostGIS; a resource counts
    where ``viewer`` sees it (a person, for the public, at the dong's representative point).
    ``counts`` are :func:`dong_resource_counts` for the same viewer and filter (cached by
    the page): they give each district's total; resources outside every dong do not count.
    """
    if not 0 < distance_m <= 10_000:
        raise InvalidInput(Msg("coverage.distance_must_0_10"))
    df = _distance_statement(viewer, flt, counts, distance_m=distance_m, kinds=kinds).frame()
    city = df[df["code"].isna()].iloc[0].copy()
    wkb = city["geom"]
    area = shapely.from_wkb(bytes(wkb)) if wkb is not None else None
    df = df[df["code"].notna()].drop(columns="geom").copy()
    for frame in (df,):
        frame["resource_share"] = (
            100.0 * frame["near"] / frame["resources"].where(frame["resources"] > 0)
        )
        frame["area_share"] = 100.0 * frame["covered_km2"] / frame["area_km2"]
    city = city.drop(labels="geom")
    city["resource_share"] = (
        100.0 * city["near"] / city["resources"] if city["resources"] else np.nan
    )
    city["area_share"] = 100.0 * city["covered_km2"] / city["area_km2"]
    df = df.sort_values(["area_share", "code"]).reset_index(drop=True)
    return DistanceCoverage(float(distance_m), df, city, area)


def evaluation_trends(
    flt: CoverageFilter = CoverageFilter(), *, by: str = "program"
) -> pd.DataFrame:
    """Mean quarterly scores (주민주도, 민관거버넌스, 지역자원 활용) per program or district.

    Columns: ``year, quarter, period`` ("2013 Q2"), ``code, name_ko, name_en, sites``
    (evaluated that quarter), the three criteria (0-100) and ``overall`` (their mean).
    """
    df = _evaluation_statement(flt, by).frame()
    df["period"] = df["year"].astype(str) + " Q" + df["quarter"].astype(str)
    df["overall"] = df[list(_CRITERIA)].mean(axis=1)
    cols = ["year", "quarter", "period", "code", "name_ko", "name_en", "sites", *_CRITERIA]
    return df[[*cols, "overall"]]


def latest_ranking(trends: pd.DataFrame) -> pd.DataFrame:
    """The latest quarter of ``trends`` ranked by the overall score (1 = best)."""
    if trends.empty:
        return trends.assign(rank=pd.Series(dtype=int))
    last = trends[["year", "quarter"]].drop_duplicates().sort_values(["year", "quarter"]).iloc[-1]
    df = trends[(trends["year"] == last["year"]) & (trends["quarter"] == last["quarter"])]
    df = df.sort_values(["overall", "code"], ascending=[False, True]).reset_index(drop=True)
    df.insert(0, "rank", np.arange(1, len(df) + 1))
    return df


def populations() -> pd.DataFrame:
    """The latest imported population of each district (empty when none was imported)."""
    return _population_statement().frame()


# --- the whole page, for the benchmark --------------------------------------------------


def page_statements(
    viewer: Viewer, flt: CoverageFilter, opts: PageOptions, *, cached: bool = True
) -> list[Statement]:
    """Every statement the Coverage page runs for one filter setting.

    With ``cached=False`` only those that depend on the filters (the page caches the rest).
    """
    counts = dong_resource_counts(viewer, flt)
    stmts = []
    if cached:
        stmts += [
            _options_statement(),
            _shapes_statement("district"),
            _shapes_statement("dong"),
            _resource_counts_statement(viewer, flt),
            _population_statement(),
        ]
    stmts += [
        _metrics_statement("district", flt),
        _metrics_statement("dong", flt),
        _matrix_statement(flt),
        _distance_statement(viewer, flt, counts, distance_m=opts.distance_m, kinds=opts.kinds),
        *(_evaluation_statement(flt, by) for by in opts.evaluation_by),
    ]
    return stmts


def run_page(
    viewer: Viewer,
    flt: CoverageFilter,
    opts: PageOptions,
    *,
    cached: dict[str, object] | None = None,
) -> dict[str, object]:
    """Compute everything the page shows (what :func:`page_statements` lists), as it does.

    ``cached`` holds the filter-independent results of an earlier call (the page's cache);
    without it they are computed too.
    """
    out: dict[str, object] = {}
    if cached is None:
        out["options"] = filter_options()
        out["district_shapes"] = area_shapes("district")
        out["dong_shapes"] = area_shapes("dong")
        out["counts"] = dong_resource_counts(viewer, flt)
        out["population"] = populations()
    else:
        out |= cached
    out["district_metrics"] = area_metrics("district", flt)
    out["dong_metrics"] = area_metrics("dong", flt)
    out["matrix"] = program_district_matrix(flt)
    out["distance"] = distance_coverage(
        viewer, flt, out["counts"], distance_m=opts.distance_m, kinds=opts.kinds
    )
    for by in opts.evaluation_by:
        out[f"evaluation_{by}"] = evaluation_trends(flt, by=by)
    return out
