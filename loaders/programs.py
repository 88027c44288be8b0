"""The 35 village-community support programs: read ``data/programs.csv`` and load it."""

from __future__ import annotations

import csv
from pathlib import Path

import sqlalchemy as sa

PROGRAMS_CSV = Path(__file__).resolve().parent.parent / "data" / "programs.csv"

#: The total (합계) printed in the seed table and text. The 35 lines add up to 72,482:
#: the source rounds each line to a million KRW (see data/README.md).
PUBLISHED_TOTAL_MKRW = 72_483


def read_programs(path: Path = PROGRAMS_CSV) -> list[dict]:
    """Read the programs file into dicts with typed ``no`` and ``budget_mkrw``."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["no"] = int(row["no"])
        row["budget_mkrw"] = int(row["budget_mkrw"])
    return rows


def load_programs(conn: sa.Connection, path: Path = PROGRAMS_CSV) -> int:
    """Insert or refresh the programs (idempotent). Returns how many there are."""
    rows = read_programs(path)
    conn.execute(
        sa.text(
            """
            INSERT INTO programs (no, name, office, division, summary, budget_mkrw)
            VALUES (:no, :name, :office, :division, :summary, :budget_mkrw)
            ON CONFLICT (no) DO UPDATE SET name = EXCLUDED.name, office = EXCLUDED.office,
                division = EXCLUDED.division, summary = EXCLUDED.summary,
                budget_mkrw = EXCLUDED.budget_mkrw
            """
        ),
        rows,
    )
    return len(rows)
