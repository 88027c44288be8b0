"""Conflict register: impact-analysis reports (a link or a file) of conflict cases.

A table of its own, not a column of ``conflict_cases``: the history triggers copy whole
case rows into ``change_history``, which must not fill with report files.

Revision ID: 0004_conflicts
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_conflicts"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conflict_reports",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("file_name", sa.Text(), nullable=True),
        sa.Column("media_type", sa.Text(), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("added_by", sa.Text(), nullable=False),
        sa.Column(
            "added_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "url IS NOT NULL OR (content IS NOT NULL AND file_name IS NOT NULL)",
            name=op.f("ck_conflict_reports_link_or_file"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["conflict_cases.id"],
            name=op.f("fk_conflict_reports_case_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conflict_reports")),
    )
    op.create_index(
        op.f("ix_conflict_reports_case_id"), "conflict_reports", ["case_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_conflict_reports_case_id"), table_name="conflict_reports")
    op.drop_table("conflict_reports")
