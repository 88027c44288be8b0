"""Open category vocabulary: categories live in a table (issue: Real data in).

``categories`` holds every category code with its kind (NULL for ``unclassified``, which
goes with any kind) and its Korean and English labels; ``category_spellings`` maps the
compare-form (``loaders.columns.norm_key``) of a value seen in files to a category. Both
are seeded here with the plan's categories and the facility types of Seoul's published
lists; administrators add more in the app (``geo.categories``). This seed is the only copy
of the vocabulary in code: at run time the tables are the one source of truth
(``geo.vocab`` reads them).

``resources.category`` loses its CHECK constraint for a foreign key to ``categories``; a
statement-level trigger keeps a resource's kind consistent with its category's kind (one
set-based check per statement, as cheap for a million-row import as for one edit).

Revision ID: 0009_categories
Revises: 0008_resource_counts
"""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0009_categories"
down_revision = "0008_resource_counts"
branch_labels = None
depends_on = None

#: (code, kind, Korean label, English label, spellings seen in files), in display order.
SEED: tuple[tuple[str, str | None, str, str, tuple[str, ...]], ...] = (
    ("artist", "human", "문화·예술가", "Artist", ("예술가", "문화예술가", "작가")),
    ("activist", "human", "마을활동가", "Village activist", ("활동가",)),
    ("civic_group", "human", "시민단체", "Civic group", ("단체",)),
    (
        "meeting_room",
        "space",
        "회의실·다목적실",
        "Meeting room",
        ("회의실", "다목적실", "강의실", "세미나실", "주민사랑방"),
    ),
    ("hall", "space", "강당·공연장", "Hall", ("강당", "공연장", "대강당", "다목적강당")),
    ("library", "space", "도서관", "Library", ("도서관",)),
    ("book_cafe", "space", "북카페", "Book café", ()),
    ("garden", "space", "마을텃밭·정원", "Community garden", ("텃밭", "정원", "마을텃밭")),
    ("senior_center", "space", "경로당", "Senior centre", ("노인정", "경로회관")),
    (
        "community_center",
        "space",
        "주민센터·행정복지센터",
        "Community service centre",
        (
            "주민센터",
            "행정복지센터",
            "동주민센터",
            "동행정복지센터",
            "주민자치센터",
            "동사무소",
        ),
    ),
    (
        "welfare_center",
        "space",
        "복지관",
        "Welfare centre",
        (
            "사회복지관",
            "종합사회복지관",
            "노인복지관",
            "노인종합복지관",
            "장애인복지관",
            "장애인종합복지관",
        ),
    ),
    (
        "childrens_center",
        "space",
        "지역아동센터",
        "Children's centre",
        ("지역아동복지센터",),
    ),
    ("small_library", "space", "작은도서관", "Small library", ()),
    (
        "public_library",
        "space",
        "공공도서관",
        "Public library",
        ("구립도서관", "시립도서관", "어린이도서관"),
    ),
    (
        "market",
        "space",
        "전통시장",
        "Traditional market",
        (
            "시장",
            "재래시장",
            "골목시장",
            "등록시장",
            "인정시장",
            "무등록시장",
            "상점가",
            "골목형상점가",
            "상설장",
            "정기장",
            "5일장",
            "상설장+5일장",
        ),
    ),
    (
        "park",
        "space",
        "공원",
        "Park",
        ("근린공원", "어린이공원", "소공원", "문화공원", "체육공원", "도시공원"),
    ),
    ("art_museum", "space", "미술관", "Art museum", ()),
    ("museum", "space", "박물관", "Museum", ()),
    (
        "open_facility",
        "space",
        "공공시설 개방공간",
        "Public facility open to residents",
        ("공공시설개방", "개방시설", "공공시설개방공간"),
    ),
    (
        "welfare_facility",
        "space",
        "사회복지시설 (기타)",
        "Social welfare facility (other)",
        (
            "사회복지시설",
            "노인복지시설",
            "장애인복지시설",
            "아동복지시설",
            "재가노인복지시설",
            "다함께돌봄센터",
            "지역자활센터",
            "다문화가족지원센터",
            "건강가정지원센터",
        ),
    ),
    ("public_office", "space", "공공청사", "Public office", ("청사", "구청", "시청")),
    ("other_space", "space", "기타 공간", "Other space", ()),
    (
        "village_story",
        "heritage",
        "마을역사·이야기",
        "Village history and stories",
        ("마을역사", "이야기"),
    ),
    (
        "cultural_property",
        "heritage",
        "국가유산·문화재",
        "National heritage",
        ("문화재", "국가유산", "문화유산"),
    ),
    ("local_feature", "other", "지역특성", "Local characteristic", ()),
    ("resident_need", "other", "주민욕구", "Residents' need", ()),
    ("case_study", "other", "성공·실패사례", "Success or failure case", ("사례",)),
    ("unclassified", None, "미분류", "Unclassified", ()),
)

