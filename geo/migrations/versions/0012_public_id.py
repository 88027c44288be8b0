"""Opaque public ids: nothing derived from a person's exact point leaves a public path.

Public relations no longer carry ``id`` (numbered in the importer's spatial order, so it
ranks people by their exact position) nor, for people, ``source_id`` (for rows imported
without an id column a hash of the name and the exact point), nor ``updated_at`` (it moves
when only a person's point moves). Each resource gets ``public_id``, a random UUID made
when the row is inserted and kept through updates and re-imports of the same source id;
``resources_public`` exposes it and pages, exports and the OGC API identify and order
resources by it.

Revision ID: 0012_public_id
Revises: 0011_provenance
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_public_id"
down_revision = "0011_provenance"
branch_labels = None
depends_on = None

VIEW = """
CREATE VIEW resources_public AS
SELECT r.public_id, r.kind, r.category, r.name, r.description,
       CASE WHEN r.kind = 'human' THEN NULL ELSE r.address END AS address,
       CASE WHEN r.kind = 'human' THEN NULL ELSE r.contact END AS contact,
       r.pub_geom AS geom,
       (r.kind = 'human') AS location_generalised,
       r.district_code, r.dong_code, r.source,
       CASE WHEN r.kind = 'human' THEN NULL ELSE r.source_id END AS source_id,
       r.is_demo, r.created_at, r.location_precision
FROM resources r
WHERE r.visibility = 'public' AND r.retired_at IS NULL
"""

#: As 0010_location_precision left it.
OLD_VIEW = """
CREATE VIEW resources_public AS
SELECT r.id, r.kind, r.category, r.name, r.description,
       CASE WHEN r.kind = 'human' THEN NULL ELSE r.address END AS address,
       CASE WHEN r.kind = 'human' THEN NULL ELSE r.contact END AS contact,
       r.pub_geom AS geom,
       (r.kind = 'human') AS location_generalised,
       r.district_code, r.dong_code, r.source, r.source_id, r.is_demo,
       r.created_at, r.updated_at, r.location_precision
FROM resources r
WHERE r.visibility = 'public' AND r.retired_at IS NULL
"""


def upgrade() -> None:
    op.add_column(
        "resources",
        sa.Column(
            "public_id",
            sa.Uuid(),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
    )
    op.create_unique_constraint("uq_resources_public_id", "resources", ["public_id"])
    op.execute("DROP VIEW resources_public")
    op.execute(VIEW)


def downgrade() -> None:
    op.execute("DROP VIEW resources_public")
    op.execute(OLD_VIEW)
    op.drop_constraint("uq_resources_public_id", "resources")
    op.drop_column("resources", "public_id")
