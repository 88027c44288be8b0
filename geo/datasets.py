"""Provenance of the records: the datasets they come from, with counts, for pages and maps.

Reads ``datasets`` (migration 0011; written by every import and by
``loaders.opendata`` from ``data/open/manifest.toml``) together with the active records
of each source. The About page (``views/about.py``), the map attribution and the
export bundle's README all list sources through :func:`sources`.
"""

from __future__ import annotations

import re

import pandas as pd
import sqlalchemy as sa

from geo.db import connect_read
from geo.messages import Msg, text

#: The licence note every published file carries unless its publisher says otherwise.
LICENCE_NOTE = Msg("datasets.publisher_s_terms_normally")

_COUNT_KEYS = ("read", "in_seoul", "outside", "dong_precision", "linked", "repeated", "errors")


def sources(*, open_data_only: bool = False) -> pd.DataFrame:
    """One row per source with records or a dataset row, largest first.

    Columns: source, title_ko, title_en, publisher, edition, licence, file_name,
    file_sha256, found_at, note, is_open_data, imported_at, records (active records now), and the
    counts of the last import (read, in_seoul, outside, dong_precision, linked, repeated,
    errors; 0 when not recorded).
    """
    counts = ", ".join(f"COALESCE((d.counts ->> '{k}')::int, 0) AS {k}" for k in _COUNT_KEYS)
    sql = f"""
        WITH n AS (SELECT source, count(*) AS records FROM resources
                   WHERE retired_at IS NULL GROUP BY source)
        SELECT COALESCE(d.source, n.source) AS source,
               COALESCE(d.title_ko, n.source) AS title_ko,
               COALESCE(d.title_en, n.source) AS title_en,
               d.publisher, d.edition, d.licence, d.file_name, d.file_sha256, d.found_at,
               d.note,
               COALESCE(d.is_open_data, false) AS is_open_data, d.imported_at,
               COALESCE(n.records, 0) AS records, {counts}
        FROM datasets d FULL JOIN n ON n.source = d.source
        WHERE (n.records > 0 OR d.is_open_data)
          AND (NOT :open_only OR d.is_open_data)
        ORDER BY COALESCE(d.is_open_data, false) DESC, COALESCE(n.records, 0) DESC, 1"""
    with connect_read() as conn:
        return pd.read_sql(sa.text(sql), conn, params={"open_only": open_data_only})


def attribution(lang: str = "ko") -> str:
    """Short credit line for maps: the publishers of the open data on the map."""
    df = sources(open_data_only=True)
    df = df[df["records"] > 0]
    if df.empty:
        return ""
    publishers = sorted({re.split(r" \(| · | \d|/", str(p))[0] for p in df["publisher"] if p})
    return text("datasets.credit", lang, publishers=", ".join(publishers))
