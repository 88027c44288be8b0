"""Indexes of ``resources`` that earn their place; category checked once per statement.

Every index is written on every insert (an import's million rows pay each one), so each
must serve a query (issue 16; ``docs/benchmarks.md``, *Import write path*, lists which
query uses which index, from ``pg_stat_user_indexes`` and the plans at 1,000,000 rows):

- ``ix_resources_geom`` (GiST on the geometry) is dropped: the map's bounding-box filter
  (``geo.queries.ResourceFilter``) now tests ``geom::geography && box::geography`` (then
  the exact ``geom && box``), which ``ix_resources_geog`` serves for staff and
  ``ix_resources_pub_geog`` for the public view (before, the public map's box filter had no
  index at all and scanned the table).
- ``ix_resources_kind`` is dropped: a kind is a quarter of the table or more; no query
  reads few rows through it (the planner used it only for whole-table counts).
- ``ix_resources_dong_code`` is dropped: no query looks resources up by dong (coverage
  reads ``resource_counts``); the dong-side integrity trigger (0013) scans only when a dong
  code goes away, which a reference load never does.

Kept: the primary key, ``uq_resources_source`` (the import's upsert key),
``uq_resources_public_id`` (public pages and the OGC API), ``ix_resources_geog`` (staff
nearby, coverage walking distance, place links, staff map box), ``ix_resources_pub_geog``
(public nearby and map box), ``ix_resources_district_code`` (district officers' rows,
district exports and filters: 4 % of the table).

``resources.category`` loses its foreign key (one lookup per row) for the statement-level
trigger of 0009, which now also refuses an unknown category, after share-locking the
categories the statement names; ``categories`` refuses losing a code still named.

Revision ID: 0014_resource_indexes
Revises: 0013_import_write_path
"""

from __future__ import annotations

from alembic import op

revision = "0014_resource_indexes"
down_revision = "0013_import_write_path"
branch_labels = None
depends_on = None

CATEGORY_CHECK = """
CREATE OR REPLACE FUNCTION resources_category_kind_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  codes text[]; kinds text[]; bad record;
BEGIN
  SELECT array_agg(p.category), array_agg(p.kind) INTO codes, kinds
  FROM (SELECT DISTINCT category, kind FROM new_rows) p;
  IF codes IS NULL THEN
    RETURN NULL;
  END IF;
  PERFORM 1 FROM categories WHERE code = ANY(codes) ORDER BY code FOR SHARE;
  SELECT u.category, u.kind, c.code AS known, c.kind AS category_kind INTO bad
  FROM unnest(codes, kinds) u(category, kind)
  LEFT JOIN categories c ON c.code = u.category
  WHERE c.code IS NULL OR (c.kind IS NOT NULL AND c.kind <> u.kind)
  LIMIT 1;
  IF FOUND AND bad.known IS NULL THEN
    RAISE EXCEPTION 'resources: unknown category %', bad.category
      USING ERRCODE = 'foreign_key_violation';
  ELSIF FOUND THEN
    RAISE EXCEPTION 'category % is of kind %, not %', bad.category, bad.category_kind, bad.kind
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER categories_resources_del AFTER DELETE ON categories
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
  EXECUTE FUNCTION resources_referenced_check('code', 'r.category');
CREATE TRIGGER categories_resources_upd AFTER UPDATE ON categories
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION resources_referenced_check('code', 'r.category');
"""

#: As migration 0009 left it.
OLD_CATEGORY_CHECK = """
DROP TRIGGER categories_resources_upd ON categories;
DROP TRIGGER categories_resources_del ON categories;

CREATE OR REPLACE FUNCTION resources_category_kind_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE bad record;
BEGIN
  SELECT n.category, n.kind, c.kind AS category_kind INTO bad
  FROM new_rows n JOIN categories c ON c.code = n.category
  WHERE c.kind IS NOT NULL AND c.kind <> n.kind LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'category % is of kind %, not %', bad.category, bad.category_kind, bad.kind
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;
"""


def upgrade() -> None:
    op.drop_index("ix_resources_geom", table_name="resources")
    op.drop_index("ix_resources_kind", table_name="resources")
    op.drop_index("ix_resources_dong_code", table_name="resources")
    op.drop_constraint("fk_resources_category", "resources", type_="foreignkey")
    op.execute(CATEGORY_CHECK)


def downgrade() -> None:
    op.execute(OLD_CATEGORY_CHECK)
    op.create_foreign_key(
        "fk_resources_category", "resources", "categories", ["category"], ["code"]
    )
    op.create_index("ix_resources_dong_code", "resources", ["dong_code"])
    op.create_index("ix_resources_kind", "resources", ["kind"])
    op.execute("CREATE INDEX ix_resources_geom ON resources USING gist (geom)")
