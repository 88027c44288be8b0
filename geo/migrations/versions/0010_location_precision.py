"""Location precision of resources: exact or dong (address-only rows).

Placeholder in the chain; filled in by the change that needs it.

Revision ID: 0010_location_precision
Revises: 0009_categories
"""

from __future__ import annotations

revision = "0010_location_precision"
down_revision = "0009_categories"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
