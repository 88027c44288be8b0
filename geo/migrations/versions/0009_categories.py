"""Open category vocabulary: categories live in a table (issue: Real data in).

Placeholder in the chain; filled in by the change that needs it.

Revision ID: 0009_categories
Revises: 0008_resource_counts
"""

from __future__ import annotations

revision = "0009_categories"
down_revision = "0008_resource_counts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
