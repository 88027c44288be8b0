"""Read an input file of any common format into text cells (+ geometry), detecting encoding.

Formats are dispatched by extension through :data:`READERS` (CSV/TXT/TSV, XLSX/XLS,
GeoJSON, JSON records (``loaders.json_records``), Shapefile as ``.shp``, folder or
``.zip``, GeoPackage, KML). Every reader returns a :class:`SourceTable`: column names,
the cells as text (numbers are validated later, row
by row), the source row number of each row, the geometry with its declared CRS when the
format has one, and what was detected (encoding, header row, layer, sheet) for the report.

A large CSV is not parsed here: the table holds a sample, and ``loaders.ingest`` streams
the raw bytes to PostgreSQL's ``COPY`` (:class:`CsvSource` says how).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from geo.errors import AtlasError, InvalidInput
from geo.messages import Msg
from geo.settings import load_settings
from loaders.columns import header_score
from loaders.targets import Target

#: Rows read for detection and preview when a CSV is streamed to the database.
SAMPLE_ROWS = 5000
#: Most bytes of a CSV read into memory for detection and preview (a few very long lines
#: are streamed like many short ones).
SAMPLE_BYTES = 16 << 20
#: Rows searched for the header.
HEADER_SEARCH = 30
_TOTAL = re.compile(r"^\s*(합\s*계|총\s*계|소\s*계|계|total|sum|grand\s*total)\s*$", re.I)
_NOTE = re.compile(r"^\s*(※|\*|주\s*\)|출처|자료\s*:|source\s*:|note\s*:)", re.I)


#: Most columns a file may have (the staging table holds one text column each, and
#: PostgreSQL allows 1,600 columns per table).
MAX_COLUMNS = 1000
#: Most cells (rows x columns, empty ones included) read from one spreadsheet sheet; a
#: larger table is imported as CSV, which streams.
MAX_SHEET_CELLS = 10_000_000
# A legitimate cell may be long (a 1 MB description); the file's size is the real bound.
csv.field_size_limit(2**31 - 1)


class UnreadableFile(InvalidInput):
    """The file as a whole cannot be read (format, encoding, structure)."""

    key = "readers.unreadable"


@dataclass(frozen=True)
class CsvSource:
    """How to stream a CSV file's data rows to ``COPY`` (bytes ``start``..``end``)."""

    path: Path
    encoding: str  # Python codec name: "utf-8" or "cp949"
    delimiter: str
    start: int  # byte offset of the first data row
    end: int  # byte offset after the last data row
    n_columns: int

    @property
    def pg_encoding(self) -> str:
        """The encoding name PostgreSQL's COPY knows (UHC is Windows-949 = CP949)."""
        return {"utf-8": "UTF8", "cp949": "UHC"}[self.encoding]


@dataclass
class SourceTable:
    """A file read as text cells, with what was detected about it."""

    path: Path
    format: str
    columns: list[str]
    frame: pd.DataFrame  # object columns: str or None; one row per data row
    rows: np.ndarray  # source row number of each frame row (header = its own row)
    geometry: gpd.GeoSeries | None = None  # in ``crs``
    crs: CRS | None = None
    crs_source: str | None = None
    encoding: str | None = None
    layers: list[str] = field(default_factory=list)
    layer: str | None = None
    sheets: list[str] = field(default_factory=list)
    sheet: str | None = None
    header_row: int | None = None
    #: Rows that are not data (total rows, notes): (row, reason code).
    skipped: list[tuple[int, str]] = field(default_factory=list)
    #: Data rows that could not be split into cells: (row, detail).
    malformed: list[tuple[int, str]] = field(default_factory=list)
    notes: list[Msg] = field(default_factory=list)
    #: For a CSV streamed to COPY; ``frame`` is then only the first rows.
    csv: CsvSource | None = None
    #: Keeps an unzipped folder alive as long as the table.
    _tmp: tempfile.TemporaryDirectory | None = None

    @property
    def complete(self) -> bool:
        """True when ``frame`` holds every data row (not a sample)."""
        return self.csv is None


# --- encoding ----------------------------------------------------------------------------------


