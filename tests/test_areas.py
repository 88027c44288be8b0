"""District and dong by spatial join: the import's grid-cell join agrees with the dong polygons."""

from __future__ import annotations

import sqlalchemy as sa

from geo.areas import ensure_cells, with_areas_sql

# The rule written out against the polygons themselves: the dong containing the point (the
# lowest code on a shared boundary), else the nearest dong within 30 m (geodesic; lowest
# code on a tie), else nothing; the district is the dong's.
_DIRECT = """
    SELECT p.id, COALESCE(i.code, n.code) AS dong_code,
           COALESCE(i.district_code, n.district_code) AS district_code,
           round(n.m::numeric, 6) AS snapped_m
    FROM probe p
    LEFT JOIN LATERAL (SELECT d.code, d.district_code FROM dongs d
                       WHERE ST_Intersects(d.geom, p.geom) ORDER BY d.code LIMIT 1) i ON true
    LEFT JOIN LATERAL (SELECT d.code, d.district_code,
                              ST_Distance(d.geom::geography, p.geom::geography) AS m
                       FROM dongs d WHERE i.code IS NULL AND d.geom && ST_Expand(p.geom, 0.001)
                       ORDER BY 3, d.code LIMIT 1) n ON n.m <= 30
"""


def test_import_join_gives_every_point_the_dong_that_contains_it(engine):
    """Random points, every 5th dong vertex (shared boundaries: ties), points outside Seoul."""
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
        snapped = "round(snapped_m::numeric, 6)"
        ours = conn.execute(
            sa.text(f"SELECT id, dong_code, district_code, {snapped} FROM ({joined}) a")
        ).all()
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
    assert sum(1 for _, dong, district, _ in ours if dong is None and district is None) >= 1
    assert sum(1 for *_, snapped in ours if snapped is not None) >= 10  # just outside: snapped
