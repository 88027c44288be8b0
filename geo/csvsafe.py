"""CSV that spreadsheets open as text: cells that would run as formulas are neutralised.

Excel, LibreOffice and Google Sheets run a cell starting with ``= + - @`` (or a tab or
carriage return before one) as a formula: ``=HYPERLINK(...)`` in a name sends a click
elsewhere, ``+cmd|...`` once ran commands. Every CSV the atlas writes (exports, rejected
rows of an import, every table a page offers as CSV) goes through :func:`safe_cell`:
such text gets a leading ``'``, which spreadsheets show as text and do not run.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: The same rule as a regular expression (for pyarrow compute in the export writer).
FORMULA_PATTERN = r"^[=+\-@\t\r]"


def safe_cell(value: object) -> object:
    """``value`` with a leading ``'`` when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with :func:`safe_cell` applied to every text cell (and header)."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(safe_cell)
    out.columns = [safe_cell(str(c)) for c in out.columns]
    return out


def frame_csv(df: pd.DataFrame) -> bytes:
    """``df`` as CSV bytes, UTF-8 with BOM (opens in Korean Excel), formulas neutralised."""
    return safe_frame(df).to_csv(index=False).encode("utf-8-sig")


def write_frame_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write :func:`frame_csv` of ``df`` to ``path``."""
    path = Path(path)
    path.write_bytes(frame_csv(df))
    return path
