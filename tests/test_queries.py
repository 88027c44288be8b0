"""The query layer: filters, district summaries, and privacy of people by construction."""

from __future__ import annotations

import pandas as pd
import pytest
import shapely
import sqlalchemy as sa

from geo import queries
from geo.access import PUBLIC, Viewer
from geo.errors import InvalidInput, NotFound
from tests.conftest import add_resources

PLANNER = Viewer("planner", "planner1")
MAPO_OFFICER = Viewer("district_officer", "mapo1", "11440")
# 망원동, Mapo-gu (a spot in a residential block) and Gangnam-gu's 역삼동.
MANGWON = (126.9045, 37.5560)
YEOKSAM = (127.0366, 37.5006)


@pytest.fixture
def people(engine, cleanup):
    """Two known people and a staff-only place, removed again after the test."""
    rows = [
        ("human", "artist", "테스트 작가", MANGWON, "public", "010-1234-5678", "t-1"),
        ("human", "activist", "테스트 활동가", YEOKSAM, "public", "act@example.org", "t-2"),
        ("space", "hall", "테스트 비공개 강당", MANGWON, "staff", "02-000-0000", "t-3"),
    ]
    with engine.begin() as conn:
        add_resources(
            conn,
            cleanup.source("test"),
            [
                dict(kind=kind, category=cat, name=name, visibility=vis, contact=contact)
                # A wrong district: the join must fix it.
                | dict(address="서울특별시 어딘가 1-1", source_id=sid, district_code="11110")
                | dict(lon=x, lat=y)
                for kind, cat, name, (x, y), vis, contact, sid in rows
            ],
        )
    return {r[6]: r for r in rows}


def _by_name(gdf, name):
    hit = gdf[gdf["name"] == name]
    assert len(hit) == 1, f"{name} not found"
    return hit.iloc[0]


def test_district_and_dong_come_from_the_spatial_join(people, engine):
    with engine.connect() as conn:
        rows = dict(
            conn.execute(
                sa.text(
                    "SELECT r.source_id, g.name_ko || ' ' || d.name_ko FROM resources r "
                    "JOIN dongs d ON d.code = r.dong_code "
                    "JOIN districts g ON g.code = r.district_code WHERE r.source = 'test'"
                )
            ).all()
        )
    assert rows["t-1"] == "마포구 망원동"
    assert rows["t-2"] == "강남구 역삼동"


def test_public_sees_people_only_at_their_dong_point_without_contact(people, engine):
    gdf = queries.resources(PUBLIC, queries.ResourceFilter(text="테스트"))
    person = _by_name(gdf, "테스트 작가")
    assert pd.isna(person["contact"]) and pd.isna(person["address"])
    assert bool(person["location_generalised"])
    exact = sa.text(
        "SELECT ST_Distance(ST_SetSRID(ST_MakePoint(:x, :y), 4326)::geography,"
        " ST_GeomFromText(:wkt, 4326)::geography)"
    )
    with engine.connect() as conn:
        moved = conn.execute(
            exact, {"x": MANGWON[0], "y": MANGWON[1], "wkt": person["geom"].wkt}
        ).scalar_one()
        label = conn.execute(
            sa.text("SELECT ST_AsText(label_point) FROM dongs WHERE name_ko = '망원동'")
        ).scalar_one()
    assert moved > 50  # not the exact point...
    assert person["geom"].equals(shapely.from_wkt(label))  # ...but the dong's label point
    assert "테스트 비공개 강당" not in set(gdf["name"])  # staff-only records are hidden


def test_no_public_query_returns_any_persons_exact_point_or_contact(engine):
    gdf = queries.resources(PUBLIC, queries.ResourceFilter(kinds=("human",)))
    with engine.connect() as conn:
        exact = {
            (round(x, 7), round(y, 7))
            for x, y in conn.execute(
                sa.text("SELECT ST_X(geom), ST_Y(geom) FROM resources WHERE kind = 'human'")
            )
        }
    shown = {(round(p.x, 7), round(p.y, 7)) for p in gdf.geometry}
    assert len(gdf) > 1000
    assert gdf["contact"].isna().all() and gdf["address"].isna().all()
    assert gdf["location_generalised"].all()
    assert len(shown) <= 467  # at most one public point per dong
    assert exact.isdisjoint(shown)


def test_staff_see_exact_points_and_contacts(people):
    gdf = queries.resources(PLANNER, queries.ResourceFilter(text="테스트"))
    person = _by_name(gdf, "테스트 작가")
    assert person["contact"] == "010-1234-5678"
    assert (round(person["geom"].x, 6), round(person["geom"].y, 6)) == MANGWON
    assert "테스트 비공개 강당" in set(gdf["name"])


def test_district_officer_sees_exact_data_of_own_district_only(people):
    gdf = queries.resources(MAPO_OFFICER, queries.ResourceFilter(text="테스트"))
    mine = _by_name(gdf, "테스트 작가")  # in Mapo
    other = _by_name(gdf, "테스트 활동가")  # in Gangnam
    assert mine["contact"] == "010-1234-5678" and not mine["location_generalised"]
    assert pd.isna(other["contact"]) and bool(other["location_generalised"])


