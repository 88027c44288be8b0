"""District population (주민등록인구) imported from Seoul's published table.

Revision ID: 0003_population
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_population"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "district_population",
        sa.Column("district_code", sa.String(length=5), nullable=False),
        sa.Column("period", sa.Text(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("households", sa.Integer(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column(
            "imported_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("population >= 0", name=op.f("ck_district_population_population")),
        sa.ForeignKeyConstraint(
            ["district_code"],
            ["districts.code"],
            name=op.f("fk_district_population_district_code"),
        ),
        sa.PrimaryKeyConstraint("district_code", "period", name=op.f("pk_district_population")),
    )


def downgrade() -> None:
    op.drop_table("district_population")
