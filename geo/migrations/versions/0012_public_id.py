"""Opaque public ids: nothing derived from a person's exact point leaves a public path.

Placeholder in the chain; filled in by the change that needs it.

Revision ID: 0012_public_id
Revises: 0011_provenance
"""

from __future__ import annotations

revision = "0012_public_id"
down_revision = "0011_provenance"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
