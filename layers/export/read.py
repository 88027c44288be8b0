"""Read the exportable layers from PostGIS as Arrow tables, in the chosen CRS, as the viewer may.

Every layer is one SQL query run in PostGIS (transform, filters, labels, joins) and streamed
with ``COPY ... TO STDOUT`` as CSV, which Arrow parses in C: no Python object per row. All
layers of one export are read in a single REPEATABLE READ snapshot, so the record counts of
a bundle's README match its files. Resources are read from
:func:`geo.access.resource_source`, so a public export holds people only at their dong's
label point, with no address or contact.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import sqlalchemy as sa

from geo import vocab
from geo.access import Viewer, require_districts, resource_source, source_params
from geo.audit import audit
from geo.db import bulk, connect, transaction
from geo.errors import InvalidInput
from geo.messages import Msg
from geo.progress import Progress, no_progress
from geo.queries import ResourceFilter

Label = tuple[str, str]

#: CRSs offered for export: EPSG code -> (Korean, English) label.
EXPORT_CRS: dict[int, Label] = {
    4326: ("WGS84 경위도 (GPS, 구글어스)", "WGS 84 longitude/latitude"),
    5179: ("Korea 2000 UTM-K 통합좌표계", "Korea 2000 / Unified CS (UTM-K)"),
    5181: ("Korea 2000 중부원점 (카카오맵)", "Korea 2000 / Central Belt"),
    5186: ("Korea 2000 중부원점 2010 (국토정보)", "Korea 2000 / Central Belt 2010"),
}

#: What a reader may ask for besides the attributes: hex WKB geometry, x/y (+ WKT) columns,
#: or the native PostGIS geometry (for SQL clients such as ogr2ogr; not for read_layers).
GEOMETRY_MODES = ("wkb", "xy", "native")


@dataclass(frozen=True)
class Column:
    """One exported attribute: its name, the SQL that computes it, its Arrow type."""

    name: str
    sql: str
    type: pa.DataType = field(default_factory=pa.string)
    label: Label = ("", "")


@dataclass(frozen=True)
class LayerSpec:
    """An exportable layer: where it is read from and what it holds."""

    name: str
    label: Label
    source: Callable[[Viewer], str]
    columns: tuple[Column, ...]
    geometry_type: str  # OGR name: Point, MultiPolygon or Unknown (mixed)
    district_sql: str
    display_field: str
    joins: str = ""
    kind: str | None = None
    is_resources: bool = False


@dataclass(frozen=True)
class Selection:
    """What to export: districts (empty: all of Seoul) and the map pages' resource filter.

    ``resources.district_code``, when set and ``districts`` is empty, selects that district.
    The text, kind and category filters apply to resource layers only, as on the map pages.
    """

    districts: tuple[str, ...] = ()
    resources: ResourceFilter = field(default_factory=ResourceFilter)
    open_conflicts_only: bool = False

    def __post_init__(self) -> None:
        districts = tuple(dict.fromkeys(self.districts))
        if not districts and self.resources.district_code:
            districts = (self.resources.district_code,)
        object.__setattr__(self, "districts", districts)
        object.__setattr__(
            self, "resources", dataclasses.replace(self.resources, district_code=None)
        )


#: Everything: all of Seoul, no resource filter.
EVERYTHING = Selection()


@dataclass
class LayerTable:
    """One layer as read: attributes plus ``geom`` (WKB) and/or ``x``, ``y`` (and ``wkt``)."""

    spec: LayerSpec
    table: pa.Table
    crs: int

    @property
    def n(self) -> int:
        """Number of records."""
        return self.table.num_rows

    @property
    def demo_rows(self) -> int:
        """How many records are demo data."""
        return _count_true(self.table, "is_demo")

    @property
    def generalised_rows(self) -> int:
        """How many people are at a generalised location (public view)."""
        return _count_true(self.table, "location_generalised")

    @property
    def dong_precision_rows(self) -> int:
        """How many resources sit at their address's dong, not at an exact point."""
        if "location_precision" not in self.table.column_names or self.table.num_rows == 0:
            return 0
        return int(
            pc.sum(pc.cast(pc.equal(self.table["location_precision"], "dong"), pa.int64())).as_py()
            or 0
        )

    def attributes(self) -> pa.Table:
        """The attribute columns only (no geometry, no coordinates)."""
        return self.table.select([c.name for c in self.spec.columns])


