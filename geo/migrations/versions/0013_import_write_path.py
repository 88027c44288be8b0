"""Import write path: history by run reference, area codes checked once per statement.

Decisions of issue 16, part 2:

- **History of an import's inserts is its run.** ``resources.import_run`` names the
  ``import_runs`` row (file name, sha256, actor, counts) of the import that created the
  record. The insert history trigger of ``resources`` now skips rows that carry a run: the
  run is their history ("what did import N add" is ``WHERE import_run = N``), so a
  million-row import no longer writes a million JSON copies. Every other insert (the app's
  editor, demo data, any SQL) and every update, retirement, restoration and delete still
  writes its per-record row. ``import_runs`` gains ``undone_at``/``undone_by`` for
  :func:`geo.imports.undo_import`.
- **District and dong codes are checked per statement, not per row.** The foreign keys
  ``resources.district_code`` / ``dong_code`` (one SPI lookup per row and key) give way to
  one statement-level trigger per insert and update, which reads the statement's distinct
  (dong, district) pairs and import runs from the transition table, share-locks the
  ``dongs``/``districts``/``import_runs`` rows they name (so no concurrent transaction can
  delete or recode them until this one ends, as a foreign key's lock would), and refuses
  the whole statement when a code is unknown, a dong is not in the record's district, or a
  run does not exist. Statement triggers on ``dongs``, ``districts`` and ``import_runs``
  refuse deleting a row that resources still name, or changing its key (for a dong, its
  district too). The result is stricter
  than the foreign keys were (a dong must lie in the record's district).

Revision ID: 0013_import_write_path
Revises: 0012_public_id
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_import_write_path"
down_revision = "0012_public_id"
branch_labels = None
depends_on = None

#: A history insert trigger may name, as its argument, the rows it records (SQL over n).
HISTORY_INSERT = r"""
CREATE OR REPLACE FUNCTION history_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format(
    'INSERT INTO change_history (table_name, record_id, changed_by, operation, new_values)
     SELECT %L, n.id, history_actor(), ''INSERT'', %s FROM new_rows n WHERE %s',
    TG_TABLE_NAME, history_row_json(TG_RELID, 'n'),
    CASE WHEN TG_NARGS > 0 THEN TG_ARGV[0] ELSE 'true' END);
  RETURN NULL;
END $$;

DROP TRIGGER resources_history_ins ON resources;
CREATE TRIGGER resources_history_ins AFTER INSERT ON resources
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION history_on_insert('n.import_run IS NULL');
"""

OLD_HISTORY_INSERT = r"""
DROP TRIGGER resources_history_ins ON resources;
CREATE TRIGGER resources_history_ins AFTER INSERT ON resources
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION history_on_insert();

CREATE OR REPLACE FUNCTION history_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format(
    'INSERT INTO change_history (table_name, record_id, changed_by, operation, new_values)
     SELECT %L, n.id, history_actor(), ''INSERT'', %s FROM new_rows n',
    TG_TABLE_NAME, history_row_json(TG_RELID, 'n'));
  RETURN NULL;
END $$;
"""

REFS = r"""
CREATE FUNCTION resources_refs_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  dong_codes text[]; district_codes text[]; runs bigint[]; bad text;
BEGIN
  -- The statement's distinct (dong, district) pairs and runs: two passes over new_rows.
  SELECT array_agg(p.dong_code), array_agg(p.district_code) INTO dong_codes, district_codes
  FROM (SELECT DISTINCT dong_code::text, district_code::text FROM new_rows
        WHERE dong_code IS NOT NULL OR district_code IS NOT NULL) p;
  SELECT array_agg(DISTINCT import_run) INTO runs FROM new_rows WHERE import_run IS NOT NULL;
  IF dong_codes IS NULL AND runs IS NULL THEN
    RETURN NULL;
  END IF;
  -- Held to the end of the transaction, like a foreign key's: the rows named cannot be
  -- deleted or changed by anyone else until this statement's rows are committed or gone.
  PERFORM 1 FROM dongs WHERE code = ANY(dong_codes) ORDER BY code FOR SHARE;
  PERFORM 1 FROM districts WHERE code = ANY(district_codes) ORDER BY code FOR SHARE;
  PERFORM 1 FROM import_runs WHERE id = ANY(runs) ORDER BY id FOR SHARE;
  SELECT format('dong %s / district %s', u.dong, u.district) INTO bad
  FROM unnest(dong_codes, district_codes) u(dong, district)
  LEFT JOIN dongs d ON d.code = u.dong
  LEFT JOIN districts s ON s.code = u.district
  WHERE (u.dong IS NOT NULL AND d.code IS NULL)
     OR (u.district IS NOT NULL AND s.code IS NULL)
     OR (u.dong IS NOT NULL AND d.district_code IS DISTINCT FROM u.district)
  LIMIT 1;
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'resources: unknown or inconsistent area codes (%)', bad
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  SELECT u.run::text INTO bad FROM unnest(runs) u(run)
  WHERE NOT EXISTS (SELECT 1 FROM import_runs r WHERE r.id = u.run) LIMIT 1;
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'resources: unknown import run %', bad
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER resources_refs_ins AFTER INSERT ON resources
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION resources_refs_check();
CREATE TRIGGER resources_refs_upd AFTER UPDATE ON resources
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION resources_refs_check();

