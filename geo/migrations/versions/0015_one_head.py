"""Join the last open branch: the chain ends in one head from here on.

``0007_fast_import`` was left beside the main line when the early branches merged at
``0007_retire``; ``upgrade heads`` applied it anyway. This revision changes nothing in the
schema; it makes ``head`` one revision again, which new migrations build on.

Revision ID: 0015_one_head
Revises: 0007_fast_import, 0014_resource_indexes
"""

from __future__ import annotations

revision = "0015_one_head"
down_revision = ("0007_fast_import", "0014_resource_indexes")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
