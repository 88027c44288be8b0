"""Provenance of published datasets and cross-source links of the same place.

Placeholder in the chain; filled in by the change that needs it.

Revision ID: 0011_provenance
Revises: 0010_location_precision
"""

from __future__ import annotations

revision = "0011_provenance"
down_revision = "0010_location_precision"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
