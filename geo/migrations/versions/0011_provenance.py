"""Provenance of published datasets and cross-source links of the same place.

``datasets`` holds one row per source name of ``resources.source``: for a published file
(``data/open/manifest.toml``) its title, publisher, edition, licence note, file, sha256,
where it was found and the counts of its last import; every import through
``loaders.ingest`` writes (or refreshes) the row of its source, so no record's source is
without provenance. ``demo`` and ``editor`` (hand-added records) are seeded here.

``resource_places`` groups records of different sources that are the same place (same
normalised name within 50 m, see ``geo.places``): each linked record points at its
place (the lowest id of the group); records without a link have no row. It is recomputed
in SQL after each open-data import, so source records stay exactly as imported.

Revision ID: 0011_provenance
Revises: 0010_location_precision
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0011_provenance"
down_revision = "0010_location_precision"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "datasets",
        sa.Column("source", sa.Text(), primary_key=True),
        sa.Column("title_ko", sa.Text(), nullable=False),
        sa.Column("title_en", sa.Text(), nullable=False),
        sa.Column("publisher", sa.Text()),
        sa.Column("edition", sa.Text()),
        sa.Column("licence", sa.Text()),
        sa.Column("file_name", sa.Text()),
        sa.Column("file_sha256", sa.Text()),
        sa.Column("found_at", sa.Text()),
        sa.Column("note", sa.Text()),
        sa.Column("is_open_data", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True)),
        #: read, in_seoul, outside, dong_precision, linked, ... of the last import.
        sa.Column("counts", JSONB()),
    )
    op.execute(
        """INSERT INTO datasets (source, title_ko, title_en, publisher, licence)
           VALUES ('demo', '예시 데이터 (생성)', 'Demo data (generated)', 'Maeul Atlas',
                   '예시 / invented, not real'),
                  ('editor', '직원 입력', 'Added by staff', 'Maeul Atlas', NULL)
           ON CONFLICT DO NOTHING"""
    )
    op.execute(
        """INSERT INTO datasets (source, title_ko, title_en)
           SELECT DISTINCT source, source, source FROM resources
           ON CONFLICT DO NOTHING"""
    )
    op.create_table(
        "resource_places",
        sa.Column(
            "resource_id",
            sa.BigInteger(),
            sa.ForeignKey("resources.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("place_id", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_resource_places_place", "resource_places", ["place_id"])


def downgrade() -> None:
    op.drop_index("ix_resource_places_place", "resource_places")
    op.drop_table("resource_places")
    op.drop_table("datasets")