def _count_true(table: pa.Table, name: str) -> int:
    if name not in table.column_names or table.num_rows == 0:
        return 0
    return int(pc.sum(pc.cast(table[name], pa.int64())).as_py() or 0)


def _case(expr: str, table: dict) -> str:
    """A SQL CASE giving the Korean label of a code (labels are our own constants)."""
    whens = " ".join(
        f"WHEN '{code}' THEN '{ko.replace(chr(39), chr(39) * 2)}'"
        for code, (ko, _en) in table.items()
    )
    return f"CASE {expr} {whens} END"


_AREA_JOINS = (
    " LEFT JOIN districts g ON g.code = r.district_code LEFT JOIN dongs dd ON dd.code = r.dong_code"
)
_AREA_COLUMNS = (
    Column("district_code", "r.district_code", label=("자치구 코드", "District code")),
    Column("district_name", "g.name_ko", label=("자치구", "District")),
    Column("dong_code", "r.dong_code", label=("법정동 코드", "Legal dong code")),
    Column("dong_name", "dd.name_ko", label=("법정동", "Legal dong")),
)
_SOURCE_COLUMNS = (
    Column("source", "r.source", label=("출처", "Source")),
    Column("source_id", "r.source_id", label=("출처 ID", "Source ID")),
    Column("is_demo", "r.is_demo", pa.bool_(), ("데모 데이터 여부", "Demo record")),
)
_RESOURCE_COLUMNS = (
    # Random (migration 0012): no row number, whose order follows people's exact points.
    Column("public_id", "r.public_id::text", label=("공개 ID", "Public ID")),
    Column("kind", "r.kind", label=("유형 코드", "Kind code")),
    Column("kind_ko", _case("r.kind", vocab.KINDS), label=("유형", "Kind (Korean)")),
    Column("category", "r.category", label=("세부 분류 코드", "Category code")),
    Column(
        "category_ko",
        "(SELECT c.label_ko FROM categories c WHERE c.code = r.category)",
        label=("세부 분류", "Category (Korean)"),
    ),
    Column("name", "r.name", label=("이름", "Name")),
    Column("description", "r.description", label=("설명", "Description")),
    Column("address", "r.address", label=("주소", "Address")),
    Column("contact", "r.contact", label=("연락처", "Contact")),
    Column(
        "location_generalised",
        "r.location_generalised",
        pa.bool_(),
        ("위치 일반화 (법정동 대표점)", "Location generalised to the dong"),
    ),
    Column(
        "location_precision",
        "r.location_precision",
        label=(
            "위치 정확도 (exact 정확한 위치, dong 주소의 법정동 대표점)",
            "Location precision (exact, or dong: the label point of the address's dong)",
        ),
    ),
    *_AREA_COLUMNS,
    *_SOURCE_COLUMNS,
    # Provenance of the record (datasets, migration 0011) and the place it is linked to.
    Column("source_title", "ds.title_ko", label=("출처 자료", "Source dataset")),
    Column("publisher", "ds.publisher", label=("게시 기관", "Publisher")),
    Column("edition", "ds.edition", label=("기준일·판", "Date / edition")),
    Column("licence", "ds.licence", label=("이용 조건", "Licence")),
    # The public id of the place's first record (never an internal id: those follow the
    # importer's spatial order).
    Column(
        "place_id",
        "COALESCE((SELECT pr.public_id FROM resources pr WHERE pr.id = rp.place_id),"
        " r.public_id)::text",
        label=("장소 ID (여러 출처의 같은 장소)", "Place id (same place in several sources)"),
    ),
)
#: Joins of a resource layer: areas, the source's dataset, the record's place.
_RESOURCE_JOINS = (
    _AREA_JOINS
    + " LEFT JOIN datasets ds ON ds.source = r.source"
    + " LEFT JOIN resource_places rp"
    + " ON rp.resource_id = (SELECT rr.id FROM resources rr WHERE rr.public_id = r.public_id)"
)


def _resource_layer(kind: str | None) -> LayerSpec:
    label = ("마을자원 (전체)", "Resources (all kinds)")
    if kind:
        ko, en = vocab.KINDS[kind]
        label = (f"마을자원: {ko}", f"Resources: {en}")
    return LayerSpec(
        name=f"resources_{kind}" if kind else "resources",
        label=label,
        source=resource_source,
        columns=_RESOURCE_COLUMNS,
        geometry_type="Point",
        district_sql="r.district_code",
        display_field="name",
        joins=_RESOURCE_JOINS,
        kind=kind,
        is_resources=True,
    )


