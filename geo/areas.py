"""Assign district and dong to records by spatial join in PostGIS (never trusted from input).

The rule: the dongs are a clean coverage of Seoul (``geo.partition``), so a point inside
the city lies in exactly one dong (on a shared boundary, the lowest code wins); a point
outside the outline but within :data:`SNAP_M` metres of it (a river bank, the city edge,
a facility on the boundary road) goes to the nearest dong and is *snapped*, with its
distance; anything farther is outside Seoul (no dong, no district). A district is always
the district of the dong.

Three forms of the rule: :func:`assign_areas` updates rows of a table in place (a few
records at a time), :func:`locate` answers for one point, and :func:`with_areas_sql` adds
the codes to every row of a query (an import's million rows). The latter reads
``dong_cells`` (migration 0007): a point in a cell that lies inside one dong gets that
dong by a hash join, with no geometry test; only points in cells that a boundary crosses
are tested, against the pieces of the dongs in that cell, and only points in no dong look
for the nearest one. :func:`refresh_cells` rebuilds the cells after the dongs change.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from geo.models import AREA_ASSIGNED_TABLES

#: A point this close outside Seoul's outline (metres) goes to the nearest dong.
SNAP_M = 30.0
#: ``SNAP_M`` in degrees of longitude at latitude 50° (wider than needed in Seoul): the
#: bounding-box filter in front of the exact geodesic test.
_SNAP_DEG = SNAP_M / 70_000


def _pos(alias: str) -> str:
    """The point that decides a record's areas: its own point, or one on its surface."""
    g = f"{alias}.geom"
    return f"(CASE WHEN GeometryType({g}) = 'POINT' THEN {g} ELSE ST_PointOnSurface({g}) END)"


def _cell(alias: str) -> tuple[str, str]:
    """The (i, j) of the ``dong_cells`` grid cell of that point."""
    i, j = (f"floor(ST_{axis}({_pos(alias)}) / dong_cell_size())::int" for axis in ("X", "Y"))
    return i, j


def refresh_cells(conn: sa.Connection) -> None:
    """Rebuild ``dong_cells`` from ``dongs`` (after loading or changing the dongs)."""
    conn.execute(sa.text("REFRESH MATERIALIZED VIEW dong_cells"))


def ensure_cells(conn: sa.Connection) -> None:
    """Build ``dong_cells`` if it is empty while there are dongs (a database set up before)."""
    empty = conn.execute(
        sa.text("SELECT NOT EXISTS (SELECT 1 FROM dong_cells) AND EXISTS (SELECT 1 FROM dongs)")
    ).scalar_one()
    if empty:
        refresh_cells(conn)


def _inside_sql(pos: str) -> str:
    """``SELECT`` of the dong containing ``pos`` (lowest code on a shared boundary)."""
    return f"""SELECT d.code AS dong_code, d.district_code FROM dongs d
               WHERE ST_Intersects(d.geom, {pos}) ORDER BY d.code LIMIT 1"""


def _snap_sql(pos: str, when: str) -> str:
    """``text[]`` {dong code, district code, metres} of the nearest dong within :data:`SNAP_M`.

    Geodesic distance on the WGS84 spheroid; equal distances go to the lowest code. Looked
    up only ``when`` that condition holds (the point is in no dong): a ``CASE`` skips the
    subquery for every other row (a gated ``LATERAL`` join still paid for every row).
    """
    geog = f"{pos}::geography"
    nearest = f"""SELECT ARRAY[d.code, d.district_code,
                               ST_Distance(d.geom::geography, {geog})::text]
                  FROM dongs d
                  WHERE d.geom && ST_Expand({pos}, {_SNAP_DEG!r})
                    AND ST_DWithin(d.geom::geography, {geog}, {SNAP_M!r})
                  ORDER BY ST_Distance(d.geom::geography, {geog}), d.code LIMIT 1"""
    return f"(CASE WHEN {when} THEN ({nearest}) END)"


