"""Retiring records: resources, program sites and conflict cases are retired, never deleted.

``retired_at``/``retired_by`` mark a record that no longer exists on the ground. Retired
records leave every public view and analysis (``resources_public`` filters them; the
query layer reads the other tables through ``active_program_sites`` and
``active_conflict_cases``) but stay in their table with their change history, and staff
can restore them.

Revision ID: 0007_retire
Revises: 0002_import, 0003_population, 0004_conflicts, 0005_nearby, 0006_accounts
(a merge point: the views read columns every earlier head may touch)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_retire"
down_revision = (
    "0002_import",
    "0003_population",
    "0004_conflicts",
    "0005_nearby",
    "0006_accounts",
)
branch_labels = None
depends_on = None

TABLES = ("resources", "program_sites", "conflict_cases")

PUBLIC_COLUMNS = """
SELECT r.id, r.kind, r.category, r.name, r.description,
       CASE WHEN r.kind = 'human' THEN NULL ELSE r.address END AS address,
       CASE WHEN r.kind = 'human' THEN NULL ELSE r.contact END AS contact,
       r.pub_geom AS geom,
       (r.kind = 'human') AS location_generalised,
       r.district_code, r.dong_code, r.source, r.source_id, r.is_demo,
       r.created_at, r.updated_at
FROM resources r
WHERE r.visibility = 'public'"""


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
        op.add_column(table, sa.Column("retired_by", sa.Text(), nullable=True))
    op.execute(
        "CREATE OR REPLACE VIEW resources_public AS"
        + PUBLIC_COLUMNS
        + " AND r.retired_at IS NULL"
    )
    for table in ("program_sites", "conflict_cases"):
        op.execute(
            f"CREATE VIEW active_{table} AS SELECT * FROM {table} WHERE retired_at IS NULL"
        )


def downgrade() -> None:
    for table in ("program_sites", "conflict_cases"):
        op.execute(f"DROP VIEW active_{table}")
    op.execute("CREATE OR REPLACE VIEW resources_public AS" + PUBLIC_COLUMNS)
    for table in TABLES:
        op.drop_column(table, "retired_by")
        op.drop_column(table, "retired_at")