def detect_encoding(path: Path, *, chunk: int = 1 << 20) -> tuple[str, bool]:
    """The encoding of a text file (``utf-8`` or ``cp949``) and whether it has a UTF-8 BOM.

    The whole file is decoded (incrementally): UTF-8 when it decodes so, else CP949
    (which includes EUC-KR). Anything else cannot be read.
    """
    with open(path, "rb") as f:
        bom = f.read(3) == codecs.BOM_UTF8
    for encoding in ("utf-8", "cp949"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with open(path, "rb") as f:
                if bom:
                    f.seek(3)
                while block := f.read(chunk):
                    decoder.decode(block)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding, bom
    raise UnreadableFile(Msg("readers.file_neither_utf_8"))


# --- cells ---------------------------------------------------------------------------------------


def cell_text(value: object) -> str | None:
    """One cell as text: numbers without float noise (``2013.0`` -> ``2013``), dates ISO."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return None
        if float(value).is_integer() and abs(float(value)) < 1e15:
            return str(int(value))
        return repr(float(value))
    if isinstance(value, dt.datetime | pd.Timestamp):
        if value.hour == value.minute == value.second == 0:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _unique(names: Sequence[object]) -> list[str]:
    out: list[str] = []
    for i, name in enumerate(names):
        base = cell_text(name) or f"column_{i + 1}"
        base = " ".join(base.split())
        candidate, n = base, 2
        while candidate in out:
            candidate, n = f"{base}_{n}", n + 1
        out.append(candidate)
    return out


def _is_number(text: str) -> bool:
    return bool(re.fullmatch(r"\s*[+-]?\d[\d,]*(\.\d*)?\s*", text))


def _find_header(rows: Sequence[Sequence[object]], target: Target) -> tuple[int, int]:
    """Index of the header row among the first rows, and how many rows the header spans.

    The header is the row with the most known column names (the first non-empty row when
    none is known). The next row joins it when it also holds known names and no numbers
    (a second header row under merged cells, e.g. 좌표 over 위도 | 경도).
    """
    scores = [header_score(r, target) for r in rows[:HEADER_SEARCH]]
    if not scores:
        raise UnreadableFile(Msg("common.file_empty"))
    best = max(scores)
    if best == 0:
        h = next((i for i, r in enumerate(rows) if any(cell_text(c) for c in r)), None)
        if h is None:
            raise UnreadableFile(Msg("common.file_empty"))
        return h, 1
    h = scores.index(best)
    if h + 1 < len(rows):
        nxt = [cell_text(c) for c in rows[h + 1]]
        if header_score(rows[h + 1], target) > 0 and not any(c and _is_number(c) for c in nxt):
            return h, 2
    return h, 1


def _filled_width(cells: Sequence[object]) -> int:
    """Cells up to the last non-empty one."""
    filled = [i for i, c in enumerate(cells) if cell_text(c)]
    return filled[-1] + 1 if filled else 0


def _header_names(rows: Sequence[Sequence[object]], h: int, span: int, width: int) -> list[str]:
    top = [cell_text(c) for c in rows[h]] + [None] * width
    if span == 1:
        return _unique(top[:width])
    sub = [cell_text(c) for c in rows[h + 1]] + [None] * width
    names, parent = [], None
    for i in range(width):
        parent = top[i] or (parent if sub[i] else None)  # merged cells span to the right
        names.append(sub[i] or parent)
    return _unique(names)


def _non_data(cells: Sequence[str | None]) -> str | None:
    """``"total_row"`` / ``"note_row"`` for rows that are not records, else None."""
    filled = [c for c in cells if c]
    if not filled:
        return "empty_row"
    if any(_TOTAL.match(c) for c in filled[:3]):
        return "total_row"
    if len(filled) == 1 and _NOTE.match(filled[0]):
        return "note_row"
    return None


def _grid_table(
    path: Path, fmt: str, rows: Sequence[Sequence[object]], target: Target, *, first_row: int = 1
) -> SourceTable:
    """A table from a grid of cells (spreadsheets, small CSVs): header, data, non-data."""
    h, span = _find_header(rows, target)
    width = max(_filled_width(rows[h + i]) for i in range(span))
    _check_width(width)
    columns = _header_names(rows, h, span, width)
    data, numbers, skipped = [], [], []
    for i in range(h + span, len(rows)):
        cells = [cell_text(c) for c in rows[i]][:width]
        cells += [None] * (width - len(cells))
        row_no = first_row + i
        reason = _non_data(cells)
        if reason == "empty_row":
            continue
        if reason:
            skipped.append((row_no, reason))
            continue
        data.append(cells)
        numbers.append(row_no)
    frame = pd.DataFrame(data, columns=columns, dtype=object) if data else _empty(columns)
    table = SourceTable(path, fmt, columns, frame, np.array(numbers, dtype=np.int64))
    table.header_row = first_row + h + span - 1
    table.skipped = skipped
    if h > 0 or span > 1:
        if span > 1:
            table.notes.append(
                Msg("readers.header_rows", first=first_row + h, last=first_row + h + 1)
            )
        else:
            table.notes.append(Msg("readers.header_row", row=first_row + h))
    return table


def _empty(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


# --- CSV ------------------------------------------------------------------------------------


def _sniff_delimiter(lines: Sequence[str]) -> str:
    best, best_score = ",", -1.0
    for d in (",", "\t", ";", "|"):
        counts = [len(next(csv.reader([ln], delimiter=d))) for ln in lines if ln.strip()]
        if not counts or max(counts) < 2:
            continue
        common = max(set(counts), key=counts.count)
        score = counts.count(common) + common / 100
        if score > best_score:
            best, best_score = d, score
    return best


def _read_lines(path: Path, skip: int, max_lines: int, max_bytes: int) -> list[bytes]:
    """The first whole lines after ``skip`` bytes, at most ``max_lines`` and ``max_bytes``.

    A line is never read past the byte
    bound (a file of a few gigabyte-long lines costs ``max_bytes``, not its size); a line
    that does not fit is left out, so the bytes always end at a line's end (or the file's).
    """
    pieces: list[bytes] = []
    used = 0
    with open(path, "rb") as f:
        f.seek(skip)
        while len(pieces) < max_lines:
            line = f.readline(max_bytes - used + 1)
            if not line:
                break
            if used + len(line) > max_bytes or (not line.endswith(b"\n") and f.read(1)):
                break  # longer than what is left of the bound: not read whole
            pieces.append(line)
            used += len(line)
    return pieces


def _count_lines(path: Path, *, skip: int = 0, chunk: int = 1 << 22) -> int:
    """Lines in a file after ``skip`` bytes (a last line without newline counts)."""
    n, last = 0, b"\n"
    with open(path, "rb") as f:
        f.seek(skip)
        while block := f.read(chunk):
            n += block.count(b"\n")
            last = block[-1:]
    return n + (last != b"\n")


def _tail_non_data(path: Path, encoding: str, delimiter: str, start: int) -> tuple[int, list[str]]:
    """Trailing total/note/blank lines: the byte offset where the data ends, and why.

    Returns the end offset and, in file order, the reason of each trailing line dropped.
    """
    size = path.stat().st_size
    base = max(start, size - 65536)
    with open(path, "rb") as f:
        f.seek(base)
        tail = f.read()
    pieces = tail.split(b"\n")
    if base > start:
        pieces = pieces[1:]  # the first piece may be the end of a longer line
    end = size
    if pieces and pieces[-1] == b"":
        pieces, end = pieces[:-1], size - 1  # the newline that ends the file
    reasons: list[str] = []
    for raw in reversed(pieces):
        text = raw.decode(encoding, errors="replace").rstrip("\r")
        reason = _non_data(next(csv.reader([text], delimiter=delimiter), []))
        if reason is None:
            break
        end -= len(raw) + 1
        reasons.append(reason)
    return max(end, start), reasons[::-1]


def read_csv(path: Path, target: Target, **_: object) -> SourceTable:
    """CSV/TXT/TSV in UTF-8, UTF-8 with BOM or CP949, any of , ; tab | as separator.

    At most ``HEADER_SEARCH + SAMPLE_ROWS`` lines and ``SAMPLE_BYTES`` are read here; when
    that is the whole file the table is complete, else it is a sample and the data rows
    stream to ``COPY`` (:class:`CsvSource`), whatever the length of the lines.
    """
    encoding, bom = detect_encoding(path)
    skip = 3 if bom else 0
    lines = _read_lines(path, skip, HEADER_SEARCH + SAMPLE_ROWS, SAMPLE_BYTES)
    n_lines = _count_lines(path, skip=skip)
    if not lines and n_lines:
        raise UnreadableFile(Msg("readers.first_line_longer_than", mb=SAMPLE_BYTES // 2**20))
    text = b"".join(lines).decode(encoding, errors="replace")
    delimiter = _sniff_delimiter(text.splitlines()[:HEADER_SEARCH])
    grid = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if len(lines) == n_lines:  # every line is in memory
        table = _grid_table(path, "csv", grid, target)
        _drop_malformed(table, grid)
    else:
        h, span = _find_header(grid, target)
        table = _grid_table(path, "csv", grid[: h + span + SAMPLE_ROWS], target)
        start = skip + sum(len(line) for line in lines[: h + span])
        end, tail = _tail_non_data(path, encoding, delimiter, start)
        first = n_lines - len(tail) + 1
        table.skipped = [(first + i, r) for i, r in enumerate(tail) if r != "empty_row"]
        table.csv = CsvSource(path, encoding, delimiter, start, end, len(table.columns))
    table.encoding = _encoding_label(encoding, bom)
    return table


def _drop_malformed(table: SourceTable, grid: Sequence[Sequence[str]]) -> None:
    """Rows with more non-empty cells than the header are malformed: listed, not imported."""
    width, header = len(table.columns), table.header_row or 0
    bad = [
        (header + 1 + i, len(r))
        for i, r in enumerate(grid[header:])
        if len(r) > width and any(c.strip() for c in r[width:])
    ]
    table.malformed = [(row, f"{n} fields, expected {width}") for row, n in bad]
    if bad:
        keep = ~np.isin(table.rows, [row for row, _ in bad])
        table.frame = table.frame[keep].reset_index(drop=True)
        table.rows = table.rows[keep]


def stream_csv_rows(
    source: CsvSource, first_row: int, malformed: list[tuple[int, str]]
) -> Iterator[tuple[int, list[str | None]]]:
    """The data rows of a streamed CSV parsed one at a time (when ``COPY`` refused the file).

    Yields (source row number, cells padded to the header's width). Blank rows are left
    out; rows with more non-empty cells than the header are appended to ``malformed``
    instead. Nothing but the current row is held in memory.
    """
    width = source.n_columns
    with open(source.path, "rb") as raw:
        raw.seek(source.start)
        text = io.TextIOWrapper(
            io.BufferedReader(_Bounded(raw, source.end - source.start)),
            encoding=source.encoding,
            newline="",
        )
        reader = csv.reader(text, delimiter=source.delimiter)
        line = 0
        for cells in reader:
            row_no, line = first_row + line, reader.line_num
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                malformed.append((row_no, f"{len(cells)} fields, expected {width}"))
                continue
            values = [c if c.strip() else None for c in cells[:width]]
            if not any(values):
                continue
            yield row_no, values + [None] * (width - len(values))


class _Bounded(io.RawIOBase):
    """A raw reader that stops after ``left`` bytes of ``f``."""

    def __init__(self, f: io.BufferedReader, left: int) -> None:
        self._f, self._left = f, left

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self._left)
        data = self._f.read(n) if n else b""
        buffer[: len(data)] = data
        self._left -= len(data)
        return len(data)


def _encoding_label(encoding: str, bom: bool) -> str:
    if encoding == "cp949":
        return "CP949 (EUC-KR)"
    return "UTF-8 (BOM)" if bom else "UTF-8"


# --- spreadsheets --------------------------------------------------------------------------------


def read_xlsx(path: Path, target: Target, *, sheet: str | None = None, **_: object) -> SourceTable:
    """XLSX: the first sheet or ``sheet``; header rows anywhere in the first rows."""
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(path) as zf:  # an XLSX is a zip: its declared expansion first
            check_unzipped_size(zf)
        wb = load_workbook(path, read_only=True, data_only=True)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise UnreadableFile(detail=str(exc)) from exc
    try:
        names = list(wb.sheetnames)
        ws = wb[_choose(names, sheet, "sheet")]
        rows, cells = [], 0
        for r in ws.iter_rows(values_only=True):
            # A few KB can declare a 16,384-column, million-row sheet: count as we go.
            cells += len(r)
            if cells > MAX_SHEET_CELLS:
                raise UnreadableFile(Msg("readers.sheet_too_large_over", most=MAX_SHEET_CELLS))
            rows.append(list(r))
    finally:
        wb.close()
    table = _grid_table(path, "xlsx", rows, target)
    table.sheets, table.sheet = names, ws.title
    return table


def read_xls(path: Path, target: Target, *, sheet: str | None = None, **_: object) -> SourceTable:
    """Legacy XLS (via xlrd): same rules as XLSX."""
    try:
        book = pd.read_excel(path, sheet_name=None, header=None, dtype=object, engine="xlrd")
    except (ImportError, ValueError, OSError) as exc:
        raise UnreadableFile(detail=str(exc)) from exc
    names = list(book)
    chosen = _choose(names, sheet, "sheet")
    rows = book[chosen].astype(object).where(book[chosen].notna(), None).values.tolist()
    table = _grid_table(path, "xls", rows, target)
    table.sheets, table.sheet = names, chosen
    return table


def _choose(names: Sequence[str], wanted: str | None, what: str) -> str:
    if not names:
        raise UnreadableFile(Msg("readers.no_file", what=what))
    if wanted is None:
        return names[0]
    if wanted not in names:
        raise UnreadableFile(
            Msg("readers.no_such_part", what=what, wanted=wanted, names=", ".join(names))
        )
    return wanted


# --- vector formats ------------------------------------------------------------------------------


def _vector_table(
    path: Path,
    fmt: str,
    *,
    layer: str | None = None,
    encoding: str | None = None,
    crs_source: str,
) -> SourceTable:
    try:
        layers = [str(name) for name, *_ in pyogrio.list_layers(path)]
    except pyogrio.errors.DataSourceError as exc:
        raise UnreadableFile(detail=str(exc)) from exc
    chosen = _choose(layers, layer, "layer")
    try:
        gdf = pyogrio.read_dataframe(
            path, layer=chosen, encoding=encoding, on_invalid="ignore", datetime_as_string=True
        )
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise UnreadableFile(detail=str(exc)) from exc
    columns = _unique([c for c in gdf.columns if c != gdf.geometry.name])
    attrs = gdf.drop(columns=gdf.geometry.name)
    frame = pd.DataFrame(
        {new: [cell_text(v) for v in attrs[old]] for new, old in zip(columns, attrs, strict=True)},
        dtype=object,
    )
    if not columns:
        frame = pd.DataFrame(index=range(len(gdf)))
    geoms = gdf.geometry.array
    geometry = gpd.GeoSeries(shapely.force_2d(np.asarray(geoms)), crs=gdf.crs)
    table = SourceTable(
        path,
        fmt,
        columns,
        frame,
        np.arange(1, len(gdf) + 1, dtype=np.int64),
        geometry=geometry,
        crs=gdf.crs,
        crs_source=crs_source if gdf.crs is not None else None,
        layers=layers,
        layer=chosen,
    )
    if len(layers) > 1 and layer is None:
        table.notes.append(
            Msg("readers.layer_chosen", n=len(layers), names=", ".join(layers), chosen=chosen)
        )
    return table


def read_geojson(path: Path, target: Target, **_: object) -> SourceTable:
    """GeoJSON (UTF-8, WGS84 unless it says otherwise)."""
    return _vector_table(path, "geojson", crs_source="GeoJSON")


def read_gpkg(path: Path, target: Target, *, layer: str | None = None, **_: object) -> SourceTable:
    """GeoPackage: the first layer or ``layer``."""
    return _vector_table(path, "gpkg", layer=layer, crs_source="GeoPackage")


def read_kml(path: Path, target: Target, *, layer: str | None = None, **_: object) -> SourceTable:
    """KML (always WGS84): the first folder/layer or ``layer``.

    The drawing fields GDAL's LIBKML driver adds (``visibility``, ``tessellate``, ...) are
    dropped: they are styling, not data.
    """
    table = _vector_table(path, "kml", layer=layer, crs_source="KML")
    keep = [c for c in table.columns if c not in _KML_STYLING]
    table.frame, table.columns = table.frame[keep], keep
    return table


_KML_STYLING = frozenset(
    {
        "timestamp",
        "begin",
        "end",
        "altitudeMode",
        "tessellate",
        "extrude",
        "visibility",
        "drawOrder",
        "icon",
        "snippet",
    }
)


def dbf_encoding(dbf: Path) -> str | None:
    """``UTF-8`` or ``CP949`` when the DBF's records decode so (used when there is no .cpg)."""
    data = dbf.read_bytes()
    if len(data) < 32:
        return None
    header_len = int.from_bytes(data[8:10], "little")
    records = data[header_len:].rstrip(b"\x1a")
    for encoding in ("utf-8", "cp949"):
        try:
            records.decode(encoding)
        except UnicodeDecodeError:
            continue
        return "UTF-8" if encoding == "utf-8" else "CP949"
    return None


def _shapefiles(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() == ".shp")


def read_shapefile(
    path: Path, target: Target, *, layer: str | None = None, **_: object
) -> SourceTable:
    """A ``.shp`` (with its .dbf/.prj/.cpg) or a folder of them; ``layer`` is a file stem."""
    shps = _shapefiles(path) if path.is_dir() else [path]
    if not shps:
        raise UnreadableFile(Msg("readers.no_shp_file_folder"))
    stems = [p.stem for p in shps]
    shp = shps[stems.index(_choose(stems, layer, "layer"))]
    cpg = [p for p in shp.parent.iterdir() if p.stem == shp.stem and p.suffix.lower() == ".cpg"]
    dbf = [p for p in shp.parent.iterdir() if p.stem == shp.stem and p.suffix.lower() == ".dbf"]
    encoding: str | None = None
    note: Msg | str | None = None
    if cpg:
        note = f".cpg: {cpg[0].read_text(errors='replace').strip()}"
    elif dbf:
        encoding = dbf_encoding(dbf[0])
        if encoding:
            note = Msg("readers.no_cpg_detected_from", encoding=encoding)
    table = _vector_table(shp, "shapefile", encoding=encoding, crs_source=".prj")
    table.layers, table.layer = stems, shp.stem
    table.encoding = encoding or (cpg[0].read_text(errors="replace").strip() if cpg else None)
    if len(stems) > 1 and layer is None:
        table.notes.append(
            Msg("readers.shapefile_chosen", n=len(stems), names=", ".join(stems), chosen=shp.stem)
        )
    if note:
        table.notes.insert(0, Msg("readers.encoding", note=note))
    return table


def read_zip(path: Path, target: Target, **options: object) -> SourceTable:
    """A .zip holding a shapefile (or any one readable file): unpacked to a temporary folder."""
    tmp = tempfile.TemporaryDirectory(prefix="maeul-import-")
    root = Path(tmp.name)
    try:
        with zipfile.ZipFile(path) as zf:
            check_unzipped_size(zf)
            for info in zf.infolist():
                target_path = (root / _zip_name(info)).resolve()
                if not target_path.is_relative_to(root.resolve()):
                    raise UnreadableFile(detail=f"unsafe path in zip: {info.filename}")
                if info.is_dir():
                    continue
                target_path.parent.mkdir(parents=True, exist_ok=True)
                # Streamed in 1 MB pieces: a member is never held whole in memory.
                with zf.open(info) as src, open(target_path, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
    except zipfile.BadZipFile as exc:
        tmp.cleanup()
        raise UnreadableFile(detail=str(exc)) from exc
    if _shapefiles(root):
        table = read_shapefile(root, target, **options)  # type: ignore[arg-type]
    else:
        inner = [p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in READERS]
        inner = [p for p in inner if p.suffix.lower() != ".zip"]
        if len(inner) != 1:
            tmp.cleanup()
            raise UnreadableFile(Msg("readers.zip_must_hold_shapefile"))
        table = READERS[inner[0].suffix.lower()](inner[0], target, **options)
    table.path, table._tmp = path, tmp
    table.format = f"zip/{table.format}"
    return table


class ZipTooLarge(UnreadableFile):
    """A zip whose contents would expand beyond ``MAEUL_MAX_UNZIPPED_MB``."""


def check_unzipped_size(zf: zipfile.ZipFile) -> None:
    """Refuse ``zf`` before unpacking if its members add up to more than the limit.

    The sizes are the ones the zip declares; :mod:`zipfile` never inflates a member beyond
    its declared size, so a zip cannot lie its way past the check.
    """
    limit_mb = load_settings().max_unzipped_mb
    total = sum(info.file_size for info in zf.infolist())
    if total > limit_mb * 1024**2:
        raise ZipTooLarge(
            Msg("readers.zip_would_expand_mb", total=total / 1024**2, limit_mb=limit_mb)
        )


def _zip_name(info: zipfile.ZipInfo) -> str:
    """Member name, decoded as CP949 when the zip did not flag it as UTF-8 (Korean Windows)."""
    if info.flag_bits & 0x800:
        return info.filename
    raw = info.filename.encode("cp437", errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp949", errors="replace")


def _read_json(path: Path, target: Target, **options: object) -> SourceTable:
    """``.json``: GeoJSON or records (``loaders.json_records``)."""
    from loaders.json_records import read_json

    return read_json(path, target, **options)


#: Extension -> reader. Every reader takes (path, target, layer=, sheet=).
READERS: dict[str, Callable[..., SourceTable]] = {
    ".csv": read_csv,
    ".txt": read_csv,
    ".tsv": read_csv,
    ".xlsx": read_xlsx,
    ".xlsm": read_xlsx,
    ".xls": read_xls,
    ".geojson": read_geojson,
    ".json": _read_json,
    ".shp": read_shapefile,
    ".zip": read_zip,
    ".gpkg": read_gpkg,
    ".kml": read_kml,
}


def read_source(
    path: str | Path, target: Target, *, layer: str | None = None, sheet: str | None = None
) -> SourceTable:
    """Read ``path`` (file or shapefile folder) with the reader its extension names.

    Raises
    ------
    UnreadableFile
        When the file as a whole cannot be read: unknown format, encoding, structure.
    """
    path = Path(path)
    if not path.exists():
        raise UnreadableFile(Msg("common.no_such_file", path=path))
    if path.is_dir():
        return read_shapefile(path, target, layer=layer)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise UnreadableFile(
            Msg("readers.unsupported_format", suffix=path.suffix, names=", ".join(sorted(READERS)))
        )
    try:
        table = reader(path, target, layer=layer, sheet=sheet)
    except AtlasError:
        raise
    except UnicodeDecodeError as exc:
        raise UnreadableFile(detail=str(exc)) from exc
    except csv.Error as exc:
        raise UnreadableFile(
            Msg("readers.malformed_csv", exc=exc), detail=f"{path.name}: {exc}"
        ) from exc
    except MemoryError:
        raise  # the import's memory ceiling (loaders.bounded) turns it into a clear message
    except Exception as exc:  # any library's failure on a hostile or broken file
        raise UnreadableFile(detail=f"{path.name}: {type(exc).__name__}: {exc}") from exc
    _check_width(len(table.columns))
    return table


def _check_width(n: int) -> None:
    if n > MAX_COLUMNS:
        raise UnreadableFile(Msg("readers.too_many_columns_most", n=n, most=MAX_COLUMNS))


def iter_csv_chunks(source: CsvSource, *, size: int = 1 << 20) -> Iterator[bytes]:
    """The data rows of a streamed CSV as raw byte chunks, for ``COPY``."""
    with open(source.path, "rb") as f:
        f.seek(source.start)
        left = source.end - source.start
        while left > 0:
            block = f.read(min(size, left))
            if not block:
                break
            left -= len(block)
            yield block
