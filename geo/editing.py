"""Staff edits: add, change, retire and restore resources, program sites and conflict cases.

Every function takes the current :class:`~geo.access.Viewer` and checks it against
:data:`geo.access.RIGHTS` before touching a row: a district officer may only write records
that are, and stay, in their own district; planners and the public may not write at all.
Writes run in one transaction that names the actor for the history triggers
(``change_history``: who, when, old and new values) and appends an audit log entry.
Values only ever reach SQL as bind parameters; column names come from :data:`EDITABLE`.

Conflict cases are added through :func:`geo.conflicts.add_case` (which also records the
first stage) and move stage through :func:`geo.conflicts.move_stage`; their other fields are
edited here.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from geo import vocab
from geo.access import Viewer, require
from geo.areas import locate
from geo.audit import audit
from geo.auth import check_account
from geo.db import connect, transaction
from geo.errors import InvalidInput, NotFound, user_text
from geo.messages import Joined, Msg
from geo.models import Base
from geo.vocab import Label

#: ``source`` of records added by hand (each gets a random ``source_id``).
EDITOR_SOURCE = "editor"
MAX_TEXT = 2000
#: A location closer than this to the record's own (about 0.1 m) leaves the geometry alone.
MOVE_TOLERANCE_DEG = 1e-6


@dataclass(frozen=True)
class EditField:
    """One editable column: how it is entered and checked.

    ``kind`` is ``text``, ``longtext``, ``choice`` (codes of ``choices``), ``int``,
    ``number``, ``date`` or ``list`` (a text array, entered comma-separated).
    """

    name: str
    label: Label
    kind: str = "text"
    required: bool = False
    choices: Callable[[], Mapping] | None = None
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class Editable:
    """A table staff may edit: its fields and the field that names a record."""

    table: str
    label: Label
    title_field: str
    fields: tuple[EditField, ...]

    def field(self, name: str) -> EditField:
        """The field called ``name``."""
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


def _program_choices() -> dict[int, Label]:
    with connect() as conn:
        rows = conn.execute(sa.text("SELECT no, name FROM programs ORDER BY no")).all()
    return {int(no): (f"{no}. {name}", f"{no}. {name}") for no, name in rows}


def _this_year() -> int:
    return dt.date.today().year


#: The editable tables (a dispatch table: pages and checks read it, never hard-code fields).
EDITABLE: dict[str, Editable] = {
    "resources": Editable(
        "resources",
        ("지역자원", "Resources"),
        "name",
        (
            EditField("name", ("이름", "Name"), required=True),
            EditField("kind", ("유형", "Kind"), "choice", True, lambda: vocab.KINDS),
            EditField("category", ("분류", "Category"), "choice", True, vocab.all_categories),
            EditField("description", ("설명", "Description"), "longtext"),
            EditField("address", ("주소", "Address")),
            EditField("contact", ("연락처", "Contact")),
            EditField(
                "visibility", ("공개 범위", "Visibility"), "choice", True, lambda: vocab.VISIBILITY
            ),
        ),
    ),
    "program_sites": Editable(
        "program_sites",
        ("지원사업 대상지", "Program sites"),
        "name",
        (
            EditField("name", ("이름", "Name"), required=True),
            EditField("program_no", ("사업", "Program"), "choice", True, _program_choices),
            EditField("stage", ("단계", "Stage"), "choice", True, lambda: vocab.SITE_STAGES),
            EditField("year", ("연도", "Year"), "int", True, minimum=2012, maximum=2100),
            EditField(
                "grant_mkrw", ("지원액 (백만원)", "Grant (million KRW)"), "number", True, minimum=0
            ),
        ),
    ),
    "conflict_cases": Editable(
        "conflict_cases",
        ("갈등 사례", "Conflict cases"),
        "title",
        (
            EditField("title", ("제목", "Title"), required=True),
            EditField("city_project", ("시 사업", "City project"), required=True),
            EditField("department", ("담당 부서", "Department"), required=True),
            EditField(
                "conflict_type", ("갈등 유형", "Type"), "choice", True, lambda: vocab.CONFLICT_TYPES
            ),
            EditField("severity", ("심각도", "Severity"), "choice", True, lambda: vocab.SEVERITY),
            EditField("stakeholders", ("이해관계자", "Stakeholders"), "list"),
            EditField("opened_on", ("시작일", "Opened on"), "date", True),
        ),
    ),
}


def editable(table: str) -> Editable:
    """The :class:`Editable` for ``table``; anything else is refused."""
    try:
        return EDITABLE[table]
    except KeyError:
        raise InvalidInput(Msg("editing.not_editable", table=table)) from None


def _clean(f: EditField, value) -> tuple[object, Msg | None]:
    """``value`` as stored for ``f``, or a problem."""
    if isinstance(value, str):
        value = value.strip()
        if "\x00" in value:
            return None, Msg("editing.contains_nul_character", name=f.name)
    if value is None or value == "" or value == []:
        empty: list[str] | None = [] if f.kind == "list" else None
        return empty, (Msg("editing.required", name=f.name) if f.required else None)
    if f.kind in ("text", "longtext"):
        if len(str(value)) > MAX_TEXT:
            return None, Msg("editing.most_characters", name=f.name, max_len=MAX_TEXT)
        return str(value), None
    if f.kind == "choice":
        codes = f.choices() if f.choices is not None else {}
        if value not in codes:
            return None, Msg("editing.not_a_choice", field=f.name, value=value)
        return value, None
    if f.kind == "list":
        items = value.split(",") if isinstance(value, str) else list(value)
        if any("\x00" in str(s) for s in items):
            return None, Msg("editing.contains_nul_character", name=f.name)
        return [str(s).strip() for s in items if str(s).strip()], None
    if f.kind == "date":
        try:
            day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        except ValueError:
            return None, Msg("editing.date_yyyy_mm_dd", name=f.name)
        if day > dt.date.today():
            return None, Msg("editing.future", name=f.name)
        return day, None
    try:
        number = int(value) if f.kind == "int" else float(value)
    except (TypeError, ValueError):
        return None, Msg("editing.not_number", name=f.name)
    if (f.minimum is not None and number < f.minimum) or (
        f.maximum is not None and number > f.maximum
    ):
        upper = f" - {f.maximum:g}" if f.maximum is not None else Msg("editing.or_more")
        return None, Msg("editing.range", field=f.name, minimum=f.minimum, upper=upper)
    return number, None


def check_values(table: str, values: Mapping) -> dict:
    """The stored form of ``values`` for ``table``; every problem at once as InvalidInput."""
    spec = editable(table)
    unknown = set(values) - {f.name for f in spec.fields}
    if unknown:
        raise InvalidInput(Msg("editing.unknown_fields", names=", ".join(sorted(unknown))))
    clean, problems = {}, []
    for f in spec.fields:
        value, problem = _clean(f, values.get(f.name))
        if problem:
            problems.append(problem)
        clean[f.name] = value
    if (
        table == "resources"
        and not problems
        and clean["category"] not in vocab.categories_of(str(clean["kind"]))
    ):
        problems.append(
            Msg("editing.category_not_of_kind", category=clean["category"], kind=clean["kind"])
        )
    if problems:
        raise InvalidInput(Msg("editing.cannot_save", problems=Joined(tuple(problems))))
    return clean


def _point(lon, lat) -> tuple[float, float]:
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        raise InvalidInput(Msg("editing.choose_location_map")) from None
    if not (124.0 <= x <= 132.0 and 33.0 <= y <= 39.0):
        raise InvalidInput(Msg("common.place_outside_seoul"))
    return x, y


def _begin(conn: sa.Connection, viewer: Viewer) -> None:
    check_account(conn, viewer)  # deactivated or demoted since signing in: refused
    conn.execute(
        sa.text("SELECT set_config('maeul.actor', :a, true)"), {"a": viewer.username or "?"}
    )


def _locked(conn: sa.Connection, table: str, record_id: int) -> sa.RowMapping:
    row = (
        conn.execute(
            sa.text(f"SELECT * FROM {table} WHERE id = :id FOR UPDATE"), {"id": int(record_id)}
        )
        .mappings()
        .one_or_none()
    )
    if row is None:
        raise NotFound(Msg("editing.no_such_record", table=table, record_id=record_id))
    return row


def _place(conn: sa.Connection, viewer: Viewer, x: float, y: float) -> dict:
    """District and dong of the point; refuse outside Seoul or outside the viewer's district."""
    district, dong = locate(conn, x, y)
    if district is None:
        raise InvalidInput(Msg("common.place_outside_seoul"))
    require(viewer, "edit", district)
    return {"district_code": district, "dong_code": dong}


