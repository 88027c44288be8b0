"""The open category vocabulary: the table is the one source, administrators extend it."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from geo import categories, vocab
from geo.access import Viewer
from geo.errors import Forbidden, InvalidInput
from loaders.ingest import run_import
from loaders.plan import ImportOptions, prepare
from tests.import_fixtures import true_points, write_csv

ADMIN = Viewer("admin", "vocab.admin")
PLANNER = Viewer("planner", "vocab.planner")
OFFICER = Viewer("district_officer", "vocab.officer", "11440")


@pytest.fixture
def scratch(cleanup):
    """Remove the categories, spellings, records and audit rows a test adds."""
    cleanup.source("t-vocab%")
    cleanup.users("vocab.admin")
    cleanup.sql("DELETE FROM category_spellings WHERE spelling_key LIKE '%쉼터형%'")
    cleanup.sql("DELETE FROM categories WHERE code = 'cooling_shelter'")
    cleanup.call(vocab.clear_cache)


def test_the_seed_holds_todays_codes_and_seouls_facility_types(engine):
    cats = vocab.category_table()
    for code in ("library", "cultural_property", "senior_center", "community_center", "park"):
        assert code in cats
    assert cats["cultural_property"].label == ("국가유산·문화재", "National heritage")
    assert cats["unclassified"].kind is None and cats["park"].kind == "space"
    # Filters offer a kind's own categories and the unclassified ones, nothing else.
    assert "unclassified" in vocab.categories_of("human")
    assert "senior_center" not in vocab.categories_of("human")


def test_the_database_refuses_unknown_categories_and_kind_mismatches(engine, cleanup):
    row = (
        "INSERT INTO resources (kind, category, name, geom, source, source_id) VALUES "
        "(:k, :c, 'x', ST_SetSRID(ST_MakePoint(127, 37.55), 4326), 't-vocab-db', :id)"
    )
    for kind, category in (("space", "no_such_thing"), ("human", "senior_center")):
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(sa.text(row), {"k": kind, "c": category, "id": category})
    cleanup.source("t-vocab-db")
    with engine.begin() as conn:  # unclassified goes with any kind
        conn.execute(sa.text(row), {"k": "human", "c": "unclassified", "id": "u"})


@pytest.mark.parametrize("who", [PLANNER, OFFICER])
def test_only_administrators_change_the_vocabulary(engine, who):
    with pytest.raises(Forbidden):
        categories.map_spelling(who, "무더위쉼터형", "park")
    with pytest.raises(Forbidden):
        categories.add_category(who, "cooling_shelter", kind="space", label_ko="쉼터", label_en="S")


def test_bad_categories_are_refused_with_every_reason(engine):
    with pytest.raises(InvalidInput) as err:
        categories.add_category(ADMIN, "Bad Code", kind="place", label_ko="", label_en="x")
    msg = err.value.user_msg
    assert "lower-case" in msg and "kind" in msg and "labels" in msg
    with pytest.raises(InvalidInput):
        categories.map_spelling(ADMIN, "무더위쉼터형", "no_such_category")


def test_an_administrator_maps_unknown_values_and_the_reimport_classifies_them(
    tmp_path, engine, scratch
):
    pts = true_points(5, seed=81)
    df = pd.DataFrame(
        {
            "쉼터명": [f"쉼터 {i}호" for i in range(5)],
            "시설유형": ["무더위쉼터형", "무더위쉼터형", "한파 쉼터형", "공원", "무더위쉼터형"],
            "위도": pts["lat"],
            "경도": pts["lon"],
        }
    )
    write_csv(tmp_path / "s.csv", df)

    def run():
        plan = prepare(tmp_path / "s.csv", ImportOptions(source="t-vocab"))
        return run_import(plan, engine=engine)

    first = run()
    assert first.inserted == 5
    assert first.unknown_categories == [("무더위쉼터형", 3), ("한파 쉼터형", 1)]
    # A new category for the shelters, and both spellings mapped to it.
    categories.add_category(
        ADMIN, "cooling_shelter", kind="space", label_ko="무더위·한파쉼터", label_en="Shelter"
    )
    assert categories.map_spelling(ADMIN, "무더위 쉼터형", "cooling_shelter") == "무더위쉼터형"
    categories.map_spelling(ADMIN, "한파쉼터형", "cooling_shelter")
    assert vocab.all_categories()["cooling_shelter"] == ("무더위·한파쉼터", "Shelter")
    second = run()
    assert (second.inserted, second.updated, second.unchanged) == (0, 4, 1)
    assert second.unknown_categories == [] and second.unclassified == 0
    with engine.connect() as conn:
        stored = conn.execute(
            sa.text("SELECT category, count(*) FROM resources WHERE source = 't-vocab' GROUP BY 1")
        ).all()
        logged = conn.execute(
            sa.text(
                "SELECT action, target FROM audit_log WHERE username = 'vocab.admin' ORDER BY id"
            )
        ).all()
    assert sorted(map(tuple, stored)) == [("cooling_shelter", 4), ("park", 1)]
    assert [tuple(r) for r in logged] == [
        ("category_add", "categories:cooling_shelter"),
        ("category_spelling", "category_spellings:무더위쉼터형"),
        ("category_spelling", "category_spellings:한파쉼터형"),
    ]


def test_the_administration_page_maps_a_spelling(db_url, engine, scratch):
    import datetime as dt
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from views.common import SESSION_KEY

    app = str(Path(__file__).resolve().parent.parent / "app.py")
    at = AppTest.from_file(app, default_timeout=120)
    at.session_state[SESSION_KEY] = (ADMIN, dt.datetime.now(dt.UTC))
    at.run()
    at.switch_page("views/admin.py").run()
    assert not at.exception, [e.message for e in at.exception]
    shown = next(d.value for d in at.dataframe if "label_ko" in d.value.columns)
    assert {"senior_center", "unclassified"} <= set(shown["code"])
    next(w for w in at.text_input if w.label.startswith("파일에 쓰인 값")).set_value(
        "쉼터형 경로당"
    )
    next(w for w in at.selectbox if w.label == "분류").set_value("senior_center")
    next(b for b in at.button if b.label == "연결").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("쉼터형 경로당" in s.body for s in at.success)
    with engine.connect() as conn:
        mapped = conn.execute(
            sa.text("SELECT category FROM category_spellings WHERE spelling_key = '쉼터형경로당'")
        ).scalar()
    assert mapped == "senior_center"
