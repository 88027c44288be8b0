"""Import Seoul's registered population by district (주민등록인구, 자치구별) as published.

Accepts the table as Seoul publishes it: XLSX, XLS or CSV (UTF-8 or CP949, comma or tab),
with stacked header rows (기간 / 자치구 / 세대 / 인구 > 합계 > 계 ...), a 합계 row for the
whole city, and numbers with thousands separators. Reading the file (:func:`read_table`)
is apart from writing the database (:func:`store`); the report says which of the 25
districts were matched, which are missing, which rows were not understood, and whether
the districts add up to the file's own 합계.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from geo.access import Viewer, require
from geo.audit import audit
from geo.db import transaction
from geo.errors import AtlasError, InvalidInput
from geo.messages import Msg
from geo.reference import DATA_DIR, normalize_district_name
from loaders.uploads import check_upload_size

#: Labels of the whole-city row.
TOTAL_LABELS = {
    "합계",
    "계",
    "총계",
    "소계",
    "서울",
    "서울시",
    "서울특별시",
    "전체",
    "seoul",
    "total",
}
#: Header words of the total-population column, and words that rule a column out.
_POP_WORDS = {"인구", "합계", "계", "총인구", "인구수", "인구(명)", "총계"}
_NOT_POP = (
    "세대",
    "남",
    "여",
    "외국인",
    "한국인",
    "고령",
    "65",
    "증감",
    "비율",
    "밀도",
    "면적",
    "%",
)
_HOUSEHOLD_WORDS = {"세대", "세대수", "세대(세대)"}

_QUARTER = re.compile(r"(\d{4})\s*년?\s*[.\-]?\s*(?:([1-4])\s*/\s*4|([1-4])\s*분기|[Qq]([1-4]))")
_YEAR = re.compile(r"^\s*(\d{4})\s*년?\s*$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def _district_codes() -> dict[str, str]:
    """Korean district name -> code, from the reference file (no database needed)."""
    with open(DATA_DIR / "districts.csv", encoding="utf-8") as f:
        return {row["name_ko"]: row["code"] for row in csv.DictReader(f)}


def normalize_period(text: str) -> str | None:
    """Normalise a period: ``'2023.4/4'``, ``'2023년 4/4분기'``, ``'2023Q4'`` -> ``'2023 Q4'``.

    A year alone (``'2023'``) stays a year; anything else gives ``None``.
    """
    text = str(text or "")
    m = _QUARTER.search(text)
    if m:
        quarter = next(g for g in m.groups()[1:] if g)
        return f"{m.group(1)} Q{quarter}"
    m = _YEAR.match(text)
    return m.group(1) if m else None


def _number(text: str) -> float | None:
    """``'9,386,034'`` -> 9386034.0; blanks and dashes -> None."""
    cleaned = re.sub(r"[,\s\u00a0]", "", str(text or ""))
    return float(cleaned) if _NUMBER.match(cleaned) else None


# --- file -> grid of strings ------------------------------------------------------------


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput(Msg("population.unknown_text_encoding_expected"))


def _text_grid(data: bytes) -> list[list[str]]:
    text = _decode(data)
    if text.lstrip().startswith("<"):
        raise InvalidInput(Msg("population.file_html_table_save"))
    try:
        dialect = csv.Sniffer().sniff(text[:20000], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect)]


def _excel_grid(data: bytes, engine: str) -> list[list[str]]:
    if engine == "openpyxl":  # an XLSX is a zip: its declared expansion first
        from loaders.readers import check_unzipped_size

        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            check_unzipped_size(zf)
    frame = pd.read_excel(io.BytesIO(data), header=None, dtype=object, engine=engine)
    frame = frame.astype(object).where(frame.notna(), "")
    return [[_cell(v) for v in row] for row in frame.itertuples(index=False)]


def _cell(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


#: First bytes of a file -> how to read it into rows of text.
_READERS = {
    b"PK\x03\x04": lambda data: _excel_grid(data, "openpyxl"),  # XLSX (a zip)
    b"\xd0\xcf\x11\xe0": lambda data: _excel_grid(data, "xlrd"),  # XLS (OLE2)
}


def _grid(data: bytes) -> list[list[str]]:
    reader = next((r for magic, r in _READERS.items() if data.startswith(magic)), _text_grid)
    try:
        rows = reader(data)
    except AtlasError:
        raise
    except Exception as exc:  # a broken or hostile file: csv, xlrd, openpyxl, zip errors
        raise InvalidInput(
            Msg("population.table_cannot_read_xlsx"),
            detail=f"{type(exc).__name__}: {exc}",
        ) from exc
    width = max((len(r) for r in rows), default=0)
    return [[str(c).strip() for c in r] + [""] * (width - len(r)) for r in rows]


# --- grid -> population table -----------------------------------------------------------


@dataclass
class PopulationTable:
    """Population of the districts found in one file, for one period."""

    period: str
    rows: pd.DataFrame  # district_code, name_ko, population, households, label
    column: str  # the header of the column read, e.g. "인구 / 합계 / 계"
    total_in_file: int | None = None
    unmatched: list[str] = field(default_factory=list)
    skipped_periods: list[str] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        """District names the file does not hold."""
        found = set(self.rows["name_ko"])
        return [name for name in _district_codes() if name not in found]


def _district_column(grid: list[list[str]], names: set[str]) -> int:
    width = len(grid[0]) if grid else 0
    hits = [sum(normalize_district_name(r[j]) in names for r in grid) for j in range(width)]
    if not hits or max(hits) == 0:
        raise InvalidInput(Msg("population.no_column_district_names"))
    return hits.index(max(hits))


def _is_label(cell: str, names: set[str]) -> bool:
    return normalize_district_name(cell) in names or cell.replace(" ", "").lower() in TOTAL_LABELS


def _headers(header_rows: list[list[str]], first_value_col: int) -> list[list[str]]:
    """Per column, the distinct header parts top to bottom (merged cells filled right)."""
    filled = []
    for row in header_rows:
        row = list(row)
        for j in range(first_value_col + 1, len(row)):
            if not row[j]:
                row[j] = row[j - 1]
        filled.append(row)
    width = len(header_rows[0]) if header_rows else 0
    out = []
    for j in range(width):
        parts: list[str] = []
        for row in filled:
            if row[j] and row[j] not in parts:
                parts.append(row[j])
        out.append(parts)
    return out


def _is_population(parts: list[str]) -> bool:
    words = [p.replace(" ", "") for p in parts]
    if any(bad in w for w in words for bad in _NOT_POP):
        return False
    return any(w in _POP_WORDS or w.startswith("인구") for w in words)


def _period_column(data_rows: list[list[str]], skip: int) -> int | None:
    width = len(data_rows[0]) if data_rows else 0
    for j in range(width):
        if j == skip:
            continue
        found = sum(normalize_period(r[j]) is not None for r in data_rows)
        if found and found >= len(data_rows) / 2:
            return j
    return None


def parse_grid(grid: list[list[str]], *, period: str | None = None) -> PopulationTable:
    """Find the district column, the total-population column and the period in ``grid``."""
    codes = _district_codes()
    names = set(codes)
    col = _district_column(grid, names)
    first = next(i for i, r in enumerate(grid) if _is_label(r[col], names))
    header, body = grid[:first], [r for r in grid[first:] if any(r)]
    heads = _headers(header, col) if header else [[] for _ in grid[0]]
    pcol = _period_column(body, col)
    wanted = normalize_period(period) if period else None
    if period and wanted is None:
        raise InvalidInput(Msg("population.unknown_period_format", period=period))
    skipped: list[str] = []
    chosen: str | None
    if pcol is not None:
        periods = [normalize_period(r[pcol]) for r in body]
        chosen = wanted or max(p for p in periods if p)
        skipped = sorted({p for p in periods if p and p != chosen})
        body = [r for r, p in zip(body, periods, strict=True) if p == chosen]
        if not body:
            raise InvalidInput(Msg("population.no_rows_period", chosen=chosen))
    else:
        col_periods = [
            next((normalize_period(p) for p in h if normalize_period(p)), None) for h in heads
        ]
        in_header = [p for p in col_periods if p]
        title = next((normalize_period(c) for r in header for c in r if normalize_period(c)), None)
        chosen = wanted or (max(in_header) if in_header else title)
        if chosen is None:
            raise InvalidInput(Msg("population.no_period_2023_4"))
    numeric = [
        j
        for j in range(len(grid[0]))
        if j not in (col, pcol)
        and sum(_number(r[j]) is not None for r in body) >= max(1, len(body) // 2)
    ]
    if pcol is None and any(col_periods):
        numeric = [j for j in numeric if col_periods[j] in (chosen, None)]
    pop_cols = [j for j in numeric if _is_population(heads[j])]
    if not pop_cols and not header and numeric:
        pop_cols = numeric[:1]  # no header at all: the first number column
    if not pop_cols:
        raise InvalidInput(Msg("population.no_total_population_column"))
    pop = pop_cols[0]
    hh = next(
        (j for j in numeric if any(h.replace(" ", "") in _HOUSEHOLD_WORDS for h in heads[j])), None
    )
    rows, unmatched, total = [], [], None
    seen: set[str] = set()
    for r in body:
        label = r[col]
        name = normalize_district_name(label)
        if name in names:
            if name in seen:
                continue  # a later row of the same district (e.g. its dongs): keep the first
            value = _number(r[pop])
            if value is None:
                unmatched.append(f"{label}: {r[pop]!r}")
                continue
            seen.add(name)
            households = _number(r[hh]) if hh is not None else None
            rows.append(
                (
                    codes[name],
                    name,
                    round(value),
                    None if households is None else round(households),
                    label,
                )
            )
        elif label.replace(" ", "").lower() in TOTAL_LABELS:
            if total is None and (number := _number(r[pop])) is not None:
                total = round(number)
        elif label:
            unmatched.append(label)
    frame = pd.DataFrame(
        rows, columns=["district_code", "name_ko", "population", "households", "label"]
    )
    return PopulationTable(
        chosen, frame, " / ".join(heads[pop]) or f"column {pop + 1}", total, unmatched, skipped
    )


def read_table(data: bytes, *, period: str | None = None) -> PopulationTable:
    """Read a published 주민등록인구 table (XLSX, XLS or CSV bytes) into a PopulationTable."""
    if not data:
        raise InvalidInput(Msg("common.file_empty"))
    grid = _grid(data)
    if not grid:
        raise InvalidInput(Msg("population.table_empty"))
    table = parse_grid(grid, period=period)
    if table.rows.empty:
        raise InvalidInput(Msg("population.not_one_district_population"))
    return table


# --- population table -> database -------------------------------------------------------


@dataclass
class PopulationReport:
    """What an import did: the matched districts and everything it could not use."""

    period: str
    source: str
    column: str
    matched: pd.DataFrame  # district_code, name_ko, population, households, label
    missing: list[str]
    unmatched: list[str]
    total_in_file: int | None
    skipped_periods: list[str]

    @property
    def total_matches(self) -> bool | None:
        """Whether the districts add up to the file's 합계 row (None without one)."""
        if self.total_in_file is None:
            return None
        return int(self.matched["population"].sum()) == self.total_in_file

    def summary(self) -> list[Msg]:
        """Lines for the CLI (both languages) and the page (its language)."""
        lines = [
            Msg("population.period_column", period=self.period, column=self.column),
            Msg(
                "population.matched",
                n=len(self.matched),
                names=", ".join(self.matched["name_ko"]),
            ),
        ]
        if self.missing:
            lines.append(Msg("population.missing", names=", ".join(self.missing)))
        if self.unmatched:
            lines.append(Msg("population.unmatched", names=", ".join(self.unmatched)))
        if self.skipped_periods:
            lines.append(Msg("population.other_periods", names=", ".join(self.skipped_periods)))
        if self.total_in_file is not None:
            total = int(self.matched["population"].sum())
            verdict = Msg("population.matches") if self.total_matches else Msg("population.differs")
            lines.append(
                Msg("population.totals", total_row=self.total_in_file, total=total, verdict=verdict)
            )
        return lines