def save_record(
    viewer: Viewer,
    table: str,
    values: Mapping,
    *,
    lon: float,
    lat: float,
    record_id: int | None = None,
) -> int:
    """Add a record (``record_id=None``) or change one; return its id.

    District and dong always come from the point (spatial join). A district officer may
    only change records of their district and only place them inside it. Saving an
    unchanged record writes nothing.

    Raises
    ------
    Forbidden, NotFound, InvalidInput
    """
    require(viewer, "edit")
    editable(table)
    if record_id is None and table == "conflict_cases":
        raise InvalidInput(Msg("editing.add_conflict_cases_conflicts"))
    clean = check_values(table, values)
    x, y = _point(lon, lat)
    try:
        return _save(viewer, table, clean, x, y, record_id)
    except sa.exc.IntegrityError as exc:  # a table constraint (e.g. dates) refused the values
        raise InvalidInput(
            Msg("editing.values_contradict_each_other"),
            detail=str(exc.orig).splitlines()[0],
        ) from exc


def _table(name: str) -> sa.Table:
    """The model table of an editable record type: a renamed column fails loudly here."""
    return Base.metadata.tables[name]


def _save(viewer: Viewer, table: str, clean: dict, x: float, y: float, record_id) -> int:
    names = [f.name for f in EDITABLE[table].fields]
    t = _table(table)
    point = sa.func.ST_SetSRID(sa.func.ST_MakePoint(x, y), 4326)
    with transaction() as conn:
        _begin(conn, viewer)
        area = _place(conn, viewer, x, y)
        if record_id is None:
            values = {n: clean[n] for n in names} | area
            record_id = conn.execute(
                sa.insert(t)
                .values(**values, geom=point, source=EDITOR_SOURCE, source_id=uuid.uuid4().hex)
                .returning(t.c.id)
            ).scalar_one()
            audit(conn, viewer, "add", target=f"{table}#{record_id}", records=1)
            return int(record_id)
        old = _locked(conn, table, record_id)
        require(viewer, "edit", old["district_code"])
        # The form shows the record's point (a shape's point on surface) to 6 decimals: a
        # location within 1e-6 degrees of it is "not moved", so a conflict area keeps its
        # shape and a save does not nudge a point by the rounding.
        moved = conn.execute(
            sa.select(
                ~sa.func.ST_DWithin(sa.func.ST_PointOnSurface(t.c.geom), point, MOVE_TOLERANCE_DEG)
            ).where(t.c.id == record_id)
        ).scalar_one()
        changed = [n for n in names if _differs(old[n], clean[n])]
        if not changed and not moved:
            return int(record_id)
        sets = {n: clean[n] for n in changed}
        if moved:
            sets |= {"geom": point} | area
            if table == "resources":
                # A point staff placed is exact, even on a record imported at its dong.
                sets["location_precision"] = "exact"
        conn.execute(
            sa.update(t).where(t.c.id == record_id).values(**sets, updated_at=sa.func.now())
        )
        audit(
            conn,
            viewer,
            "edit",
            target=f"{table}#{record_id}",
            records=1,
            detail={"fields": changed + (["geom"] if moved else [])},
        )
    return int(record_id)


