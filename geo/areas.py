"""Assign district and dong to records by spatial join in PostGIS (never trusted from input)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from geo.models import AREA_ASSIGNED_TABLES

#: The import's temporary table of checked rows (``loaders.ingest``), joined before upsert.
IMPORT_ROWS_TABLE = "import_rows"


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
        One of :data:`geo.models.AREA_ASSIGNED_TABLES`, or :data:`IMPORT_ROWS_TABLE`.
    only_missing
        Only rows whose ``district_code`` is still empty (e.g. just inserted).
    ids
        Only these rows.

    Returns
    -------
    int
        Number of rows updated.
    """
    if table not in (*AREA_ASSIGNED_TABLES, IMPORT_ROWS_TABLE):
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