def store(conn: sa.Connection, table: PopulationTable, *, source: str) -> PopulationReport:
    """Insert or replace the table's figures (per district and period) in one transaction."""
    records = [
        {
            "code": r.district_code,
            "period": table.period,
            "population": int(r.population),
            "households": None if pd.isna(r.households) else int(r.households),
            "source": source,
        }
        for r in table.rows.itertuples(index=False)
    ]
    conn.execute(
        sa.text(
            """INSERT INTO district_population (district_code, period, population, households,
                   source)
               VALUES (:code, :period, :population, :households, :source)
               ON CONFLICT (district_code, period) DO UPDATE SET
                   population = EXCLUDED.population, households = EXCLUDED.households,
                   source = EXCLUDED.source, imported_at = now()"""
        ),
        records,
    )
    return PopulationReport(
        table.period,
        source,
        table.column,
        table.rows,
        table.missing,
        table.unmatched,
        table.total_in_file,
        table.skipped_periods,
    )


def import_file(
    conn: sa.Connection,
    data: bytes,
    *,
    source: str,
    period: str | None = None,
    viewer: Viewer | None = None,
) -> PopulationReport:
    """Read ``data`` (a published table) and store it; see :func:`read_table`, :func:`store`.

    ``viewer`` is the signed-in user of a page (``None``: the operator at the shell); only
    planners and administrators may import population figures. The import is audited.
    """
    if viewer is not None:
        require(viewer, "import_population")
        check_upload_size(len(data))
    from loaders.bounded import read_population

    report = store(conn, read_population(data, period), source=source)
    audit(
        conn,
        viewer or "shell",
        "import_population",
        target=source,
        records=len(report.matched),
    )
    return report


def import_upload(
    data: bytes, *, source: str, period: str | None, viewer: Viewer
) -> PopulationReport:
    """A page's upload: :func:`import_file` in its own transaction."""
    with transaction() as conn:
        return import_file(conn, data, source=source, period=period, viewer=viewer)


def import_path(conn: sa.Connection, path: Path, *, period: str | None = None) -> PopulationReport:
    """Import the file at ``path``; its name is recorded as the source."""
    if not Path(path).is_file():
        raise InvalidInput(Msg("common.no_such_file", path=path))
    return import_file(conn, Path(path).read_bytes(), source=Path(path).name, period=period)
