"""District and dong by spatial join: the import's grid-cell join agrees with the dong polygons."""

from __future__ import annotations

import sqlalchemy as sa

from geo.areas import ensure_cells, with_areas_sql

# The rule written out against the polygons themselves: the dong containing the point (the
# lowest code on a shared boundary), else the district containing it, else nothing.
_DIRECT = """
    SELECT p.id,
           (SELECT d.code FROM dongs d WHERE ST_Intersects(d.geom, p.geom)
            ORDER BY d.code LIMIT 1) AS dong_code,
           COALESCE((SELECT d.district_code FROM dongs d WHERE ST_Intersects(d.geom, p.geom)
                     ORDER BY d.code LIMIT 1),
                    (SELECT g.code FROM districts g WHERE ST_Intersects(g.geom, p.geom)
                     ORDER BY g.code LIMIT 1)) AS district_code
    FROM probe p
"""


def test_import_join_gives_every_point_the_dong_that_contains_it(engine):
    """Random points, every 5th dong vertex (shared boundaries: ties) and points outside."""
    with engine.begin() as conn:
        ensure_cells(conn)
        conn.execute(
            sa.text(
                """CREATE TEMP TABLE probe ON COMMIT DROP AS
                   SELECT row_number() OVER () AS id, geom FROM (
                       SELECT (ST_Dump(ST_GeneratePoints(
                                  ST_SetSRID(ST_Expand(ST_Extent(geom)::geometry, 0.01), 4326),
                                  20000, 3))).geom
                       FROM dongs
                       UNION ALL
                       SELECT geom FROM (SELECT (ST_DumpPoints(geom)).geom, row_number() OVER ()
                                         AS n FROM dongs) v WHERE n % 5 = 0
                       UNION ALL
                       SELECT ST_SetSRID(ST_MakePoint(127.0, 36.5), 4326)) x"""
            )
        )
        joined = with_areas_sql("SELECT * FROM probe")
        ours = conn.execute(sa.text(f"SELECT id, dong_code, district_code FROM ({joined}) a")).all()
        truth = conn.execute(sa.text(_DIRECT)).all()
        ties = conn.execute(
            sa.text(
                """SELECT count(*) FROM probe p
                   WHERE (SELECT count(*) FROM dongs d WHERE ST_Intersects(d.geom, p.geom)) > 1"""
            )
        ).scalar_one()
    assert sorted(ours) == sorted(truth)
    assert len(ours) > 30000
    assert ties > 1000  # points on shared boundaries took the lowest dong code
    assert sum(1 for _, dong, district in ours if dong is None and district is None) >= 1