_SEPARATORS = re.compile(r"[\s·ㆍ_\-./:()\[\]{}]+")

#: A resource's kind must be its category's kind (categories without kind go with any).
KIND_CHECK = """
CREATE FUNCTION resources_category_kind_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE bad record;
BEGIN
  SELECT n.category, n.kind, c.kind AS category_kind INTO bad
  FROM new_rows n JOIN categories c ON c.code = n.category
  WHERE c.kind IS NOT NULL AND c.kind <> n.kind LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'category % is of kind %, not %', bad.category, bad.category_kind, bad.kind
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER resources_category_kind_ins AFTER INSERT ON resources
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION resources_category_kind_check();
CREATE TRIGGER resources_category_kind_upd AFTER UPDATE ON resources
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION resources_category_kind_check();
"""


def spelling_key(text: str) -> str:
    """Compare-form of a spelling (the rule of ``loaders.columns.norm_key``, frozen here)."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text).lower())


def seed_rows() -> tuple[list[dict], list[dict]]:
    """The seed as rows of ``categories`` and ``category_spellings``."""
    categories, spellings, seen = [], [], set()
    for position, (code, kind, ko, en, extra) in enumerate(SEED):
        categories.append(
            {"code": code, "kind": kind, "label_ko": ko, "label_en": en, "position": position}
        )
        for spelling in extra:
            key = spelling_key(spelling)
            if key not in seen:
                seen.add(key)
                spellings.append({"spelling_key": key, "category": code})
    return categories, spellings


def upgrade() -> None:
    categories = op.create_table(
        "categories",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=True),
        sa.Column("label_ko", sa.Text(), nullable=False),
        sa.Column("label_en", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), server_default="1000", nullable=False),
        sa.CheckConstraint(
            "kind IN ('human', 'space', 'heritage', 'other')", name=op.f("ck_categories_kind")
        ),
        sa.CheckConstraint("code ~ '^[a-z][a-z0-9_]{1,39}$'", name=op.f("ck_categories_code")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_categories")),
    )
    spellings = op.create_table(
        "category_spellings",
        sa.Column("spelling_key", sa.Text(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category"], ["categories.code"], name=op.f("fk_category_spellings_category")
        ),
        sa.PrimaryKeyConstraint("spelling_key", name=op.f("pk_category_spellings")),
    )
    cat_rows, spelling_rows = seed_rows()
    op.bulk_insert(categories, cat_rows)
    op.bulk_insert(spellings, spelling_rows)
    op.drop_constraint(op.f("ck_resources_category"), "resources", type_="check")
    op.create_foreign_key(
        op.f("fk_resources_category"), "resources", "categories", ["category"], ["code"]
    )
    op.execute(KIND_CHECK)


def downgrade() -> None:
    op.execute("DROP TRIGGER resources_category_kind_upd ON resources")
    op.execute("DROP TRIGGER resources_category_kind_ins ON resources")
    op.execute("DROP FUNCTION resources_category_kind_check()")
    op.drop_constraint(op.f("fk_resources_category"), "resources", type_="foreignkey")
    old = (
        "artist activist civic_group meeting_room hall library book_cafe garden "
        "village_story cultural_property local_feature resident_need case_study"
    ).split()
    # Records of the new categories cannot go back under the old constraint: unclassified
    # and new codes become the nearest old code of their kind.
    op.execute(
        "UPDATE resources SET category = CASE kind WHEN 'human' THEN 'civic_group' "
        "WHEN 'space' THEN 'meeting_room' WHEN 'heritage' THEN 'village_story' "
        "ELSE 'local_feature' END WHERE category NOT IN (" + ", ".join(f"'{c}'" for c in old) + ")"
    )
    op.create_check_constraint(
        op.f("ck_resources_category"),
        "resources",
        "category IN (" + ", ".join(f"'{c}'" for c in old) + ")",
    )
    op.drop_table("category_spellings")
    op.drop_table("categories")
