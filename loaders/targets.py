"""What each import target needs: its fields, their types, vocabularies and labels.

One :class:`Target` per table a file can be imported into (resources, program sites,
conflict cases), kept in the dispatch table :data:`TARGETS`. Column detection
(``loaders.columns``), validation (``loaders.validate``) and the upsert
(``loaders.ingest``) all read these specs, so a field is described once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from geo import vocab
from geo.errors import InvalidInput
from geo.messages import Msg

#: Field types and what the validator makes of them.
FIELD_TYPES = ("text", "number", "integer", "date", "code", "list")


@dataclass(frozen=True)
class Field:
    """One column of a target table as the import sees it.

    Parameters
    ----------
    name
        Column of the table (and key in mapping files).
    label
        (Korean, English) label for pages and reports.
    type
        One of :data:`FIELD_TYPES`.
    required
        Rows without a valid value are rejected.
    codes
        For ``code`` fields: stored code -> (Korean, English) label, or a function returning
        it (an open vocabulary read from the database when needed: categories).
    minimum, maximum
        Allowed range of numbers, integers and codes that are numbers.
    """

    name: str
    label: tuple[str, str]
    type: str = "text"
    required: bool = False
    codes: dict | Callable[[], dict] | None = None
    minimum: float | None = None
    maximum: float | None = None
    #: Code used when the cell is blank.
    default: str | None = None

    def code_table(self) -> dict:
        """The codes of a ``code`` field (read now when they are an open vocabulary)."""
        return self.codes() if callable(self.codes) else (self.codes or {})


@dataclass(frozen=True)
class Target:
    """A table files are imported into."""

    table: str
    label: tuple[str, str]
    fields: tuple[Field, ...]
    #: The field that names a record (rows without it are rejected as "no name").
    name_field: str
    #: "point" (only points) or "any" (points, lines or areas).
    geometry: str = "point"

    def field(self, name: str) -> Field:
        """The field called ``name``."""
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        """Field names, in table order."""
        return tuple(f.name for f in self.fields)


#: Fields every target understands besides its own: the file's own id (for idempotent
#: re-imports) and the district it names (checked against the spatial join).
COMMON = (
    Field("source_id", ("원본 ID", "Source id")),
    Field("district", ("자치구 (확인용)", "District (checked)")),
)

_SEVERITY = {str(k): v for k, v in vocab.SEVERITY.items()}

TARGETS: dict[str, Target] = {
    "resources": Target(
        "resources",
        ("마을자원", "Resources"),
        (
            Field("name", ("이름", "Name"), required=True),
            Field("kind", ("자원 유형", "Kind"), "code", True, vocab.KINDS),
            Field(
                "category",
                ("세부 분류", "Category"),
                "code",
                True,
                vocab.all_categories,
                default=vocab.UNCLASSIFIED,
            ),
            Field("description", ("설명", "Description")),
            Field("address", ("주소", "Address")),
            Field("contact", ("연락처", "Contact")),
            Field(
                "visibility",
                ("공개 범위", "Visibility"),
                "code",
                False,
                vocab.VISIBILITY,
                default="public",
            ),
            *COMMON,
        ),
        name_field="name",
    ),
    "program_sites": Target(
        "program_sites",
        ("지원사업 대상지", "Program sites"),
        (
            Field("name", ("대상지 이름", "Site name"), required=True),
            Field("program_no", ("사업 번호 (연번)", "Program no."), "integer", True, None, 1, 99),
            Field("stage", ("단계", "Stage"), "code", True, vocab.SITE_STAGES),
            Field("year", ("연도", "Year"), "integer", True, None, 1990, 2100),
            Field(
                "grant_mkrw", ("지원금 (백만원)", "Grant (million KRW)"), "number", True, None, 0
            ),
            *COMMON,
        ),
        name_field="name",
    ),
    "conflict_cases": Target(
        "conflict_cases",
        ("갈등 사례", "Conflict cases"),
        (
            Field("title", ("갈등 사안", "Title"), required=True),
            Field("city_project", ("관련 시 사업", "City project"), required=True),
            Field("department", ("담당 부서", "Department"), required=True),
            Field("conflict_type", ("갈등 유형", "Type"), "code", True, vocab.CONFLICT_TYPES),
            Field("stage", ("단계", "Stage"), "code", True, vocab.CONFLICT_STAGES),
            Field("severity", ("심각도", "Severity"), "code", True, _SEVERITY, 1, 5),
            Field("stakeholders", ("이해관계자", "Stakeholders"), "list"),
            Field("opened_on", ("발생일", "Opened on"), "date", True),
            Field("closed_on", ("종결일", "Closed on"), "date"),
            *COMMON,
        ),
        name_field="title",
        geometry="any",
    ),
}

#: Fields that are checks or keys, not columns written to the table.
NOT_WRITTEN = frozenset({"district", "source_id"})


def get_target(name: str) -> Target:
    """The target called ``name``, or a user-safe error listing the choices."""
    try:
        return TARGETS[name]
    except KeyError:
        raise InvalidInput(Msg("targets.unknown", names=", ".join(TARGETS), name=name)) from None
