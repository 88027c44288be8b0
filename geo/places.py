"""One place, one marker: link records of different sources that are the same place.

The rule (documented in ``docs/data.md``): two active, public space or heritage records
of **different sources** are the same place when their **normalised names** are equal
and they lie **within 50 m** of each other, or, when one of them is located only at its
dong (``location_precision = 'dong'``: an address-only file), they are in the **same
법정동**. The normalised name is the name in NFKC,
lower case, with every character that is not a letter or digit removed (spaces,
punctuation, brackets), and a leading ``서울특별시``/``서울시``/``서울`` dropped, so
``○○경로당``, ``○○ 경로당`` and ``서울 ○○경로당`` agree. People (kind ``human``) are
never linked. Links are transitive: a place is a connected group of linked records,
named by its lowest record id (``resource_places``, migration 0011); records stay as
imported, and the grouping is recomputed in SQL by :func:`relink`.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

#: Distance within which two records with the same normalised name are one place.
LINK_DISTANCE_M = 50.0
#: Kinds that are linked (people never are).
LINKED_KINDS = ("space", "heritage")

#: SQL expression of the normalised name of ``{name}`` (see the module doc).
NORM_NAME_SQL = (
    "regexp_replace(regexp_replace(lower(normalize({name}, NFKC)), "
    "'[^0-9a-z가-힣ㄱ-ㅎㅏ-ㅣ一-鿿]', '', 'g'), '^(서울특별시|서울시|서울)', '')"
)

_PAIRS_SQL = f"""
    WITH r AS (
        SELECT id, source, geom, dong_code, location_precision = 'dong' AS at_dong,
               {NORM_NAME_SQL.format(name="name")} AS norm
        FROM resources
        WHERE kind = ANY(:kinds) AND retired_at IS NULL AND visibility = 'public'
    )
    SELECT a.id AS a, b.id AS b, a.source AS source_a, b.source AS source_b,
           ST_Distance(a.geom::geography, b.geom::geography) AS distance_m
    FROM r a JOIN r b ON a.norm = b.norm AND a.id < b.id AND a.source <> b.source
     AND a.norm <> ''
     AND (ST_DWithin(a.geom::geography, b.geom::geography, :dist)
          OR ((a.at_dong OR b.at_dong) AND a.dong_code = b.dong_code))
"""


def link_pairs(conn: sa.Connection, *, distance_m: float = LINK_DISTANCE_M) -> pd.DataFrame:
    """Every linked pair: ids, their sources and their distance in metres."""
    return pd.read_sql(
        sa.text(_PAIRS_SQL),
        conn,
        params={"kinds": list(LINKED_KINDS), "dist": distance_m},
    )


def relink(conn: sa.Connection, *, distance_m: float = LINK_DISTANCE_M) -> int:
    """Recompute ``resource_places`` from the current records; returns linked records.

    Groups are the connected components of the linked pairs, found by propagating the
    lowest id along the links until nothing changes (a few rounds: groups are small).
    """
    conn.execute(sa.text("DELETE FROM resource_places"))
    conn.execute(
        sa.text(f"CREATE TEMP TABLE link_pairs ON COMMIT DROP AS {_PAIRS_SQL}"),
        {"kinds": list(LINKED_KINDS), "dist": distance_m},
    )
    conn.execute(
        sa.text(
            """INSERT INTO resource_places (resource_id, place_id)
               SELECT id, min(id) FROM (SELECT a AS id FROM link_pairs
                                        UNION SELECT b FROM link_pairs) x GROUP BY id"""
        )
    )
    while True:
        changed = conn.execute(
            sa.text(
                """UPDATE resource_places p SET place_id = m.place_id
                   FROM (SELECT e.id, min(q.place_id) AS place_id
                         FROM (SELECT a AS id, b AS other FROM link_pairs
                               UNION ALL SELECT b, a FROM link_pairs) e
                         JOIN resource_places q ON q.resource_id = e.other
                         GROUP BY e.id) m
                   WHERE p.resource_id = m.id AND m.place_id < p.place_id"""
            )
        ).rowcount
        if not changed:
            break
    conn.execute(sa.text("DROP TABLE link_pairs"))
    return int(conn.execute(sa.text("SELECT count(*) FROM resource_places")).scalar_one())


def links_by_source_pair(conn: sa.Connection) -> pd.DataFrame:
    """Linked records counted per pair of sources within a place (source_a < source_b)."""
    return pd.read_sql(
        sa.text(
            """SELECT a.source AS source_a, b.source AS source_b, count(*) AS links
               FROM resource_places pa JOIN resources a ON a.id = pa.resource_id
               JOIN resource_places pb ON pb.place_id = pa.place_id
               JOIN resources b ON b.id = pb.resource_id
               WHERE a.source < b.source
               GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2"""
        ),
        conn,
    )


def sample_links(conn: sa.Connection, n: int = 10) -> pd.DataFrame:
    """A few linked pairs with both names and their distance, to judge the rule."""
    return pd.read_sql(
        sa.text(
            f"""SELECT a.source AS source_a, a.name AS name_a, b.source AS source_b,
                       b.name AS name_b,
                       round(ST_Distance(a.geom::geography, b.geom::geography)::numeric, 1)
                           AS distance_m
                FROM resource_places pa JOIN resources a ON a.id = pa.resource_id
                JOIN resource_places pb ON pb.place_id = pa.place_id AND pb.resource_id > a.id
                JOIN resources b ON b.id = pb.resource_id
                WHERE a.source <> b.source
                ORDER BY md5(a.id::text || b.id::text) LIMIT {int(n)}"""
        ),
        conn,
    )


def linked_per_source(conn: sa.Connection) -> dict[str, int]:
    """Records of each source that are linked to a record of another source."""
    rows = conn.execute(
        sa.text(
            """SELECT r.source, count(*) FROM resource_places p
               JOIN resources r ON r.id = p.resource_id GROUP BY r.source"""
        )
    ).all()
    return {str(s): int(n) for s, n in rows}


#: Hide a record that is not the first of its place (``{r}``: a resource relation, which
#: identifies records by their opaque ``public_id`` only).
HIDDEN_DUPLICATE_SQL = (
    "EXISTS (SELECT 1 FROM resources lr JOIN resource_places lp ON lp.resource_id = lr.id "
    "WHERE lr.public_id = CAST({r}.public_id AS uuid) AND lp.place_id <> lp.resource_id)"
)

#: The datasets (title · publisher) of record ``{r}`` and of the records linked to it.
#: (A union of index lookups: an ``OR`` of the record and its place scanned every resource
#: per row, 7 s for the explorer's 5,000 rows.)
PLACE_SOURCES_SQL = """(SELECT string_agg(DISTINCT COALESCE(ds.title_ko || ' · ' ||
                                   ds.publisher, ds.title_ko, x.source), '; ')
    FROM (SELECT me.id FROM resources me WHERE me.public_id = CAST({r}.public_id AS uuid)
          UNION
          SELECT p2.resource_id FROM resources me
          JOIN resource_places p1 ON p1.resource_id = me.id
          JOIN resource_places p2 ON p2.place_id = p1.place_id
          WHERE me.public_id = CAST({r}.public_id AS uuid)) ids
    JOIN resources x ON x.id = ids.id
    LEFT JOIN datasets ds ON ds.source = x.source)"""