def test_filters_by_district_kind_and_category(people):
    flt = queries.ResourceFilter(district_code="11440", kinds=("human",), categories=("artist",))
    gdf = queries.resources(PLANNER, flt)
    assert len(gdf) >= 1
    assert set(gdf["kind"]) == {"human"} and set(gdf["category"]) == {"artist"}
    assert set(gdf["district_code"]) == {"11440"}
    counts = queries.count_resources(PLANNER, flt)
    assert counts["human"] == len(gdf) and counts["space"] == 0


@pytest.mark.parametrize(
    "payload",
    ["' OR 1=1 --", "%", "_", "'; DROP TABLE resources; --", "\\", "테스트' UNION SELECT 1--"],
)
def test_text_filter_is_literal_text_not_sql(payload, engine):
    gdf = queries.resources(PUBLIC, queries.ResourceFilter(text=payload))
    assert len(gdf) == 0
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM resources")).scalar_one() >= 5000


def test_unknown_kind_is_a_clear_input_error():
    with pytest.raises(InvalidInput):
        queries.resources(PUBLIC, queries.ResourceFilter(kinds=("alien",)))


def test_district_summary_counts_match_the_tables(engine):
    s = queries.district_summary(PUBLIC, "11440")
    with engine.connect() as conn:
        sites, grants = conn.execute(
            sa.text(
                "SELECT count(*), COALESCE(sum(grant_mkrw), 0) FROM program_sites"
                " WHERE district_code = '11440'"
            )
        ).one()
        # A place listed by several sources counts once (the records linked to an earlier
        # record of the same place are not counted again).
        public_kinds = dict(
            conn.execute(
                sa.text(
                    "SELECT kind, count(*) FROM resources_public r WHERE district_code = '11440'"
                    " AND NOT EXISTS (SELECT 1 FROM resources rr"
                    "     JOIN resource_places p ON p.resource_id = rr.id"
                    "     WHERE rr.public_id = r.public_id AND p.place_id <> rr.id)"
                    " GROUP BY kind"
                )
            ).all()
        )
        open_conflicts = conn.execute(
            sa.text(
                "SELECT count(*) FROM conflict_cases WHERE district_code = '11440'"
                " AND stage <> 'closed'"
            )
        ).scalar_one()
    assert s["name_ko"] == "마포구" and s["name_en"] == "Mapo-gu"
    assert s["program_sites"] == sites and s["grant_mkrw"] == pytest.approx(float(grants))
    assert s["resources"] == {k: public_kinds.get(k, 0) for k in s["resources"]}
    assert s["open_conflicts"] == open_conflicts


def test_unknown_district_is_not_found():
    with pytest.raises(NotFound):
        queries.district_summary(PUBLIC, "99999")


def test_every_change_is_kept_in_the_history(people, engine):
    with engine.begin() as conn:
        conn.execute(sa.text("SET LOCAL maeul.actor = 'tester'"))
        conn.execute(
            sa.text(
                "UPDATE resources SET name = '테스트 작가 (개명)' "
                "WHERE source = 'test' AND source_id = 't-1'"
            )
        )
        rid = conn.execute(
            sa.text("SELECT id FROM resources WHERE source_id = 't-1' AND source = 'test'")
        ).scalar_one()
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT operation, changed_by, old_values, new_values FROM change_history"
                " WHERE table_name = 'resources' AND record_id = :id ORDER BY id"
            ),
            {"id": rid},
        ).all()
    ops = [r.operation for r in rows]
    assert ops[0] == "INSERT" and ops[-1] == "UPDATE"
    last = rows[-1]
    assert last.changed_by == "tester"
    assert last.old_values == {"name": "테스트 작가"}
    assert last.new_values == {"name": "테스트 작가 (개명)"}


def test_map_outlines_as_geojson_text_match_the_boundaries(db_url):
    import json

    seoul = json.loads(queries.outlines_geojson("district", simplify_m=5))
    mapo = json.loads(queries.outlines_geojson("dong", "11440", simplify_m=5))
    names = {f["properties"]["code"]: f["properties"]["name_en"] for f in seoul["features"]}
    assert len(names) == 25 and names["11440"] == "Mapo-gu"
    expected = queries.dongs("11440", simplify_m=5)
    assert [f["properties"]["name_ko"] for f in mapo["features"]] == list(expected["name_ko"])
    # Coordinates to 5 decimals (about 1 m), the same shapes as the thinned frames.
    first = mapo["features"][0]["geometry"]
    assert all(len(str(x).split(".")[-1]) <= 5 for x in first["coordinates"][0][0][0])
    drawn = shapely.geometry.shape(first)
    assert drawn.hausdorff_distance(expected.geometry.iloc[0]) < 1e-5  # ~1 m
    with pytest.raises(InvalidInput):
        queries.outlines_geojson("city", simplify_m=5)
