"""Resource counts per dong, kind, source and visibility, kept by statement triggers.

The Coverage page counts resources per dong and kind; over a million rows that scan took
0.4-0.8 s per page load. ``resource_counts`` holds the same counts (active records with a
dong only: what every coverage figure counts) and three statement-level triggers with
transition tables keep it exact on every insert, update (a move, a new kind, a retirement
or a restore) and delete, in one grouped upsert per statement; ``TRUNCATE`` empties it.
``district_code`` is the resource's own ('' when it has none), so a district officer's
counts follow the same rule as their rows (``geo.access.count_filter``).

Revision ID: 0008_resource_counts
Revises: 0007_retire
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_resource_counts"
down_revision = "0007_retire"
branch_labels = None
depends_on = None

_KEY = "dong_code, district_code, kind, source, visibility"
_ROWS = """SELECT dong_code, COALESCE(district_code, '') AS district_code, kind, source,
                  visibility, {sign} AS n
           FROM {rows} WHERE dong_code IS NOT NULL AND retired_at IS NULL"""


def _apply(rows: str) -> str:
    """Add the grouped ``rows`` (with their +1/-1) to the counts, in key order (so that
    concurrent writers lock the rows they share in the same order)."""
    return f"""INSERT INTO resource_counts AS c ({_KEY}, n)
    SELECT {_KEY}, sum(n) FROM ({rows}) d
    GROUP BY {_KEY} HAVING sum(n) <> 0 ORDER BY {_KEY}
    ON CONFLICT ({_KEY}) DO UPDATE SET n = c.n + EXCLUDED.n;"""


FUNCTION = f"""
CREATE FUNCTION resource_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {_apply(_ROWS.format(sign=1, rows="new_rows"))}
  ELSIF TG_OP = 'DELETE' THEN
    {_apply(_ROWS.format(sign=-1, rows="old_rows"))}
  ELSIF TG_OP = 'UPDATE' THEN
    {
    _apply(
        _ROWS.format(sign=1, rows="new_rows")
        + " UNION ALL "
        + _ROWS.format(sign=-1, rows="old_rows")
    )
}
  ELSE  -- TRUNCATE
    DELETE FROM resource_counts;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER resources_counts_ins AFTER INSERT ON resources
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION resource_counts_apply();
CREATE TRIGGER resources_counts_upd AFTER UPDATE ON resources
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION resource_counts_apply();
CREATE TRIGGER resources_counts_del AFTER DELETE ON resources
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION resource_counts_apply();
CREATE TRIGGER resources_counts_truncate AFTER TRUNCATE ON resources
  FOR EACH STATEMENT EXECUTE FUNCTION resource_counts_apply();
"""


def upgrade() -> None:
    op.create_table(
        "resource_counts",
        sa.Column("dong_code", sa.Text(), nullable=False),
        sa.Column("district_code", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("visibility", sa.Text(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "dong_code",
            "district_code",
            "kind",
            "source",
            "visibility",
            name="pk_resource_counts",
        ),
    )
    op.execute(FUNCTION)
    op.execute(
        f"INSERT INTO resource_counts ({_KEY}, n) SELECT {_KEY}, sum(n) FROM ("
        + _ROWS.format(sign=1, rows="resources")
        + f") r GROUP BY {_KEY}"
    )


def downgrade() -> None:
    for trg in ("ins", "upd", "del", "truncate"):
        op.execute(f"DROP TRIGGER resources_counts_{trg} ON resources")
    op.execute("DROP FUNCTION resource_counts_apply()")
    op.drop_table("resource_counts")