def with_areas_sql(rows: str) -> str:
    """``SELECT`` of every row of ``rows`` plus its ``dong_code``, ``district_code``, ``snapped_m``.

    ``rows`` must have a WGS84 ``geom`` column (NULL allowed). Same rule as
    :func:`assign_areas`: the point on the surface of the geometry decides; inside Seoul,
    the dong containing it (lowest code on a shared boundary); within :data:`SNAP_M` outside,
    the nearest dong, with ``snapped_m`` its distance in metres (NULL for the others);
    farther, neither code. Run :func:`ensure_cells` first.
    """
    i, j = _cell("r")
    pos = _pos("r")
    snap = _snap_sql(pos, "w.dong_code IS NULL AND b.dong_code IS NULL AND r.geom IS NOT NULL")
    return f"""
        SELECT r.*, COALESCE(w.dong_code, b.dong_code, s.snap[1])::varchar(8) AS dong_code,
               COALESCE(w.district_code, b.district_code, s.snap[2])::varchar(5)
                   AS district_code,
               s.snap[3]::float8 AS snapped_m
        FROM ({rows}) r
        LEFT JOIN dong_cells w ON w.i = {i} AND w.j = {j} AND w.piece IS NULL
        LEFT JOIN LATERAL (
            SELECT p.dong_code, p.district_code FROM dong_cells p
            WHERE w.dong_code IS NULL AND r.geom IS NOT NULL
              AND p.i = {i} AND p.j = {j} AND p.piece IS NOT NULL
              AND ST_Intersects(p.piece, {pos})
            ORDER BY p.dong_code LIMIT 1) b ON true
        CROSS JOIN LATERAL (SELECT {snap} AS snap) s
    """


def _areas_of_sql(table: str, where: str) -> str:
    """``SELECT id, dong_code, district_code`` of the rows of ``table`` (alias t)."""
    pos = "ST_PointOnSurface(t.geom)"
    return f"""
        SELECT t.id, COALESCE(a.dong_code, n.snap[1]) AS dong_code,
               COALESCE(a.district_code, n.snap[2]) AS district_code
        FROM {table} t
        LEFT JOIN LATERAL ({_inside_sql(pos)}) a ON true
        CROSS JOIN LATERAL (SELECT {_snap_sql(pos, "a.dong_code IS NULL")} AS snap) n
        {where}
    """


def assign_areas(
    conn: sa.Connection,
    table: str,
    *,
    only_missing: bool = False,
    ids: Sequence[int] | None = None,
) -> int:
    """Set ``dong_code`` and ``district_code`` of rows in ``table`` from their geometry.

    The rule of this module: the dong containing the point on the geometry's surface
    (lowest code on a shared boundary), else the nearest dong within :data:`SNAP_M`, else
    neither (outside Seoul).

    Parameters
    ----------
    conn
        Connection inside the caller's transaction.
    table
        One of :data:`geo.models.AREA_ASSIGNED_TABLES`.
    only_missing
        Only rows whose ``district_code`` is still empty (e.g. just inserted).
    ids
        Only these rows.

    Returns
    -------
    int
        Number of rows updated.
    """
    if table not in AREA_ASSIGNED_TABLES:
        raise ValueError(f"not an area-assigned table: {table}")
    conds = ["true"]
    if only_missing:
        conds.append("t.district_code IS NULL")
    if ids is not None:
        conds.append("t.id = ANY(:ids)")
    where = "WHERE " + " AND ".join(conds)
    params = {"ids": list(ids)} if ids is not None else {}
    return conn.execute(
        sa.text(
            f"""UPDATE {table} u SET dong_code = a.dong_code, district_code = a.district_code
                FROM ({_areas_of_sql(table, where)}) a WHERE a.id = u.id"""
        ),
        params,
    ).rowcount


def locate(conn: sa.Connection, lon: float, lat: float) -> tuple[str | None, str | None]:
    """(district code, dong code) of a point, by the same rule as :func:`assign_areas`."""
    pos = "ST_SetSRID(ST_MakePoint(:x, :y), 4326)"
    row = conn.execute(
        sa.text(
            f"""SELECT COALESCE(a.district_code, n.snap[2]), COALESCE(a.dong_code, n.snap[1])
                FROM (SELECT 1) one
                LEFT JOIN LATERAL ({_inside_sql(pos)}) a ON true
                CROSS JOIN LATERAL (SELECT {_snap_sql(pos, "a.dong_code IS NULL")} AS snap) n"""
        ),
        {"x": lon, "y": lat},
    ).one()
    return row[0], row[1]
