"""Fast imports: dongs cut into grid cells, and a public-point trigger that writers can skip.

``dong_cells`` (a materialised view over ``dongs``, refreshed by the reference loader)
cuts Seoul into square cells of ``dong_cell_size()`` degrees (about 90 x 110 m). A cell
that lies inside one dong, away from every boundary, is one row with no geometry: a point
in it belongs to that dong, found by a hash join on the cell's (i, j) without any
geometry test. A cell that a boundary crosses holds the piece of each dong inside it, so
the point-in-polygon test that remains runs on a few vertices instead of the whole dong.
The import's spatial join (``geo.areas``) went from about 30 µs to about 2 µs per point.

The public-point trigger of 0005 now runs only when it has something to do: for people,
and when ``pub_geom`` is not already the record's own point. A writer that sets
``pub_geom = geom`` for a non-person (the importer) skips the per-row PL/pgSQL call; a
writer that sets anything else, or writes a person, still goes through the trigger, so
the stored public point stays right whoever writes.

Revision ID: 0007_fast_import
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0007_fast_import"
down_revision = "0001"
branch_labels = None
depends_on = ("0005_nearby",)

CELLS = r"""
CREATE FUNCTION dong_cell_size() RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT 0.001::float8 $$;

-- One row per (cell, dong) the cell touches; piece is NULL when the cell, widened by a
-- hair against rounding, lies strictly inside its only dong.
CREATE MATERIALIZED VIEW dong_cells AS
WITH pairs AS (
    SELECT d.code, g.i, g.j, ST_Expand(g.geom, 1e-9) AS cell,
           ST_ContainsProperly(d.geom, ST_Expand(g.geom, 1e-9)) AS inside
    FROM dongs d CROSS JOIN LATERAL ST_SquareGrid(dong_cell_size(), d.geom) g
    WHERE ST_Intersects(d.geom, ST_Expand(g.geom, 1e-9))),
counted AS (
    SELECT p.*, count(*) OVER (PARTITION BY p.i, p.j) AS n FROM pairs p),
clipped AS (
    SELECT c.i, c.j, c.code, d.district_code,
           CASE WHEN c.n = 1 AND c.inside THEN NULL
                ELSE ST_ClipByBox2D(d.geom, c.cell) END AS piece, c.cell, d.geom
    FROM counted c JOIN dongs d ON d.code = c.code)
SELECT i, j, code AS dong_code, district_code,
       CASE WHEN piece IS NULL OR ST_IsValid(piece) THEN piece
            ELSE ST_Intersection(geom, cell) END::geometry(Geometry, 4326) AS piece
FROM clipped;

-- Only the pieces are looked up by index; whole cells are hash-joined (no index to tempt
-- the planner into a probe per row).
CREATE INDEX ix_dong_cells_pieces ON dong_cells (i, j) WHERE piece IS NOT NULL;
"""

PUBLIC_POINT_TRIGGER = """
DROP TRIGGER resources_public_point ON resources;
CREATE TRIGGER resources_public_point
  BEFORE INSERT OR UPDATE OF geom, kind, dong_code ON resources
  FOR EACH ROW WHEN (NEW.kind = 'human' OR NEW.pub_geom IS DISTINCT FROM NEW.geom)
  EXECUTE FUNCTION resource_public_point();
"""

OLD_PUBLIC_POINT_TRIGGER = """
DROP TRIGGER resources_public_point ON resources;
CREATE TRIGGER resources_public_point
  BEFORE INSERT OR UPDATE OF geom, kind, dong_code ON resources
  FOR EACH ROW EXECUTE FUNCTION resource_public_point();
"""


def upgrade() -> None:
    op.execute(CELLS)
    op.execute(PUBLIC_POINT_TRIGGER)


def downgrade() -> None:
    op.execute(OLD_PUBLIC_POINT_TRIGGER)
    op.execute("DROP MATERIALIZED VIEW dong_cells")
    op.execute("DROP FUNCTION dong_cell_size()")
