"""Keep the open category vocabulary: administrators add categories and map spellings.

Imports classify rows through ``category_spellings`` (a value seen in files, in compare
form, -> a category). A value no spelling knows is reported by the import and the row is
``unclassified``; an administrator then maps that spelling here (or first adds the
category it belongs to), and the next import of the file classifies those rows. Each
change requires the ``manage_vocabulary`` right (``geo.access``), is written to the audit
log in the same transaction, and clears this process's cached categories
(``geo.vocab.clear_cache``).
"""

from __future__ import annotations

import re

import pandas as pd
import sqlalchemy as sa

from geo import vocab
from geo.access import Viewer, require
from geo.audit import audit
from geo.db import connect, get_engine, transaction
from geo.errors import InvalidInput
from geo.messages import Joined, Msg

_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def categories_frame(*, engine: sa.Engine | None = None) -> pd.DataFrame:
    """Every category with its kind, labels and number of spellings (display order)."""
    with connect(engine or get_engine()) as conn:
        return pd.read_sql(
            sa.text(
                """SELECT c.code, c.kind, c.label_ko, c.label_en, count(s.*) AS spellings
                   FROM categories c LEFT JOIN category_spellings s ON s.category = c.code
                   GROUP BY c.code ORDER BY c.position, c.code"""
            ),
            conn,
        )


def spellings_frame(*, engine: sa.Engine | None = None) -> pd.DataFrame:
    """Every spelling (compare form) and its category."""
    with connect(engine or get_engine()) as conn:
        return pd.read_sql(
            sa.text(
                """SELECT s.spelling_key AS spelling, s.category, c.label_ko
                   FROM category_spellings s JOIN categories c ON c.code = s.category
                   ORDER BY s.category, s.spelling_key"""
            ),
            conn,
        )


def add_category(
    viewer: Viewer,
    code: str,
    *,
    kind: str,
    label_ko: str,
    label_en: str,
    engine: sa.Engine | None = None,
) -> None:
    """Add category ``code`` of ``kind`` with its labels (administrators only).

    Raises
    ------
    geo.errors.Forbidden
        ``viewer`` may not change the vocabulary.
    InvalidInput
        A bad or existing code, an unknown kind, or a blank label.
    """
    require(viewer, "manage_vocabulary")
    code, label_ko, label_en = code.strip(), label_ko.strip(), label_en.strip()
    problems = []
    if not _CODE.match(code):
        problems.append(Msg("category.code_2_40_lower"))
    if kind not in vocab.KINDS:
        problems.append(Msg("category.kind", names=", ".join(vocab.KINDS)))
    if not label_ko or not label_en:
        problems.append(Msg("category.both_labels_needed"))
    if problems:
        raise InvalidInput(Msg("category.cannot_add", problems=Joined(tuple(problems))))
    with transaction(engine or get_engine()) as conn:
        added = conn.execute(
            sa.text(
                """INSERT INTO categories (code, kind, label_ko, label_en, position)
                   SELECT :code, :kind, :ko, :en, COALESCE(max(position), 0) + 1 FROM categories
                   ON CONFLICT (code) DO NOTHING RETURNING code"""
            ),
            {"code": code, "kind": kind, "ko": label_ko, "en": label_en},
        ).first()
        if added is None:
            raise InvalidInput(Msg("category.category_exists_already", code=code))
        audit(
            conn,
            viewer,
            "category_add",
            target=f"categories:{code}",
            detail={"kind": kind, "label_ko": label_ko, "label_en": label_en},
        )
    vocab.clear_cache()


def map_spelling(
    viewer: Viewer, spelling: str, category: str, *, engine: sa.Engine | None = None
) -> str:
    """Let value ``spelling`` (as files write it) mean ``category``; returns its stored key.

    A spelling already mapped is moved to ``category`` (the audit log keeps the old one).

    Raises
    ------
    geo.errors.Forbidden
        ``viewer`` may not change the vocabulary.
    InvalidInput
        A blank spelling or an unknown category.
    """
    require(viewer, "manage_vocabulary")
    key = vocab.norm_key(spelling)
    if not key:
        raise InvalidInput(Msg("category.spelling_blank"))
    with transaction(engine or get_engine()) as conn:
        known = conn.execute(
            sa.text("SELECT 1 FROM categories WHERE code = :c"), {"c": category}
        ).first()
        if known is None:
            raise InvalidInput(Msg("category.no_such_category", category=category))
        old = conn.execute(
            sa.text("SELECT category FROM category_spellings WHERE spelling_key = :k"), {"k": key}
        ).scalar()
        conn.execute(
            sa.text(
                """INSERT INTO category_spellings (spelling_key, category) VALUES (:k, :c)
                   ON CONFLICT (spelling_key) DO UPDATE SET category = EXCLUDED.category"""
            ),
            {"k": key, "c": category},
        )
        audit(
            conn,
            viewer,
            "category_spelling",
            target=f"category_spellings:{key}",
            detail={"spelling": spelling, "category": category, "was": old},
        )
    vocab.clear_cache()
    return key