def _fixed(relation: str) -> Callable[[Viewer], str]:
    return lambda _viewer: relation


LAYERS: dict[str, LayerSpec] = {
    "resources": _resource_layer(None),
    **{f"resources_{k}": _resource_layer(k) for k in vocab.KINDS},
    "program_sites": LayerSpec(
        name="program_sites",
        label=("지원사업 대상지", "Program sites"),
        source=_fixed("active_program_sites"),
        columns=(
            Column("id", "r.id", pa.int64(), ("대상지 ID", "Site ID")),
            Column("name", "r.name", label=("대상지 이름", "Site name")),
            Column("program_no", "r.program_no", pa.int32(), ("사업 연번", "Program number")),
            Column("program_name", "p.name", label=("사업명", "Program")),
            Column("stage", "r.stage", label=("단계 코드", "Stage code")),
            Column("stage_ko", _case("r.stage", vocab.SITE_STAGES), label=("단계", "Stage")),
            Column("year", "r.year", pa.int32(), ("선정 연도", "Year")),
            Column(
                "grant_mkrw", "r.grant_mkrw", pa.float64(), ("지원금 (백만원)", "Grant (M KRW)")
            ),
            *_AREA_COLUMNS,
            *_SOURCE_COLUMNS,
        ),
        geometry_type="Point",
        district_sql="r.district_code",
        display_field="name",
        joins=" JOIN programs p ON p.no = r.program_no" + _AREA_JOINS,
    ),
    "conflict_cases": LayerSpec(
        name="conflict_cases",
        label=("공공갈등 사례", "Conflict cases"),
        source=_fixed("active_conflict_cases"),
        columns=(
            Column("id", "r.id", pa.int64(), ("갈등 ID", "Case ID")),
            Column("title", "r.title", label=("제목", "Title")),
            Column("city_project", "r.city_project", label=("관련 시 사업", "City project")),
            Column("department", "r.department", label=("담당 부서", "Department")),
            Column("conflict_type", "r.conflict_type", label=("유형 코드", "Type code")),
            Column(
                "conflict_type_ko",
                _case("r.conflict_type", vocab.CONFLICT_TYPES),
                label=("갈등 유형", "Type"),
            ),
            Column("stage", "r.stage", label=("단계 코드", "Stage code")),
            Column("stage_ko", _case("r.stage", vocab.CONFLICT_STAGES), label=("단계", "Stage")),
            Column("severity", "r.severity", pa.int32(), ("심각도 1-5", "Severity 1-5")),
            Column(
                "stakeholders",
                "array_to_string(r.stakeholders, '; ')",
                label=("이해관계자 (;로 구분)", "Stakeholders (; separated)"),
            ),
            Column("opened_on", "r.opened_on", pa.date32(), ("시작일", "Opened on")),
            Column("closed_on", "r.closed_on", pa.date32(), ("종결일", "Closed on")),
            *_AREA_COLUMNS,
            *_SOURCE_COLUMNS,
        ),
        geometry_type="Unknown",
        district_sql="r.district_code",
        display_field="title",
        joins=_AREA_JOINS,
    ),
    "districts": LayerSpec(
        name="districts",
        label=("자치구 경계", "District boundaries"),
        source=_fixed("districts"),
        columns=(
            Column("code", "r.code", label=("자치구 코드", "District code")),
            Column("name_ko", "r.name_ko", label=("자치구", "District")),
            Column("name_en", "r.name_en", label=("로마자 이름", "Romanised name")),
            Column("area_km2", "r.area_km2", pa.float64(), ("면적 (km²)", "Area (km²)")),
        ),
        geometry_type="MultiPolygon",
        district_sql="r.code",
        display_field="name_ko",
    ),
    "dongs": LayerSpec(
        name="dongs",
        label=("법정동 경계", "Legal dong boundaries"),
        source=_fixed("dongs"),
        columns=(
            Column("code", "r.code", label=("법정동 코드", "Legal dong code")),
            Column("name_ko", "r.name_ko", label=("법정동", "Legal dong")),
            Column("district_code", "r.district_code", label=("자치구 코드", "District code")),
            Column("district_name", "g.name_ko", label=("자치구", "District")),
            Column("area_km2", "r.area_km2", pa.float64(), ("면적 (km²)", "Area (km²)")),
        ),
        geometry_type="MultiPolygon",
        district_sql="r.district_code",
        display_field="name_ko",
        joins=" JOIN districts g ON g.code = r.district_code",
    ),
}

