"""File imports: the import log, and history triggers that stay fast on bulk writes.

``import_runs`` records every committed import (issue 3).

The history functions of 0001 serialise each changed row with ``to_jsonb(row)``. For a
geometry column PostgreSQL then looks the geometry-to-json cast up again for every row
(and for ``resources`` there are two geometry columns since 0005): about 0.1 ms per
geometry per row here, minutes for a million-row import. The replacements build the same
JSON with ``jsonb_build_object`` and an explicit ``::jsonb`` cast per geometry column,
in one dynamic statement per trigger call: same content in ``change_history``, a fraction
of the time.

Revision ID: 0002_import
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002_import"
down_revision = "0001"
branch_labels = None
depends_on = None

FAST_HISTORY = r"""
CREATE FUNCTION history_row_json(rel regclass, alias text) RETURNS text
LANGUAGE sql STABLE AS $$
  -- SQL text building the same jsonb as to_jsonb(<alias>) for a row of rel: 40 columns per
  -- jsonb_build_object call (its argument limit is 100), geometries cast explicitly.
  SELECT string_agg('jsonb_build_object(' || pairs || ')', ' || ')
  FROM (
    SELECT string_agg(format('%L, %s', a.attname,
             CASE WHEN t.typname IN ('geometry', 'geography')
                  THEN format('%I.%I::jsonb', alias, a.attname)
                  ELSE format('%I.%I', alias, a.attname) END), ', ' ORDER BY a.attnum) AS pairs
    FROM (SELECT a.*, (row_number() OVER (ORDER BY a.attnum) - 1) / 40 AS chunk
          FROM pg_attribute a
          WHERE a.attrelid = rel AND a.attnum > 0 AND NOT a.attisdropped) a
    JOIN pg_type t ON t.oid = a.atttypid
    GROUP BY a.chunk ORDER BY a.chunk) c
$$;

CREATE OR REPLACE FUNCTION history_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format(
    'INSERT INTO change_history (table_name, record_id, changed_by, operation, new_values)
     SELECT %L, n.id, history_actor(), ''INSERT'', %s FROM new_rows n',
    TG_TABLE_NAME, history_row_json(TG_RELID, 'n'));
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION history_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format(
    'INSERT INTO change_history
         (table_name, record_id, changed_by, operation, old_values, new_values)
     SELECT %L, n.id, history_actor(), ''UPDATE'', diff.old_v, diff.new_v
     FROM new_rows n JOIN old_rows o ON o.id = n.id
     CROSS JOIN LATERAL (
         SELECT jsonb_object_agg(nv.key, ov.value) AS old_v,
                jsonb_object_agg(nv.key, nv.value) AS new_v
         FROM jsonb_each((%s) - ''updated_at'') nv
         JOIN jsonb_each((%s) - ''updated_at'') ov USING (key)
         WHERE nv.value IS DISTINCT FROM ov.value) diff
     WHERE diff.new_v IS NOT NULL',
    TG_TABLE_NAME, history_row_json(TG_RELID, 'n'), history_row_json(TG_RELID, 'o'));
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION history_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format(
    'INSERT INTO change_history (table_name, record_id, changed_by, operation, old_values)
     SELECT %L, o.id, history_actor(), ''DELETE'', %s FROM old_rows o',
    TG_TABLE_NAME, history_row_json(TG_RELID, 'o'));
  RETURN NULL;
END $$;
"""

# The 0001 definitions, restored on downgrade.
ORIGINAL_HISTORY = """
CREATE OR REPLACE FUNCTION history_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO change_history (table_name, record_id, changed_by, operation, new_values)
  SELECT TG_TABLE_NAME, n.id, history_actor(), 'INSERT', to_jsonb(n) FROM new_rows n;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION history_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO change_history
      (table_name, record_id, changed_by, operation, old_values, new_values)
  SELECT TG_TABLE_NAME, n.id, history_actor(), 'UPDATE', diff.old_v, diff.new_v
  FROM new_rows n JOIN old_rows o ON o.id = n.id
  CROSS JOIN LATERAL (
      SELECT jsonb_object_agg(nv.key, ov.value) AS old_v,
             jsonb_object_agg(nv.key, nv.value) AS new_v
      FROM jsonb_each(to_jsonb(n) - 'updated_at') nv
      JOIN jsonb_each(to_jsonb(o) - 'updated_at') ov USING (key)
      WHERE nv.value IS DISTINCT FROM ov.value) diff
  WHERE diff.new_v IS NOT NULL;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION history_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO change_history (table_name, record_id, changed_by, operation, old_values)
  SELECT TG_TABLE_NAME, o.id, history_actor(), 'DELETE', to_jsonb(o) FROM old_rows o;
  RETURN NULL;
END $$;

DROP FUNCTION IF EXISTS history_row_json(regclass, text);
"""


def upgrade() -> None:
    op.create_table(
        "import_runs",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("file_sha256", sa.Text(), nullable=True),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column(
            "imported_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("counts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_runs")),
    )
    op.create_index("ix_import_runs_source", "import_runs", ["target", "source"])
    op.execute(FAST_HISTORY)


def downgrade() -> None:
    op.execute(ORIGINAL_HISTORY)
    op.drop_index("ix_import_runs_source", table_name="import_runs")
    op.drop_table("import_runs")
