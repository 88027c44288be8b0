"""Location precision of resources: exact, or at the label point of the dong its address names.

``resources.location_precision`` is ``'exact'`` (a surveyed or geocoded point, the default
for every existing record) or ``'dong'`` (the record was imported from an address alone and
placed at its 법정동's label point). ``resources_public`` gains the column at its end, so
maps, nearby search and exports can say that such a point is not exact.

Revision ID: 0010_location_precision
Revises: 0009_categories
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_location_precision"
down_revision = "0009_categories"
branch_labels = None
depends_on = None

PUBLIC_COLUMNS = """
SELECT r.id, r.kind, r.category, r.name, r.description,
       CASE WHEN r.kind = 'human' THEN NULL ELSE r.address END AS address,
       CASE WHEN r.kind = 'human' THEN NULL ELSE r.contact END AS contact,
       r.pub_geom AS geom,
       (r.kind = 'human') AS location_generalised,
       r.district_code, r.dong_code, r.source, r.source_id, r.is_demo,
       r.created_at, r.updated_at{extra}
FROM resources r
WHERE r.visibility = 'public' AND r.retired_at IS NULL"""


def upgrade() -> None:
    op.add_column(
        "resources",
        sa.Column(
            "location_precision", sa.Text(), server_default="exact", nullable=False
        ),
    )
    op.create_check_constraint(
        "location_precision",
        "resources",
        "location_precision IN ('exact', 'dong')",
    )
    op.execute(
        "CREATE OR REPLACE VIEW resources_public AS"
        + PUBLIC_COLUMNS.format(extra=",\n       r.location_precision")
    )


def downgrade() -> None:
    op.execute("DROP VIEW resources_public")
    op.execute("CREATE VIEW resources_public AS" + PUBLIC_COLUMNS.format(extra=""))
    op.drop_constraint("location_precision", "resources", type_="check")
    op.drop_column("resources", "location_precision")