#: The layers of a district bundle, in order.
BUNDLE_LAYERS: tuple[str, ...] = (
    "resources",
    "program_sites",
    "conflict_cases",
    "districts",
    "dongs",
)


def layer_spec(name: str) -> LayerSpec:
    """The layer called ``name``; a user-safe error for an unknown one."""
    try:
        return LAYERS[name]
    except KeyError:
        raise InvalidInput(
            Msg("export.unknown_layer", name=name, names=", ".join(LAYERS))
        ) from None


def check_crs(crs: int | str) -> int:
    """The EPSG code ``crs`` as an int, if it is offered for export."""
    text = str(crs).upper().removeprefix("EPSG:")
    if not text.isdigit() or int(text) not in EXPORT_CRS:
        raise InvalidInput(
            Msg(
                "export.unsupported_crs",
                crs=crs,
                names=", ".join(f"EPSG:{c}" for c in EXPORT_CRS),
            )
        )
    return int(text)


def layer_sql(
    spec: LayerSpec,
    *,
    viewer: Viewer,
    selection: Selection = EVERYTHING,
    crs: int = 4326,
    geometry: Iterable[str] = ("wkb",),
) -> tuple[str, dict]:
    """The SELECT that reads ``spec`` (SQLAlchemy ``:name`` parameters) and its parameters.

    Geometry is transformed in PostGIS; ``wkb`` adds a hex WKB column ``geom``, ``xy`` adds
    ``x``, ``y`` (the point, or a point on the surface of an area) and, for layers that
    are not points, ``wkt``; ``native`` adds the PostGIS geometry as ``geom``.
    """
    crs = check_crs(crs)
    modes = set(geometry)
    if not modes or modes - set(GEOMETRY_MODES):
        raise ValueError(f"geometry must be among {GEOMETRY_MODES}")
    g = "r.geom" if crs == 4326 else f"ST_Transform(r.geom, {crs})"
    selects = [f"{c.sql} AS {c.name}" for c in spec.columns]
    if "wkb" in modes:
        selects.append(f"encode(ST_AsBinary({g}), 'hex') AS geom")
    if "native" in modes:
        selects.append(f"{g} AS geom")
    if "xy" in modes:
        point = g if spec.geometry_type == "Point" else f"ST_PointOnSurface({g})"
        selects += [f"ST_X({point}) AS x", f"ST_Y({point}) AS y"]
        if spec.geometry_type != "Point":
            selects.append(f"ST_AsText({g}) AS wkt")
    clauses: list[str] = ["true"]
    params: dict[str, Any] = {}
    if selection.districts:
        clauses.append(f"{spec.district_sql} = ANY(:districts)")
        params["districts"] = list(selection.districts)
    if spec.is_resources:
        # Every source record is exported (with its place_id), not one per place.
        flt = dataclasses.replace(selection.resources, one_per_place=False)
        where, flt_params = flt.where()
        clauses.append(where)
        params |= flt_params | source_params(viewer)
        if spec.kind:
            clauses.append("r.kind = :layer_kind")
            params["layer_kind"] = spec.kind
    if spec.name == "conflict_cases" and selection.open_conflicts_only:
        clauses.append("r.stage <> 'closed'")
    key = spec.columns[0].sql
    sql = (
        f"SELECT {', '.join(selects)} FROM {spec.source(viewer)} r{spec.joins} "
        f"WHERE {' AND '.join(clauses)} ORDER BY {key}"
    )
    return sql, params


def _schema(spec: LayerSpec, modes: set[str]) -> list[tuple[str, pa.DataType]]:
    cols = [(c.name, c.type) for c in spec.columns]
    if "wkb" in modes:
        cols.append(("geom", pa.string()))
    if "xy" in modes:
        cols += [("x", pa.float64()), ("y", pa.float64())]
        if spec.geometry_type != "Point":
            cols.append(("wkt", pa.string()))
    return cols