-- The other side: a dong, district or run that resources name cannot go or change key.
-- TG_ARGV[0]: this table's key columns; TG_ARGV[1]: the resources columns naming them.
CREATE FUNCTION resources_referenced_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE gone text; any_gone boolean; bad text;
BEGIN
  gone := CASE WHEN TG_OP = 'DELETE' THEN format('SELECT %s FROM old_rows', TG_ARGV[0])
          ELSE format('SELECT %1$s FROM old_rows EXCEPT SELECT %1$s FROM new_rows',
                      TG_ARGV[0]) END;
  EXECUTE format('SELECT EXISTS (%s)', gone) INTO any_gone;
  IF NOT any_gone THEN
    RETURN NULL;
  END IF;
  EXECUTE format(
    'SELECT ROW(%1$s)::text FROM resources r WHERE (%1$s) IN (%2$s)
       AND (%1$s) NOT IN (SELECT %3$s FROM %4$I) LIMIT 1',
    TG_ARGV[1], gone, TG_ARGV[0], TG_TABLE_NAME) INTO bad;
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION '%: % is still named by resources', TG_TABLE_NAME, bad
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;
"""


def _referenced_triggers(table: str, keys: str, refs: str) -> str:
    args = f"'{keys}', '{refs}'"
    return f"""
CREATE TRIGGER {table}_resources_del AFTER DELETE ON {table}
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
  EXECUTE FUNCTION resources_referenced_check({args});
CREATE TRIGGER {table}_resources_upd AFTER UPDATE ON {table}
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION resources_referenced_check({args});
"""


#: Referenced table, its key columns, the resources columns that name them.
REFERENCED = (
    ("dongs", "code, district_code", "r.dong_code, r.district_code"),
    ("districts", "code", "r.district_code"),
    ("import_runs", "id", "r.import_run"),
)


def upgrade() -> None:
    op.add_column("resources", sa.Column("import_run", sa.BigInteger(), nullable=True))
    op.add_column("import_runs", sa.Column("undone_at", sa.DateTime(timezone=True)))
    op.add_column("import_runs", sa.Column("undone_by", sa.Text()))
    op.drop_constraint("fk_resources_district_code", "resources", type_="foreignkey")
    op.drop_constraint("fk_resources_dong_code", "resources", type_="foreignkey")
    op.execute(REFS)
    for table, keys, refs in REFERENCED:
        op.execute(_referenced_triggers(table, keys, refs))
    op.execute(HISTORY_INSERT)


def downgrade() -> None:
    op.execute(OLD_HISTORY_INSERT)
    for table, _, _ in REFERENCED:
        op.execute(f"DROP TRIGGER {table}_resources_upd ON {table}")
        op.execute(f"DROP TRIGGER {table}_resources_del ON {table}")
    op.execute("DROP FUNCTION resources_referenced_check()")
    op.execute("DROP TRIGGER resources_refs_upd ON resources")
    op.execute("DROP TRIGGER resources_refs_ins ON resources")
    op.execute("DROP FUNCTION resources_refs_check()")
    op.create_foreign_key(
        "fk_resources_dong_code", "resources", "dongs", ["dong_code"], ["code"]
    )
    op.create_foreign_key(
        "fk_resources_district_code", "resources", "districts", ["district_code"], ["code"]
    )
    op.drop_column("import_runs", "undone_by")
    op.drop_column("import_runs", "undone_at")
    op.drop_column("resources", "import_run")