def _differs(old, new) -> bool:
    if isinstance(new, float) and old is not None:
        return abs(float(old) - new) > 1e-9
    if isinstance(new, list):
        return list(old or []) != new
    return old != new


def retire_record(viewer: Viewer, table: str, record_id: int, *, restore: bool = False) -> None:
    """Retire a record (it leaves public views and analyses), or restore it.

    Nothing is deleted: the row stays, with its history. Retiring twice is refused.

    Raises
    ------
    Forbidden, NotFound, InvalidInput
    """
    require(viewer, "edit")
    editable(table)
    with transaction() as conn:
        _begin(conn, viewer)
        row = _locked(conn, table, record_id)
        require(viewer, "edit", row["district_code"])
        if (row["retired_at"] is not None) != restore:
            raise InvalidInput(
                Msg("editing.already_retired") if not restore else Msg("editing.record_not_retired")
            )
        t = _table(table)
        conn.execute(
            sa.update(t)
            .where(t.c.id == int(record_id))
            .values(
                retired_at=None if restore else sa.func.now(),
                retired_by=None if restore else viewer.username,
                updated_at=sa.func.now(),
            )
        )
        audit(
            conn,
            viewer,
            "restore" if restore else "retire",
            target=f"{table}#{record_id}",
            records=1,
        )


