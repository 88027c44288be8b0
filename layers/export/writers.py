"""Write export layers to files: one writer per format (GeoJSON, GeoPackage, Shapefile, KML, CSV).

:data:`FORMATS` maps a format code to its writer; :func:`export_layers` reads the layers
(:func:`layers.export.read.read_layers`, as the viewer may see them), runs the writer and packs the
result: formats that hold several layers (GeoPackage, KML) give one file, a Shapefile always
gives a ``.zip`` (with ``fieldmap.csv`` and ``README.txt``), GeoJSON and CSV give one file per
layer, zipped when there are several. Spatial writers go through pyogrio (GDAL); CSV is
written here, UTF-8 with BOM, with formula cells neutralised.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import tempfile
import warnings
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyogrio
import pyogrio.errors
import shapely

from geo.access import Viewer
from geo.csvsafe import FORMULA_PATTERN
from geo.errors import AtlasError, InvalidInput
from geo.logs import logger
from geo.messages import Msg, Pair
from geo.progress import Progress, no_progress
from layers.export import readme
from layers.export.fieldmap import dbf_name, mapping_csv
from layers.export.read import LayerTable, Selection, check_crs, layer_spec, read_layers

Label = tuple[str, str]

#: Shapefile text encodings offered: code -> (GDAL/.cpg name, Python codec).
SHAPEFILE_ENCODINGS: dict[str, tuple[str, str]] = {
    "cp949": ("CP949", "cp949"),
    "utf-8": ("UTF-8", "utf-8"),
}
#: Most bytes a DBF text field holds.
DBF_MAX_BYTES = 254
_KML_NS = "http://www.opengis.net/kml/2.2"
#: Shapefile parts of a mixed layer, by OGR geometry dimension.
_SHAPE_PARTS = {0: "point", 1: "line", 2: "polygon"}
#: shapely geometry type id -> OGR geometry type name; dimension -> its multi type id.
_OGR_TYPES = {
    0: "Point",
    1: "LineString",
    3: "Polygon",
    4: "MultiPoint",
    5: "MultiLineString",
    6: "MultiPolygon",
}
_MULTI_OF_DIM = {0: 4, 1: 5, 2: 6}
#: Export times are stated in Korea Standard Time.
KST = dt.timezone(dt.timedelta(hours=9), "KST")

_logger = logger(__name__)


@dataclass(frozen=True)
class WriteOptions:
    """What a writer needs besides the tables."""

    stem: str = "maeul"
    encoding: str = "cp949"


@dataclass
class Written:
    """Files a writer made (in its folder) and notes for the user."""

    files: list[Path] = field(default_factory=list)
    notes: list[Msg] = field(default_factory=list)


Writer = Callable[[list[LayerTable], Path, WriteOptions], Written]


@dataclass(frozen=True)
class ExportFormat:
    """A file format the atlas writes."""

    code: str
    label: Label
    suffix: str
    mime: str
    writer: Writer
    multi_layer: bool  # one file holds several layers
    fixed_crs: int | None = None  # the format allows only this CRS
    geometry: str = "wkb"  # what the writer reads: WKB geometry or x/y columns


@dataclass(frozen=True)
class ExportRequest:
    """One export: layers, format, CRS, the districts and filters, Shapefile encoding."""

    layers: tuple[str, ...]
    format: str
    crs: int = 4326
    selection: Selection = field(default_factory=Selection)
    encoding: str = "cp949"


@dataclass
class ExportResult:
    """What was written: the file, record counts per layer, and notes for the user."""

    path: Path
    request: ExportRequest
    counts: dict[str, int]
    demo_counts: dict[str, int]
    generalised: int
    exported_at: dt.datetime
    files: list[str]
    notes: list[Msg]

    @property
    def mime(self) -> str:
        """Media type of :attr:`path`, for download buttons."""
        return (
            "application/zip" if self.path.suffix == ".zip" else FORMATS[self.request.format].mime
        )


# --- helpers shared by writers -------------------------------------------------------------


def _spatial(t: LayerTable) -> pa.Table:
    """Attributes and the WKB geometry column, as pyogrio takes them."""
    return t.table.select([c.name for c in t.spec.columns] + ["geom"])


class ExportError(AtlasError, OSError):
    """A writer could not write a file (GDAL refused it)."""

    key = "export.write_failed"


def _write(table: pa.Table, path: Path, t: LayerTable, *, driver: str, **kwargs) -> None:
    geometry_type = kwargs.pop("geometry_type", t.spec.geometry_type)
    with warnings.catch_warnings(), _gdal_errors(path):
        warnings.simplefilter("ignore", RuntimeWarning)  # GDAL notes, e.g. on field widths
        pyogrio.write_arrow(
            table,
            path,
            layer=kwargs.pop("layer", t.spec.name),
            driver=driver,
            geometry_name="geom",
            geometry_type=geometry_type,
            crs=f"EPSG:{t.crs}",
            **kwargs,
        )


@contextmanager
def _gdal_errors(path: Path) -> Iterator[None]:
    try:
        yield
    except (
        pyogrio.errors.DataSourceError,
        pyogrio.errors.DataLayerError,
        pyogrio.errors.FieldError,
        pyogrio.errors.FeatureError,
    ) as exc:
        raise ExportError(detail=f"{path.name}: {exc}") from exc


# --- GeoPackage ----------------------------------------------------------------------------


def _write_gpkg(tables: list[LayerTable], folder: Path, opts: WriteOptions) -> Written:
    path = folder / f"{opts.stem}.gpkg"
    for t in tables:
        ko, en = t.spec.label
        _write(
            _spatial(t),
            path,
            t,
            driver="GPKG",
            layer_options={"IDENTIFIER": f"{ko} / {en}", "DESCRIPTION": readme.SOURCE_LINE},
        )
    return Written([path])


# --- GeoJSON -------------------------------------------------------------------------------


def _write_geojson(tables: list[LayerTable], folder: Path, _opts: WriteOptions) -> Written:
    files = []
    for t in tables:
        path = folder / f"{t.spec.name}.geojson"
        # GDAL writes a "crs" member for projected CRSs (GeoJSON 2008), which QGIS reads.
        _write(_spatial(t), path, t, driver="GeoJSON")
        files.append(path)
    return Written(files)


# --- KML -----------------------------------------------------------------------------------


def _iso_dates(table: pa.Table) -> pa.Table:
    """Dates as ISO text (GDAL's KML writer would write 2012/09/10)."""
    for i, f in enumerate(table.schema):
        if pa.types.is_date(f.type):
            table = table.set_column(i, f.name, pc.cast(table[f.name], pa.string()))
    return table


def _kml_document(tree: Any) -> ET.Element:
    """The ``Document`` element of a KML file GDAL wrote."""
    root = tree.getroot()
    document = root.find(f"{{{_KML_NS}}}Document") if root is not None else None
    if document is None:
        raise RuntimeError("GDAL wrote a KML file without a Document")
    return document


def _write_kml(tables: list[LayerTable], folder: Path, opts: WriteOptions) -> Written:
    """One KML with a folder per layer; each placemark's name is the layer's display field."""
    ET.register_namespace("", _KML_NS)
    merged: Any = None
    for t in tables:
        part = folder / f".{t.spec.name}.kml"
        names = [c.name for c in t.spec.columns]
        _write(
            _iso_dates(_spatial(t)),
            part,
            t,
            driver="KML",
            dataset_options={
                "NameField": t.spec.display_field,
                "DescriptionField": "description" if "description" in names else "-",
            },
        )
        tree = ET.parse(part)
        part.unlink()
        if merged is None:
            merged = tree
            continue
        document = _kml_document(merged)
        for child in _kml_document(tree):
            if child.tag in (f"{{{_KML_NS}}}Schema", f"{{{_KML_NS}}}Folder"):
                document.append(child)
    path = folder / f"{opts.stem}.kml"
    assert merged is not None  # at least one layer is exported
    merged.write(path, encoding="utf-8", xml_declaration=True)
    return Written([path])


# --- Shapefile -----------------------------------------------------------------------------


def _utf8_data(arr: pa.Array) -> tuple[np.ndarray, bytes]:
    """(offsets from 0, UTF-8 bytes) of a string array's values, from its buffers."""
    if len(arr) == 0:
        return np.zeros(1, np.int64), b""
    dtype = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offs = np.frombuffer(
        arr.buffers()[1], dtype=dtype, count=len(arr) + 1, offset=arr.offset * dtype().itemsize
    ).astype(np.int64)
    data = arr.buffers()[2]
    raw = b"" if data is None else memoryview(data)[offs[0] : offs[-1]].tobytes()
    return offs - offs[0], raw


def _utf8_text(arr: pa.Array) -> str:
    """All values of a string array as one str (no per-row Python objects)."""
    return _utf8_data(arr)[1].decode("utf-8")


def _fit_text(col: pa.ChunkedArray, codec: str, counts: dict[str, int]) -> pa.Array:
    """Text the DBF can hold in ``codec``: unencodable characters -> '?', cut to 254 bytes.

    Whole columns are checked at once; only the values that fail are looked at one by one.
    """
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if codec != "utf-8":
        try:
            _utf8_text(arr).encode(codec)
        except UnicodeEncodeError:
            fixed = []
            for v in arr.to_pylist():
                if v is not None and v.encode(codec, errors="replace").decode(codec) != v:
                    counts["replaced"] += 1
                    v = v.encode(codec, errors="replace").decode(codec)
                fixed.append(v)
            arr = pa.array(fixed, pa.string())
    lengths = pc.binary_length(arr)
    if (pc.max(lengths).as_py() or 0) <= DBF_MAX_BYTES:  # UTF-8 is never shorter than CP949
        return arr
    values = arr.to_pylist()
    for i in np.flatnonzero(pc.fill_null(pc.greater(lengths, DBF_MAX_BYTES), False)):
        encoded = values[i].encode(codec)
        if len(encoded) > DBF_MAX_BYTES:
            counts["truncated"] += 1
            values[i] = encoded[:DBF_MAX_BYTES].decode(codec, errors="ignore")
    return pa.array(values, pa.string())


def _as_cp949(arr: pa.Array) -> pa.Array:
    """The column's text as CP949 bytes, from one encode of the whole column.

    GDAL recoding each value on its own costs more than the rest of a Shapefile export, so
    the bytes are made here and written as they are (``ENCODING=""``, see
    :func:`_write_shp`). Every non-ASCII character CP949 holds takes 2 bytes, so a value
    shrinks by one byte per 3-byte UTF-8 character (lead bytes 0xE0-0xEF), counted with
    numpy over the whole buffer.
    """
    offsets, raw = _utf8_data(arr)
    data = raw.decode("utf-8").encode("cp949")
    b = np.frombuffer(raw, np.uint8)
    leads = np.flatnonzero((b >= 0xE0) & (b < 0xF0))  # sorted positions of 3-byte characters
    new_offsets = (offsets - np.searchsorted(leads, offsets)).astype(np.int32)
    if new_offsets[-1] != len(data):  # not expected; stay correct if it ever happens
        return pa.array(
            [None if v is None else v.encode("cp949") for v in arr.to_pylist()], pa.binary()
        ).view(pa.string())
    validity = arr.is_valid().buffers()[1] if arr.null_count else None
    return pa.Array.from_buffers(
        pa.string(),
        len(arr),
        [validity, pa.py_buffer(new_offsets), pa.py_buffer(data)],
        null_count=arr.null_count,
    )


def _dbf_table(t: LayerTable, codec: str, counts: dict[str, int]) -> pa.Table:
    """Attributes under their Shapefile names, text fitted, encoded and sized to the data."""
    arrays, fields = [], []
    for col in t.spec.columns:
        arr = t.table[col.name]
        meta = None
        if pa.types.is_string(col.type):
            arr = _fit_text(arr, codec, counts)
            if codec == "cp949":
                arr = _as_cp949(arr)
            width = pc.max(pc.binary_length(arr)).as_py() or 1
            meta = {"GDAL:OGR:width": str(width)}
        arrays.append(arr)
        fields.append(pa.field(dbf_name(col.name), col.type, metadata=meta))
    arrays.append(t.table["geom"])
    fields.append(pa.field("geom", pa.binary()))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _shape_parts(t: LayerTable, table: pa.Table) -> list[tuple[str, str, pa.Table]]:
    """(file name, geometry type, rows): mixed layers split by dimension, one file each."""
    if t.spec.geometry_type != "Unknown":
        return [(t.spec.name, t.spec.geometry_type, table)]
    if table.num_rows == 0:
        return [(f"{t.spec.name}_point", "Point", table)]
    geoms = shapely.from_wkb(table["geom"].to_numpy(zero_copy_only=False))
    dims = shapely.get_dimensions(geoms)
    parts = []
    for dim, suffix in _SHAPE_PARTS.items():
        rows = table.filter(pa.array(dims == dim))
        if rows.num_rows == 0:
            continue
        types = set(shapely.get_type_id(geoms[dims == dim]).tolist())
        # One type: write it as is; e.g. Point and MultiPoint together: all as Multi.
        name = _OGR_TYPES[types.pop()] if len(types) == 1 else _OGR_TYPES[_MULTI_OF_DIM[dim]]
        parts.append((f"{t.spec.name}_{suffix}", name, rows))
    return parts


def _write_shp(tables: list[LayerTable], folder: Path, opts: WriteOptions) -> Written:
    gdal_encoding, codec = SHAPEFILE_ENCODINGS[opts.encoding]
    counts = {"replaced": 0, "truncated": 0}
    files = []
    for t in tables:
        table = _dbf_table(t, codec, counts)
        for name, geometry_type, rows in _shape_parts(t, table):
            path = folder / f"{name}.shp"
            options: dict[str, Any]
            if codec == "cp949":  # bytes already CP949: GDAL writes them as they are
                options = {"layer_options": {"ENCODING": ""}}
            else:
                options = {"encoding": gdal_encoding}
            _write(
                rows,
                path,
                t,
                driver="ESRI Shapefile",
                layer=name,
                geometry_type=geometry_type,
                **options,
            )
            path.with_suffix(".cpg").write_text(gdal_encoding, encoding="ascii")
            files += [path.with_suffix(s) for s in (".shp", ".shx", ".dbf", ".prj", ".cpg")]
    fieldmap = folder / "fieldmap.csv"
    fieldmap.write_bytes(mapping_csv(t.spec for t in tables))
    files.append(fieldmap)
    notes = []
    if counts["replaced"]:
        notes.append(
            Msg(
                "export.values_held_characters_cannot",
                upper=opts.encoding.upper(),
                replaced=counts["replaced"],
            )
        )
    if counts["truncated"]:
        notes.append(
            Msg(
                "export.shapefile_dbf_text_holds",
                max_bytes=DBF_MAX_BYTES,
                truncated=counts["truncated"],
            )
        )
    return Written(files, notes)


# --- CSV -----------------------------------------------------------------------------------


def neutralise_formulas(arr: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Prefix ``'`` to text a spreadsheet would run as a formula (= + - @ tab CR)."""
    risky = pc.fill_null(pc.match_substring_regex(arr, FORMULA_PATTERN), False)
    return pc.if_else(risky, pc.binary_join_element_wise("'", arr, ""), arr)


def _csv_cells(arr: pa.ChunkedArray, type_: pa.DataType) -> list[str]:
    if pa.types.is_string(type_):
        return ["" if v is None else v for v in neutralise_formulas(arr).to_pylist()]
    if pa.types.is_boolean(type_):
        return ["" if v is None else ("true" if v else "false") for v in arr.to_pylist()]
    if pa.types.is_floating(type_):
        return ["" if v is None else repr(v) for v in arr.to_pylist()]
    if pa.types.is_date(type_):
        return ["" if v is None else v.isoformat() for v in arr.to_pylist()]
    return ["" if v is None else str(v) for v in arr.to_pylist()]


def _write_csv(tables: list[LayerTable], folder: Path, _opts: WriteOptions) -> Written:
    """One CSV per layer: attributes, x, y (and WKT for areas), UTF-8 with BOM."""
    files = []
    for t in tables:
        names = [c.name for c in t.spec.columns] + ["x", "y"]
        if "wkt" in t.table.column_names:
            names.append("wkt")
        columns = [_csv_cells(t.table[n], t.table.schema.field(n).type) for n in names]
        path = folder / f"{t.spec.name}.csv"
        with open(path, "w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f, lineterminator="\r\n")
            writer.writerow(names)
            writer.writerows(zip(*columns, strict=True))
        files.append(path)
    return Written(files)


FORMATS: dict[str, ExportFormat] = {
    "gpkg": ExportFormat(
        "gpkg", ("GeoPackage", "GeoPackage"), ".gpkg", "application/geopackage+sqlite3",
        _write_gpkg, multi_layer=True,
    ),
    "shp": ExportFormat(
        "shp", ("Shapefile (zip)", "Shapefile (zip)"), ".zip", "application/zip", _write_shp,
        multi_layer=False,
    ),
    "geojson": ExportFormat(
        "geojson", ("GeoJSON", "GeoJSON"), ".geojson", "application/geo+json",
        _write_geojson, multi_layer=False,
    ),
    "kml": ExportFormat(
        "kml", ("KML (구글어스)", "KML (Google Earth)"), ".kml",
        "application/vnd.google-earth.kml+xml", _write_kml, multi_layer=True, fixed_crs=4326,
    ),
    "csv": ExportFormat(
        "csv", ("CSV (엑셀, 좌표 포함)", "CSV (Excel, with coordinates)"), ".csv", "text/csv",
        _write_csv, multi_layer=False, geometry="xy",
    ),
}  # fmt: skip


def export_format(code: str) -> ExportFormat:
    """The format ``code`` (``gpkg``, ``shp``, ``geojson``, ``kml``, ``csv``)."""
    try:
        return FORMATS[code.lower().lstrip(".")]
    except KeyError:
        raise InvalidInput(
            Msg("export.unsupported_format", code=code, names=", ".join(FORMATS))
        ) from None


def output_suffix(request: ExportRequest) -> str:
    """The suffix of the file :func:`export_layers` writes for ``request``."""
    fmt = export_format(request.format)
    if fmt.multi_layer or len(request.layers) == 1:
        return fmt.suffix
    return ".zip"


def check_request(request: ExportRequest) -> ExportRequest:
    """Validate ``request`` (user-safe errors) and return it with its CRS as an int."""
    fmt = export_format(request.format)
    if not request.layers:
        raise InvalidInput(Msg("export.choose_least_one_layer"))
    for name in request.layers:
        layer_spec(name)
    crs = check_crs(request.crs)
    if fmt.fixed_crs is not None and crs != fmt.fixed_crs:
        raise InvalidInput(Msg("export.fixed_crs", format=Pair(*fmt.label), crs=fmt.fixed_crs))
    if request.encoding not in SHAPEFILE_ENCODINGS:
        raise InvalidInput(
            Msg(
                "export.unsupported_encoding_of",
                encoding=request.encoding,
                names=", ".join(SHAPEFILE_ENCODINGS),
            )
        )
    return ExportRequest(
        tuple(dict.fromkeys(request.layers)),
        fmt.code,
        crs,
        request.selection,
        request.encoding,
    )


def check_folder(out: Path) -> None:
    """A user-safe error unless the folder of ``out`` exists (it is never created)."""
    if not out.parent.is_dir():
        raise InvalidInput(Msg("export.folder_does_not_exist", parent=out.parent))


def zip_files(out: Path, files: Sequence[tuple[Path, str]], extra: dict[str, bytes]) -> None:
    """Write ``files`` (path, name in the zip) and ``extra`` (name -> bytes) into ``out``."""
    # Level 1: most of deflate's gain on text-heavy DBF/CSV at a fraction of its time.
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for path, arcname in files:
            zf.write(path, arcname)
        for arcname, data in extra.items():
            zf.writestr(arcname, data)


def export_layers(
    request: ExportRequest,
    *,
    viewer: Viewer,
    out: Path | str,
    progress: Progress = no_progress,
) -> ExportResult:
    """Export ``request`` as ``viewer`` may see it to the file ``out``.

    Parameters
    ----------
    request
        Layers, format, CRS, selection and Shapefile encoding.
    viewer
        Whose rights apply: public exports hold people only generalised, without contact.
    out
        Path of the file to write; its suffix must be :func:`output_suffix`.
    progress
        Called with (fraction, message).

    Returns
    -------
    ExportResult
    """
    request = check_request(request)
    out = Path(out)
    suffix = output_suffix(request)
    if out.suffix.lower() != suffix:
        raise InvalidInput(Msg("export.output_file_must_end", suffix=suffix, name=out.name))
    check_folder(out)
    fmt = FORMATS[request.format]
    progress(0.0, Msg("export.reading_from_database"))
    tables = read_layers(
        request.layers,
        viewer=viewer,
        selection=request.selection,
        crs=request.crs,
        geometry=(fmt.geometry,),
        progress=lambda f, m: progress(0.5 * f, m),
    )
    exported_at = dt.datetime.now(KST).replace(microsecond=0)
    progress(0.5, Msg("export.writing", format=Pair(*fmt.label)))
    with tempfile.TemporaryDirectory(prefix=".export-", dir=out.parent) as tmp:
        written = fmt.writer(tables, Path(tmp), WriteOptions(out.stem, request.encoding))
        progress(0.9, Msg("export.packing_2"))
        if suffix == ".zip":
            text = readme.render(
                tables,
                viewer=viewer,
                selection=request.selection,
                exported_at=exported_at,
                files=[p.name for p in written.files],
                formats=[fmt.label[1]],
                encoding=request.encoding if fmt.code == "shp" else None,
                notes=written.notes,
            )
            zip_files(
                out,
                [(p, p.name) for p in written.files],
                {readme.FILE_NAME: text.encode("utf-8-sig")},
            )
            names = [p.name for p in written.files] + [readme.FILE_NAME]
        else:
            shutil.move(written.files[0], out)
            names = [out.name]
    progress(1.0, Msg("common.done"))
    _logger.info(
        "export %s (%s, EPSG:%d): %s",
        out.name,
        request.format,
        request.crs,
        ", ".join(f"{t.spec.name} {t.n}" for t in tables),
    )
    return ExportResult(
        path=out,
        request=request,
        counts={t.spec.name: t.n for t in tables},
        demo_counts={t.spec.name: t.demo_rows for t in tables},
        generalised=sum(t.generalised_rows for t in tables),
        exported_at=exported_at,
        files=names,
        notes=written.notes,
    )
