"""Nearby search: a stored public location per resource and geography indexes for KNN.

``pub_geom`` is where the public may see a resource: its point, or for a person the label
point of their dong (a 1 km grid cell outside any dong). A row trigger keeps it current on
every insert and on updates of ``geom``, ``kind`` or ``dong_code``, so no writer can leave
a person's exact point in it. ``resources_public`` now reads it, which lets nearest-
neighbour searches on the public view use an index.

Revision ID: 0005_nearby
Revises: 0001
"""

from __future__ import annotations

import geoalchemy2
import sqlalchemy as sa
from alembic import op

revision = "0005_nearby"
down_revision = "0001"
branch_labels = None
depends_on = None

PUBLIC_POINT = """
CREATE FUNCTION resource_public_point() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.kind = 'human' THEN
    NEW.pub_geom := COALESCE(
      (SELECT d.label_point FROM dongs d WHERE d.code = NEW.dong_code),
      ST_Transform(ST_SnapToGrid(ST_Transform(NEW.geom, 5179), 1000), 4326));
  ELSE
    NEW.pub_geom := NEW.geom;
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER resources_public_point
  BEFORE INSERT OR UPDATE OF geom, kind, dong_code ON resources
  FOR EACH ROW EXECUTE FUNCTION resource_public_point();
"""

VIEW = """
CREATE VIEW resources_public AS
SELECT r.id, r.kind, r.category, r.name, r.description,
       CASE WHEN r.kind = 'human' THEN NULL ELSE r.address END AS address,
       CASE WHEN r.kind = 'human' THEN NULL ELSE r.contact END AS contact,
       r.pub_geom AS geom,
       (r.kind = 'human') AS location_generalised,
       r.district_code, r.dong_code, r.source, r.source_id, r.is_demo,
       r.created_at, r.updated_at
FROM resources r
WHERE r.visibility = 'public'
"""

OLD_VIEW = """
CREATE VIEW resources_public AS
SELECT r.id, r.kind, r.category, r.name, r.description,
       CASE WHEN r.kind = 'human' THEN NULL ELSE r.address END AS address,
       CASE WHEN r.kind = 'human' THEN NULL ELSE r.contact END AS contact,
       CASE WHEN r.kind = 'human' THEN
            COALESCE(d.label_point,
                     ST_Transform(ST_SnapToGrid(ST_Transform(r.geom, 5179), 1000), 4326))
            ELSE r.geom END AS geom,
       (r.kind = 'human') AS location_generalised,
       r.district_code, r.dong_code, r.source, r.source_id, r.is_demo,
       r.created_at, r.updated_at
FROM resources r
LEFT JOIN dongs d ON d.code = r.dong_code
WHERE r.visibility = 'public'
"""


def upgrade() -> None:
    op.add_column(
        "resources",
        sa.Column(
            "pub_geom",
            geoalchemy2.types.Geometry(
                geometry_type="POINT", srid=4326, spatial_index=False, nullable=True
            ),
            nullable=True,
        ),
    )
    op.execute(PUBLIC_POINT)
    op.execute("UPDATE resources SET geom = geom")  # fire the trigger once for every row
    op.execute("DROP VIEW resources_public")
    op.execute(VIEW)
    # KNN (<->) and ST_DWithin on geography: metre-accurate and served by these indexes.
    op.execute("CREATE INDEX ix_resources_geog ON resources USING gist ((geom::geography))")
    op.execute(
        "CREATE INDEX ix_resources_pub_geog ON resources USING gist ((pub_geom::geography))"
        " WHERE visibility = 'public'"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_resources_pub_geog")
    op.execute("DROP INDEX IF EXISTS ix_resources_geog")
    op.execute("DROP VIEW resources_public")
    op.execute(OLD_VIEW)
    op.execute("DROP TRIGGER resources_public_point ON resources")
    op.execute("DROP FUNCTION resource_public_point()")
    op.drop_column("resources", "pub_geom")