def get_record(viewer: Viewer, table: str, record_id: int) -> dict:
    """One record as the edit form shows it: its fields, ``lon``/``lat``, district, retired."""
    require(viewer, "edit")
    spec = editable(table)
    names = ", ".join(f.name for f in spec.fields)
    with connect() as conn:
        row = (
            conn.execute(
                sa.text(
                    f"""SELECT id, {names}, ST_X(ST_PointOnSurface(geom)) AS lon,
                           ST_Y(ST_PointOnSurface(geom)) AS lat, district_code, dong_code,
                           source, retired_at, retired_by, updated_at
                    FROM {table} WHERE id = :id"""
                ),
                {"id": int(record_id)},
            )
            .mappings()
            .one_or_none()
        )
    if row is None:
        raise NotFound(Msg("editing.no_such_record", table=table, record_id=record_id))
    require(viewer, "edit", row["district_code"])
    return dict(row)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def find_records(
    viewer: Viewer,
    table: str,
    *,
    text: str = "",
    include_retired: bool = False,
    limit: int = 200,
) -> pd.DataFrame:
    """Records the viewer may edit (a district officer: their district), newest first,
    with the title of their source (records of one place from several sources share a
    name: the source tells them apart).

    ``text`` matches the name or title anywhere (``%`` and ``_`` are taken literally).
    """
    require(viewer, "edit")
    spec = editable(table)
    conds = ["true"]
    params: dict = {"limit": int(limit)}
    if viewer.role == "district_officer":
        conds.append("t.district_code = :district")
        params["district"] = viewer.district_code
    if user_text(text, Msg("common.search_text")).strip():
        conds.append(f"t.{spec.title_field} ILIKE :q")
        params["q"] = _like(text.strip())
    if not include_retired:
        conds.append("t.retired_at IS NULL")
    with connect() as conn:
        return pd.read_sql(
            sa.text(
                f"""SELECT t.id, t.{spec.title_field} AS title, d.name_ko AS district,
                           t.retired_at IS NOT NULL AS retired, t.updated_at,
                           COALESCE(s.title_ko, t.source) AS source_ko,
                           COALESCE(s.title_en, t.source) AS source_en
                    FROM {table} t LEFT JOIN districts d ON d.code = t.district_code
                         LEFT JOIN datasets s ON s.source = t.source
                    WHERE {" AND ".join(conds)}
                    ORDER BY t.updated_at DESC, t.id DESC LIMIT :limit"""
            ),
            conn,
            params=params,
        )


def _show(value) -> str:
    if isinstance(value, dict) and value.get("type") == "Point":
        x, y = value["coordinates"]
        return f"{y:.6f}, {x:.6f}"
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


#: Columns kept out of the history table (derived or bookkeeping).
_HIDDEN = {"pub_geom", "updated_at", "created_at", "id"}


def _import_run(conn: sa.Connection, table: str, record_id: int) -> sa.Row | None:
    """The import run that created a resource (None for other records)."""
    if table != "resources":
        return None
    return conn.execute(
        sa.text(
            """SELECT i.id, i.imported_at, i.actor, i.file_name, i.file_sha256
               FROM resources r JOIN import_runs i ON i.id = r.import_run WHERE r.id = :id"""
        ),
        {"id": int(record_id)},
    ).one_or_none()


def record_history(viewer: Viewer, table: str, record_id: int) -> pd.DataFrame:
    """Every change of a record, a row per changed field: when, who, what, old, new.

    A resource an import created starts with one ``IMPORT`` row naming the run (number,
    file, sha256): the run is its insert history (migration 0013).

    The history holds exact points and contacts, so it is shown only to those who may see
    them for the record's district.
    """
    editable(table)
    with connect() as conn:
        district = conn.execute(
            sa.text(f"SELECT district_code FROM {table} WHERE id = :id"), {"id": int(record_id)}
        ).one_or_none()
        if district is None:
            raise NotFound(Msg("editing.no_such_record", table=table, record_id=record_id))
        require(viewer, "contact", district[0])
        rows = conn.execute(
            sa.text(
                """SELECT changed_at, changed_by, operation, old_values, new_values
                   FROM change_history WHERE table_name = :t AND record_id = :id
                   ORDER BY id"""
            ),
            {"t": table, "id": int(record_id)},
        ).all()
        run = _import_run(conn, table, record_id)
    out = []
    if run is not None:  # created by an import: its run is its insert history (0013)
        sha = f" sha256 {run.file_sha256[:12]}" if run.file_sha256 else ""
        out.append(
            (
                run.imported_at,
                run.actor,
                "IMPORT",
                "import_run",
                "",
                f"#{run.id} {run.file_name}{sha}",
            )
        )
    for at, who, op, old, new in rows:
        old, new = old or {}, new or {}
        for key in sorted(set(old) | set(new), key=lambda k: (k != "geom", k)):
            if key in _HIDDEN or (key not in old and new.get(key) is None):
                continue
            out.append((at, who, op, key, _show(old.get(key)), _show(new.get(key))))
    return pd.DataFrame(
        out, columns=["changed_at", "changed_by", "operation", "field", "old", "new"]
    )