def _hex_to_wkb(col: pa.ChunkedArray) -> pa.Array:
    """Hex text to binary WKB in one C call over the whole column (no per-row Python)."""
    arr = col.combine_chunks()
    n = len(arr)
    if n == 0:
        return pa.array([], pa.binary())
    _validity, offsets, data = arr.buffers()
    dtype = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offs = np.frombuffer(offsets, dtype=dtype, count=n + 1, offset=arr.offset * dtype().itemsize)
    raw = bytes.fromhex(memoryview(data)[offs[0] : offs[-1]].tobytes().decode("ascii"))
    new_offsets = ((offs - offs[0]) // 2).astype(dtype)
    binary_type = pa.large_binary() if dtype is np.int64 else pa.binary()
    return pa.Array.from_buffers(
        binary_type, n, [None, pa.py_buffer(new_offsets), pa.py_buffer(raw)]
    )


def _parse(data: bytes, schema: list[tuple[str, pa.DataType]]) -> pa.Table:
    names = [n for n, _ in schema]
    if not data:
        return pa.table({n: pa.array([], t) for n, t in schema})
    return pcsv.read_csv(
        io.BytesIO(data),
        read_options=pcsv.ReadOptions(column_names=names, block_size=1 << 24),
        parse_options=pcsv.ParseOptions(newlines_in_values=True),
        convert_options=pcsv.ConvertOptions(
            column_types=dict(schema),
            # PostgreSQL CSV: NULL is an unquoted empty field, '' a quoted one.
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
            true_values=["t"],
            false_values=["f"],
        ),
    )


def _copy(conn: sa.Connection, sql: str, params: dict) -> bytes:
    compiled = sa.text(sql).bindparams(**params).compile(dialect=conn.dialect) if params else None
    statement = str(compiled) if compiled is not None else sql
    raw = conn.connection.driver_connection  # psycopg: COPY streams without per-row objects
    assert raw is not None  # an open connection
    buf = io.BytesIO()
    with (
        raw.cursor() as cur,
        cur.copy(
            f"COPY ({statement}) TO STDOUT WITH (FORMAT csv)",
            dict(compiled.params) if compiled is not None else None,
        ) as copy,
    ):
        for chunk in copy:
            buf.write(chunk)
    return buf.getvalue()


def read_layers(
    names: Sequence[str],
    *,
    viewer: Viewer,
    selection: Selection = EVERYTHING,
    crs: int = 4326,
    geometry: Iterable[str] = ("wkb",),
    progress: Progress = no_progress,
) -> list[LayerTable]:
    """Read layers ``names`` as ``viewer`` may see them, all in one database snapshot.

    A district officer reads their own district only (asking for all of Seoul gives their
    district; another district is refused). Every read is an export: it is written to the
    audit log with the number of records.

    Parameters
    ----------
    names
        Keys of :data:`LAYERS`.
    selection
        Districts and resource filters.
    crs
        EPSG code from :data:`EXPORT_CRS`; geometries are transformed in PostGIS.
    geometry
        ``"wkb"`` (a binary ``geom`` column) and/or ``"xy"`` (``x``, ``y``, ``wkt``).

    Returns
    -------
    list of LayerTable
        In the order of ``names``.
    """
    specs = [layer_spec(n) for n in names]
    selection = dataclasses.replace(
        selection, districts=require_districts(viewer, "export", selection.districts)
    )
    crs = check_crs(crs)
    modes = set(geometry)
    if not modes or modes - {"wkb", "xy"}:
        raise ValueError("read_layers reads geometry as 'wkb' and/or 'xy'")
    out = []
    with connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        conn.execute(sa.text("SET TRANSACTION READ ONLY"))
        bulk(conn)
        conn.execute(sa.text("SET LOCAL DateStyle = ISO"))
        conn.execute(sa.text("SET LOCAL extra_float_digits = 1"))  # shortest exact floats
        for i, spec in enumerate(specs):
            progress(i / len(specs), spec.name)
            sql, params = layer_sql(
                spec, viewer=viewer, selection=selection, crs=crs, geometry=modes
            )
            table = _parse(_copy(conn, sql, params), _schema(spec, modes))
            if "wkb" in modes:
                index = table.schema.get_field_index("geom")
                table = table.set_column(index, "geom", _hex_to_wkb(table["geom"]))
            out.append(LayerTable(spec, table, crs))
        conn.rollback()
    with transaction() as conn:
        audit(
            conn,
            viewer,
            "export",
            target=",".join(names),
            records=sum(t.n for t in out),
            detail={"districts": list(selection.districts), "crs": crs},
        )
    progress(1.0, "read")
    return out
