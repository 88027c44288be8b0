"""Assign district and dong to records by spatial join in PostGIS (never trusted from input).

Two forms of the same rule: :func:`assign_areas` updates rows of a table in place (a few
records at a time), and :func:`with_areas_sql` adds the two codes to every row of a query
(an import's million rows). The latter reads ``dong_cells`` (migration 0007): a point in a
cell that lies inside one dong gets that dong by a hash join, with no geometry test; only
points in cells that a boundary crosses are tested, against the pieces of the dongs in
that cell. :func:`refresh_cells` rebuilds the cells after the dongs change.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from geo.models import AREA_ASSIGNED_TABLES


def _pos(alias: str) -> str:
    """The point that decides a record's areas: its own point, or one on its surface."""
    g = f"{alias}.geom"
    return f"(CASE WHEN GeometryType({g}) = 'POINT' THEN {g} ELSE ST_PointOnSurface({g}) END)"


def _cell(alias: str) -> tuple[str, str]:
    """The (i, j) of the ``dong_cells`` grid cell of that point."""
    return tuple(f"floor(ST_{axis}({_pos(alias)}) / dong_cell_size())::int" for axis in ("X", "Y"))


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


def with_areas_sql(rows: str) -> str:
    """``SELECT`` of every row of the query ``rows`` plus its ``dong_code``/``district_code``.

    ``rows`` must have a WGS84 ``geom`` column (NULL allowed). Same rule as
    :func:`assign_areas`: the point on the surface of the geometry decides; on a shared
    boundary the lowest dong code wins; outside every dong, the district only (lowest
    code); outside Seoul, neither. Run :func:`ensure_cells` first.
    """
    i, j = _cell("r")
    return f"""
        SELECT r.*, COALESCE(w.dong_code, b.dong_code)::varchar(8) AS dong_code,
               COALESCE(w.district_code, b.district_code,
                        CASE WHEN r.geom IS NOT NULL AND w.dong_code IS NULL AND b.dong_code IS NULL
                             THEN (SELECT g.code FROM districts g
                                   WHERE ST_Intersects(g.geom, {_pos("r")})
                                   ORDER BY g.code LIMIT 1) END)::varchar(5) AS district_code
        FROM ({rows}) r
        LEFT JOIN dong_cells w ON w.i = {i} AND w.j = {j} AND w.piece IS NULL
        LEFT JOIN LATERAL (
            SELECT p.dong_code, p.district_code FROM dong_cells p
            WHERE w.dong_code IS NULL AND r.geom IS NOT NULL
              AND p.i = {i} AND p.j = {j} AND p.piece IS NOT NULL
              AND ST_Intersects(p.piece, {_pos("r")})
            ORDER BY p.dong_code LIMIT 1) b ON true
    """


def assign_areas(
    conn: sa.Connection,
    table: str,
    *,
    only_missing: bool = False,
    ids: Sequence[int] | None = None,
) -> int:
    """Set ``dong_code`` and ``district_code`` of rows in ``table`` from their geometry.

    A point on a shared boundary goes to the lowest dong code, so the result is
    deterministic. A point outside every dong but inside a district (slivers between the
    two boundary sets) gets the district only; a point outside Seoul gets neither.

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
    n = conn.execute(
        sa.text(
            f"""
            UPDATE {table} t SET (dong_code, district_code) = (
                SELECT d.code, d.district_code FROM dongs d
                WHERE ST_Intersects(d.geom, ST_PointOnSurface(t.geom))
                ORDER BY d.code LIMIT 1)
            {where}
            """
        ),
        params,
    ).rowcount
    conn.execute(
        sa.text(
            f"""
            UPDATE {table} t SET district_code = (
                SELECT g.code FROM districts g
                WHERE ST_Intersects(g.geom, ST_PointOnSurface(t.geom))
                ORDER BY g.code LIMIT 1)
            {where} AND t.dong_code IS NULL
            """
        ),
        params,
    )
    return n


def locate(conn: sa.Connection, lon: float, lat: float) -> tuple[str | None, str | None]:
    """(district code, dong code) of a point, by the same rules as :func:`assign_areas`."""
    row = conn.execute(
        sa.text(
            """WITH p AS (SELECT ST_SetSRID(ST_MakePoint(:x, :y), 4326) AS geom)
               SELECT COALESCE(
                          (SELECT d.district_code FROM dongs d, p
                            WHERE ST_Intersects(d.geom, p.geom) ORDER BY d.code LIMIT 1),
                          (SELECT g.code FROM districts g, p
                            WHERE ST_Intersects(g.geom, p.geom) ORDER BY g.code LIMIT 1)),
                      (SELECT d.code FROM dongs d, p
                        WHERE ST_Intersects(d.geom, p.geom) ORDER BY d.code LIMIT 1)"""
        ),
        {"x": lon, "y": lat},
    ).one()
    return row[0], row[1]
