"""Controlled vocabularies: resource kinds and categories, stages, conflict types, with labels.

Each table maps a stable code (stored in the database) to its Korean and English label.
The database enforces the fixed codes with CHECK constraints built from these same tables.

Categories are an open vocabulary: they live in the ``categories`` table (migration 0009,
seeded there; administrators add more with ``geo.categories``), together with the
spellings files use for them (``category_spellings``). :func:`category_table` reads them
once per process and database; :func:`clear_cache` makes the next call read them again.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa

from geo.messages import Pair

Label = tuple[str, str]  # (Korean, English)

#: Resource kinds, exactly as the plan lists them (seed section 2-1).
KINDS: dict[str, Label] = {
    "human": ("인적자원", "Human"),
    "space": ("공간자원", "Space"),
    "heritage": ("인문자원", "Heritage"),
    "other": ("기타", "Other"),
}

_SEPARATORS = re.compile(r"[\s·ㆍ_\-./:()\[\]{}]+")


def norm_key(text: object) -> str:
    """Compare-form of a name or value: NFKC, lower case, no spaces or punctuation.

    Category spellings are stored in this form (``category_spellings.spelling_key``).
    """
    s = unicodedata.normalize("NFKC", str(text if text is not None else "")).lower()
    return _SEPARATORS.sub("", s)


#: The category that goes with any kind: rows whose type is unknown (migration 0009).
UNCLASSIFIED = "unclassified"

#: Who may see a record at all. Human resources are additionally generalised for the public.
VISIBILITY: dict[str, Label] = {
    "public": ("공개", "Public"),
    "staff": ("직원 전용", "Staff only"),
}

#: Stages of a funded village project (표준절차).
SITE_STAGES: dict[str, Label] = {
    "seed": ("씨앗마을", "Seed"),
    "sprout": ("새싹마을", "Sprout"),
    "hope": ("희망마을", "Hope"),
}

#: Quarterly evaluation criteria (분기별 평가), each scored 0-100.
EVALUATION_CRITERIA: dict[str, Label] = {
    "resident_led": ("주민주도 추진", "Resident leadership"),
    "governance": ("민관거버넌스", "Public-private governance"),
    "local_resources": ("지역자원 활용", "Use of local resources"),
}

#: Stages of the conflict process in the plan (seed section 3), in order.
CONFLICT_STAGES: dict[str, Label] = {
    "prevention_plan": ("사전 대응계획", "Prevention plan"),
    "impact_analysis": ("갈등영향분석", "Conflict impact analysis"),
    "review_meeting": ("갈등현안 검토회의", "Review meeting"),
    "mediation_council": ("갈등조정협의회", "Mediation council"),
    "closed": ("합의·종결", "Agreed / closed"),
}

#: Conflict types used by the register.
CONFLICT_TYPES: dict[str, Label] = {
    "facility_siting": ("시설 입지", "Facility siting"),
    "redevelopment": ("개발·재개발", "Development and redevelopment"),
    "environment": ("환경", "Environment"),
    "traffic_parking": ("교통·주차", "Traffic and parking"),
    "parks_green": ("공원·녹지", "Parks and green space"),
    "interests": ("이해관계", "Competing interests"),
}

#: Severity 1 (low) to 5 (critical).
SEVERITY: dict[int, Label] = {
    1: ("낮음", "Low"),
    2: ("보통", "Moderate"),
    3: ("높음", "High"),
    4: ("매우 높음", "Very high"),
    5: ("심각", "Critical"),
}


@dataclass(frozen=True)
class Category:
    """One category: its kind (``None``: any kind) and labels."""

    code: str
    kind: str | None
    label: Label


def read_categories(conn: sa.Connection) -> dict[str, Category]:
    """Every category in display order, read now (no cache) on ``conn``."""
    rows = conn.execute(
        sa.text("SELECT code, kind, label_ko, label_en FROM categories ORDER BY position, code")
    )
    return {code: Category(code, kind, (ko, en)) for code, kind, ko, en in rows}


def read_spellings(conn: sa.Connection) -> dict[str, str]:
    """Compare-form of a spelling -> category code, read now on ``conn``."""
    return dict(
        conn.execute(sa.text("SELECT spelling_key, category FROM category_spellings")).all()
    )


@lru_cache(maxsize=8)
def _cached(url: str | None) -> dict[str, Category]:
    from geo.db import connect, get_engine

    with connect(get_engine(url)) as conn:
        return read_categories(conn)


def category_table(url: str | None = None) -> dict[str, Category]:
    """Every category (cached per process and database URL; default ``DATABASE_URL``)."""
    return _cached(url)


def clear_cache() -> None:
    """Forget the cached categories (after an administrator changed them)."""
    _cached.cache_clear()


def all_categories() -> dict[str, Label]:
    """Every category code of every kind (``unclassified`` included): code -> label."""
    return {code: c.label for code, c in category_table().items()}


def categories_of(kind: str) -> dict[str, Label]:
    """The categories a resource of ``kind`` may have: the kind's own and ``unclassified``."""
    return {code: c.label for code, c in category_table().items() if c.kind in (kind, None)}


def categories_for(kinds) -> list[str]:
    """Category codes resources of ``kinds`` may have, in display order (for filters)."""
    wanted = set(kinds)
    return [code for code, c in category_table().items() if c.kind is None or c.kind in wanted]


def kind_of_category() -> dict[str, str | None]:
    """Category code -> its kind code (``None`` for categories of any kind)."""
    return {code: c.kind for code, c in category_table().items()}


def label(table: dict, code, lang: str = "ko") -> str:
    """Label of ``code`` in ``table`` in ``lang`` ("ko" or "en"); the code itself if unknown."""
    pair = table.get(code)
    if pair is None:
        return str(code)
    return pair[0] if lang == "ko" else pair[1]


def pair(table: dict, code) -> Pair:
    """Both labels of ``code`` in ``table``, for a message's parameter."""
    return Pair(label(table, code, "ko"), label(table, code, "en"))
