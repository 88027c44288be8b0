"""The conflict register: list and open cases, add them, move them through the plan's stages.

Cases follow the process of the plan (seed section 3, :data:`geo.vocab.CONFLICT_STAGES`):
사전 대응계획 → 갈등영향분석 → 검토회의 → 조정협의회 → 합의·종결. Every move is a row of
``conflict_stage_events`` (date and who), and the case's own update is recorded by the
history trigger with the same actor (``maeul.actor``). Only staff write. Early warning finds
program sites and planned projects (cases still at the prevention-plan stage) within a
distance of an active conflict, in PostGIS on the spheroid (geography).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import geopandas as gpd
import pandas as pd
import shapely
import sqlalchemy as sa
from shapely.geometry.base import BaseGeometry

from geo import vocab
from geo.access import Viewer, allowed, require
from geo.areas import assign_areas
from geo.auth import check_account
from geo.db import connect, transaction
from geo.errors import Forbidden, InvalidInput, NotFound
from geo.filters import Condition, Filter, any_of, check_codes, check_texts
from geo.messages import Joined, Msg

#: Source name of cases entered through the register.
REGISTER_SOURCE = "register"
#: Stages in which a conflict is active (neither only planned nor closed).
ACTIVE_STAGES: tuple[str, ...] = ("impact_analysis", "review_meeting", "mediation_council")
#: The stage of planned projects where conflict is expected (monitored by early warning).
PLANNED_STAGE = "prevention_plan"
#: Largest report file stored in the database.
MAX_REPORT_BYTES = 20 * 1024 * 1024
#: Report files accepted, by extension -> media type.
REPORT_TYPES: dict[str, str] = {
    ".pdf": "application/pdf",
    ".hwp": "application/x-hwp",
    ".hwpx": "application/hwp+zip",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".doc": "application/msword",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".zip": "application/zip",
}
#: Farthest early-warning distance a user may ask for, in metres.
MAX_WARNING_DISTANCE_M = 5000.0

_STAGE_ORDER = {code: i for i, code in enumerate(vocab.CONFLICT_STAGES)}


class StaffOnly(Forbidden):
    """A write was attempted by a viewer whose role may not edit (public, planner)."""

    key = "conflicts.staff_only"


@dataclass(frozen=True)
class ConflictFilter(Filter):
    """What the register is filtered by; empty means everything.

    ``start``/``end`` select cases active at some time in the period: opened on or before
    ``end`` and not closed before ``start``.
    """

    districts: Sequence[str] = ()
    types: Sequence[str] = ()
    stages: Sequence[str] = ()
    severities: Sequence[int] = ()
    departments: Sequence[str] = ()
    start: dt.date | None = None
    end: dt.date | None = None

    def check(self) -> None:
        """Known codes, bindable names, severities as numbers, a period in order."""
        check_codes(self.types, vocab.CONFLICT_TYPES, "conflict type")
        check_codes(self.stages, vocab.CONFLICT_STAGES, "stage")
        check_codes(self.severities, vocab.SEVERITY, "severity")
        check_texts([*self.districts, *self.departments], "districts/departments")
        if self.start and self.end and self.start > self.end:
            raise InvalidInput(Msg("conflicts.period_starts_after_ends"))

    def conditions(self, **_: Any) -> Iterator[Condition]:
        """SQL conditions over alias ``c``."""
        yield from any_of("c.district_code", "districts", self.districts)
        yield from any_of("c.conflict_type", "types", self.types)
        yield from any_of("c.stage", "stages", self.stages)
        yield from any_of("c.severity", "severities", [int(s) for s in self.severities])
        yield from any_of("c.department", "departments", self.departments)
        if self.end:
            yield "c.opened_on <= :end", {"end": self.end}
        if self.start:
            yield "(c.closed_on IS NULL OR c.closed_on >= :start)", {"start": self.start}


def _read_gdf(sql: str, params: dict) -> gpd.GeoDataFrame:
    with connect() as conn:
        return gpd.read_postgis(sa.text(sql), conn, geom_col="geom", params=params)


def register(flt: ConflictFilter = ConflictFilter()) -> gpd.GeoDataFrame:
    """Conflict cases matching ``flt``, newest first, with district and dong names.

    Columns: ``id, title, city_project, department, conflict_type, stage, severity,
    stakeholders, opened_on, closed_on, district_code, district_name, dong_name, is_demo,
    reports, geom`` (the case's point or area, EPSG:4326).
    """
    where, params = flt.where()
    return _read_gdf(
        f"""SELECT c.id, c.title, c.city_project, c.department, c.conflict_type, c.stage,
                   c.severity, c.stakeholders, c.opened_on, c.closed_on, c.district_code,
                   g.name_ko AS district_name, d.name_ko AS dong_name, c.is_demo,
                   (SELECT count(*) FROM conflict_reports r WHERE r.case_id = c.id) AS reports,
                   c.geom
            FROM active_conflict_cases c
            LEFT JOIN districts g ON g.code = c.district_code
            LEFT JOIN dongs d ON d.code = c.dong_code
            WHERE {where}
            ORDER BY c.opened_on DESC, c.id DESC""",
        params,
    )


def departments() -> list[str]:
    """Departments that have cases, in Korean sort order (for the filter)."""
    with connect() as conn:
        return list(
            conn.execute(
                sa.text("SELECT DISTINCT department FROM active_conflict_cases ORDER BY department")
            ).scalars()
        )


@dataclass
class CaseDetail:
    """One case as the case view shows it."""

    case: pd.Series
    geom: BaseGeometry
    history: pd.DataFrame
    reports: pd.DataFrame = field(default_factory=pd.DataFrame)


def case_detail(case_id: int) -> CaseDetail:
    """The case ``case_id`` with its stage history (oldest first) and its reports.

    Raises
    ------
    NotFound
        No such case.
    """
    cases = _read_gdf(
        """SELECT c.id, c.title, c.city_project, c.department, c.conflict_type, c.stage,
                  c.severity, c.stakeholders, c.opened_on, c.closed_on, c.district_code,
                  g.name_ko AS district_name, g.name_en AS district_name_en,
                  d.name_ko AS dong_name, c.source, c.is_demo, c.geom
           FROM active_conflict_cases c
           LEFT JOIN districts g ON g.code = c.district_code
           LEFT JOIN dongs d ON d.code = c.dong_code
           WHERE c.id = :id""",
        {"id": int(case_id)},
    )
    if cases.empty:
        raise NotFound(Msg("conflicts.no_such_conflict_case", case_id=case_id))
    with connect() as conn:
        history = pd.read_sql(
            sa.text(
                """SELECT stage, entered_on, changed_by, note FROM conflict_stage_events
                   WHERE case_id = :id ORDER BY entered_on, id"""
            ),
            conn,
            params={"id": int(case_id)},
        )
        reports = pd.read_sql(
            sa.text(
                """SELECT id, url, file_name, media_type, octet_length(content) AS size_bytes,
                          added_by, added_at
                   FROM conflict_reports WHERE case_id = :id ORDER BY added_at DESC, id DESC"""
            ),
            conn,
            params={"id": int(case_id)},
        )
    history["note"] = history["note"].astype(object).where(history["note"].notna(), None)
    row = cases.iloc[0]
    return CaseDetail(case=row.drop("geom"), geom=row["geom"], history=history, reports=reports)


def report_file(report_id: int) -> tuple[str, str, bytes]:
    """File name, media type and bytes of a stored report file."""
    with connect() as conn:
        row = conn.execute(
            sa.text(
                "SELECT file_name, media_type, content FROM conflict_reports "
                "WHERE id = :id AND content IS NOT NULL"
            ),
            {"id": int(report_id)},
        ).one_or_none()
    if row is None:
        raise NotFound(Msg("conflicts.no_such_report_file", report_id=report_id))
    return row[0], row[1], bytes(row[2])


# --------------------------------------------------------------------------- writes


def _actor(viewer: Viewer) -> str:
    """The username recorded for ``viewer``'s writes; refuse anyone who may not edit."""
    if not allowed(viewer, "edit") or not (viewer.username or "").strip():
        raise StaffOnly(detail=f"role={viewer.role}")
    return (viewer.username or "").strip()


def _case_district(conn: sa.Connection, case_id: int) -> str | None:
    row = conn.execute(
        sa.text("SELECT district_code FROM conflict_cases WHERE id = :id FOR UPDATE"),
        {"id": int(case_id)},
    ).one_or_none()
    if row is None:
        raise NotFound(Msg("conflicts.no_such_conflict_case", case_id=case_id))
    return row[0]


def _begin_write(conn: sa.Connection, actor: str) -> None:
    # SET LOCAL maeul.actor, as a bind parameter: the history trigger records who.
    conn.execute(sa.text("SELECT set_config('maeul.actor', :actor, true)"), {"actor": actor})


@dataclass(frozen=True)
class NewCase:
    """A case to add: where (point or area, EPSG:4326) and what."""

    title: str
    city_project: str
    department: str
    conflict_type: str
    severity: int
    geometry: BaseGeometry
    opened_on: dt.date
    stakeholders: Sequence[str] = ()
    stage: str = PLANNED_STAGE
    note: str | None = None

    def problems(self) -> list[Msg | str]:
        """Every reason the case cannot be stored (empty when it can)."""
        out: list[Msg | str] = []
        for name in ("title", "city_project", "department"):
            if not str(getattr(self, name) or "").strip():
                out.append(Msg("conflicts.empty", name=name))
        if self.conflict_type not in vocab.CONFLICT_TYPES:
            out.append(f"conflict_type: {self.conflict_type!r}")
        if self.stage not in vocab.CONFLICT_STAGES or self.stage == "closed":
            out.append(Msg("conflicts.stage_not_closed", stage=self.stage))
        if self.severity not in vocab.SEVERITY:
            out.append(f"severity: {self.severity!r} (1-5)")
        geom = self.geometry
        if geom is None or geom.is_empty or not geom.is_valid:
            out.append(Msg("conflicts.geometry_invalid"))
        elif geom.geom_type not in ("Point", "Polygon", "MultiPolygon"):
            out.append(f"geometry: {geom.geom_type}")
        if self.opened_on > dt.date.today():
            out.append(Msg("conflicts.opened_future"))
        return out


def add_case(viewer: Viewer, case: NewCase) -> int:
    """Store ``case`` and its first stage event; return its id.

    District and dong come from the geometry (spatial join); a place outside Seoul is
    refused. The first event is dated ``opened_on`` and recorded as made by the viewer.

    Raises
    ------
    StaffOnly
        ``viewer`` is not staff with a username.
    InvalidInput
        Any field is unusable (all problems listed at once).
    """
    actor = _actor(viewer)
    problems = case.problems()
    if problems:
        raise InvalidInput(Msg("conflicts.cannot_store", problems=Joined(tuple(problems))))
    with transaction() as conn:
        check_account(conn, viewer)
        _begin_write(conn, actor)
        case_id = conn.execute(
            sa.text(
                """INSERT INTO conflict_cases (title, city_project, department, geom,
                       conflict_type, stage, severity, stakeholders, opened_on, source,
                       source_id, is_demo)
                   VALUES (:title, :city_project, :department, ST_GeomFromText(:wkt, 4326),
                       :conflict_type, :stage, :severity, :stakeholders, :opened_on,
                       :source, :source_id, false)
                   RETURNING id"""
            ),
            {
                "title": case.title.strip(),
                "city_project": case.city_project.strip(),
                "department": case.department.strip(),
                "wkt": shapely.to_wkt(case.geometry),
                "conflict_type": case.conflict_type,
                "stage": case.stage,
                "severity": int(case.severity),
                "stakeholders": [s.strip() for s in case.stakeholders if s.strip()],
                "opened_on": case.opened_on,
                "source": REGISTER_SOURCE,
                "source_id": uuid.uuid4().hex,
            },
        ).scalar_one()
        assign_areas(conn, "conflict_cases", ids=[case_id])
        district = _case_district(conn, case_id)
        if district is None:
            raise InvalidInput(Msg("common.place_outside_seoul"))
        require(viewer, "edit", district)
        conn.execute(
            sa.text(
                """INSERT INTO conflict_stage_events (case_id, stage, entered_on, changed_by, note)
                   VALUES (:id, :stage, :on, :by, :note)"""
            ),
            {
                "id": case_id,
                "stage": case.stage,
                "on": case.opened_on,
                "by": actor,
                "note": case.note,
            },
        )
    return int(case_id)


def move_stage(
    viewer: Viewer, case_id: int, stage: str, *, on: dt.date, note: str | None = None
) -> None:
    """Move a case forward to ``stage`` on date ``on``, recording who did it.

    Any later stage may be chosen (a case may be agreed before a mediation council is
    needed); moving back, or dating a move before the last one or in the future, is
    refused. Moving to ``closed`` sets the case's ``closed_on``.

    Raises
    ------
    StaffOnly, NotFound, InvalidInput
    """
    actor = _actor(viewer)
    if stage not in vocab.CONFLICT_STAGES:
        raise InvalidInput(Msg("conflicts.unknown_stage", stage=stage))
    if on > dt.date.today():
        raise InvalidInput(Msg("conflicts.move_cannot_dated_future"))
    with transaction() as conn:
        check_account(conn, viewer)
        _begin_write(conn, actor)
        require(viewer, "edit", _case_district(conn, case_id))
        row = conn.execute(
            sa.text(
                """SELECT c.stage, c.opened_on,
                          (SELECT max(e.entered_on) FROM conflict_stage_events e
                            WHERE e.case_id = c.id)
                   FROM conflict_cases c WHERE c.id = :id FOR UPDATE"""
            ),
            {"id": int(case_id)},
        ).one_or_none()
        if row is None:
            raise NotFound(Msg("conflicts.no_such_conflict_case", case_id=case_id))
        current, opened_on, last_on = row
        if _STAGE_ORDER[stage] <= _STAGE_ORDER[current]:
            raise InvalidInput(
                Msg("conflicts.only_stage_after", stage=vocab.pair(vocab.CONFLICT_STAGES, current))
            )
        earliest = max(d for d in (opened_on, last_on) if d is not None)
        if on < earliest:
            raise InvalidInput(Msg("conflicts.date_must_after", earliest=earliest))
        conn.execute(
            sa.text(
                """UPDATE conflict_cases SET stage = :stage,
                       closed_on = CASE WHEN :stage = 'closed' THEN :on ELSE closed_on END
                   WHERE id = :id"""
            ),
            {"stage": stage, "on": on, "id": int(case_id)},
        )
        conn.execute(
            sa.text(
                """INSERT INTO conflict_stage_events (case_id, stage, entered_on, changed_by, note)
                   VALUES (:id, :stage, :on, :by, :note)"""
            ),
            {"id": int(case_id), "stage": stage, "on": on, "by": actor, "note": note or None},
        )


def add_report(
    viewer: Viewer,
    case_id: int,
    *,
    url: str | None = None,
    file_name: str | None = None,
    content: bytes | None = None,
) -> int:
    """Attach the impact-analysis report of a case: a web link, or a file; return its id.

    Raises
    ------
    StaffOnly, NotFound, InvalidInput
        Neither or both of link and file, a link that is not http(s), an unknown file type
        or a file larger than :data:`MAX_REPORT_BYTES`.
    """
    actor = _actor(viewer)
    url = (url or "").strip() or None
    if (url is None) == (content is None):
        raise InvalidInput(Msg("conflicts.give_either_link_file"))
    media_type = None
    if url is not None:
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise InvalidInput(Msg("conflicts.only_http_s_links"))
    else:
        name = (file_name or "").strip()
        ext = name[name.rfind(".") :].lower() if "." in name else ""
        if ext not in REPORT_TYPES:
            raise InvalidInput(Msg("conflicts.accepted_file_types", names=", ".join(REPORT_TYPES)))
        if not content or len(content) > MAX_REPORT_BYTES:
            raise InvalidInput(
                Msg("conflicts.file_must_non_empty", max_mb=MAX_REPORT_BYTES // 2**20)
            )
        file_name, media_type = name, REPORT_TYPES[ext]
    with transaction() as conn:
        check_account(conn, viewer)
        _begin_write(conn, actor)
        require(viewer, "edit", _case_district(conn, case_id))
        return int(
            conn.execute(
                sa.text(
                    """INSERT INTO conflict_reports (case_id, url, file_name, media_type,
                           content, added_by)
                       VALUES (:id, :url, :file_name, :media_type, :content, :by)
                       RETURNING id"""
                ),
                {
                    "id": int(case_id),
                    "url": url,
                    "file_name": file_name if content is not None else None,
                    "media_type": media_type,
                    "content": content,
                    "by": actor,
                },
            ).scalar_one()
        )


# --------------------------------------------------------------------------- early warning


@dataclass
class EarlyWarning:
    """Active conflicts with their warning zones, and what lies inside the zones."""

    distance_m: float
    zones: gpd.GeoDataFrame
    nearby: gpd.GeoDataFrame


def early_warning(distance_m: float, *, district_code: str | None = None) -> EarlyWarning:
    """Program sites and planned projects within ``distance_m`` of an active conflict.

    Distances are on the spheroid (PostGIS geography), from the edge of a case's area
    (0 inside it). An item near several conflicts appears once per conflict.

    Parameters
    ----------
    distance_m
        Warning distance in metres, 0 < d <= :data:`MAX_WARNING_DISTANCE_M`.
    district_code
        Only active conflicts of this district (nearby items may lie across its border).

    Returns
    -------
    EarlyWarning
        ``zones``: ``id, title, stage, severity, district_code, geom`` (the area within
        ``distance_m``); ``nearby``: ``kind`` (``program_site`` or ``planned_project``),
        ``item_id, name, detail, district_code, conflict_id, conflict_title,
        conflict_stage, severity, distance_m, geom``, nearest first.
    """
    if not 0 < float(distance_m) <= MAX_WARNING_DISTANCE_M:
        raise InvalidInput(Msg("conflicts.distance_must_0_m", max_m=MAX_WARNING_DISTANCE_M))
    params = {
        "d": float(distance_m),
        "active": list(ACTIVE_STAGES),
        "planned": PLANNED_STAGE,
        "district": district_code,
    }
    active = """SELECT c.id, c.title, c.stage, c.severity, c.district_code, c.geom
                FROM active_conflict_cases c
                WHERE c.stage = ANY(:active)
                  AND (CAST(:district AS text) IS NULL OR c.district_code = :district)"""
    zones = _read_gdf(
        f"""SELECT a.id, a.title, a.stage, a.severity, a.district_code,
                   ST_Buffer(a.geom::geography, :d)::geometry AS geom
            FROM ({active}) a ORDER BY a.id""",
        params,
    )
    nearby = _read_gdf(
        f"""WITH active AS ({active}),
            items AS (
                SELECT 'program_site' AS kind, s.id, s.name, p.name AS detail,
                       s.district_code, s.geom
                FROM active_program_sites s JOIN programs p ON p.no = s.program_no
                UNION ALL
                SELECT 'planned_project', c.id, c.title, c.city_project, c.district_code,
                       c.geom
                FROM active_conflict_cases c WHERE c.stage = :planned)
            SELECT i.kind, i.id AS item_id, i.name, i.detail, i.district_code,
                   a.id AS conflict_id, a.title AS conflict_title, a.stage AS conflict_stage,
                   a.severity, ST_Distance(i.geom::geography, a.geom::geography) AS distance_m,
                   i.geom
            FROM items i JOIN active a
              ON ST_DWithin(i.geom::geography, a.geom::geography, :d)
            ORDER BY distance_m, i.kind, i.id, a.id""",
        params,
    )
    return EarlyWarning(distance_m=float(distance_m), zones=zones, nearby=nearby)
