"""Nearby search: exact order and distances, the radius boundary, filters, privacy."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from pyproj import Geod

from geo.access import PUBLIC, Viewer
from geo.db import READS_APPLICATION
from geo.errors import InvalidInput
from geo.nearby import Place, dong_places, nearby, parse_coordinates, walk_minutes
from geo.queries import ResourceFilter
from tests.conftest import add_resources

GEOD = Geod(ellps="WGS84")
CENTRE = Place(126.9780, 37.5665, "서울시청")  # Seoul City Hall
PLANNER = Viewer("planner", "planner1")
TAG = ResourceFilter(text="근처시험")  # only this test's rows
# (name, kind, category, distance east of the centre in metres)
ROWS = [
    ("근처시험 A", "space", "library", 120.0),
    ("근처시험 B", "heritage", "village_story", 260.0),
    ("근처시험 C", "space", "hall", 499.0),
    ("근처시험 D", "other", "case_study", 501.0),
    ("근처시험 E", "space", "garden", 900.0),
]


def _east(distance_m: float) -> tuple[float, float]:
    lon, lat, _ = GEOD.fwd(CENTRE.lon, CENTRE.lat, 90, distance_m)
    return lon, lat


@pytest.fixture
def placed(engine, cleanup):
    rows = [*ROWS, ("근처시험 사람", "human", "artist", 300.0)]
    with engine.begin() as conn:
        add_resources(
            conn,
            cleanup.source("test-nearby"),
            [
                dict(
                    kind=kind,
                    category=cat,
                    name=name,
                    contact="010-0000-0000",
                    source_id=name,
                    **dict(zip(("lon", "lat"), _east(d), strict=True)),
                )
                for name, kind, cat, d in rows
            ],
        )


def test_nearest_first_with_metre_distances(placed):
    flt = ResourceFilter(text="근처시험", kinds=("space", "heritage", "other"))
    hits = nearby(PUBLIC, CENTRE, radius_m=1000, flt=flt)
    assert [h.name for h in hits] == [
        "근처시험 A",
        "근처시험 B",
        "근처시험 C",
        "근처시험 D",
        "근처시험 E",
    ]
    assert [h.distance_m for h in hits] == [120, 260, 499, 501, 900]
    assert [h.walk_min for h in hits] == [2, 3, 7, 7, 12]


def test_radius_boundary_is_exact_to_the_metre(placed):
    flt = ResourceFilter(text="근처시험", kinds=("space", "heritage", "other"))
    names = [h.name for h in nearby(PUBLIC, CENTRE, radius_m=500, flt=flt)]
    assert names == ["근처시험 A", "근처시험 B", "근처시험 C"]  # 499 m in, 501 m out


def test_search_answers_after_the_server_dropped_its_connections(placed, engine):
    flt = ResourceFilter(text="근처시험", kinds=("space",))
    first = nearby(PUBLIC, CENTRE, radius_m=1000, flt=flt)
    # A server restart or an idle timeout ends the sessions the search keeps open.
    with engine.connect() as conn:
        ended = conn.execute(
            sa.text(
                """SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                   WHERE datname = current_database() AND application_name = :app"""
            ),
            {"app": READS_APPLICATION},
        ).scalar_one()
    assert ended >= 1
    assert nearby(PUBLIC, CENTRE, radius_m=1000, flt=flt) == first
    assert [h.name for h in first] == ["근처시험 A", "근처시험 C", "근처시험 E"]


def test_limit_keeps_the_nearest(placed):
    flt = ResourceFilter(text="근처시험", kinds=("space",))
    hits = nearby(PUBLIC, CENTRE, radius_m=3000, flt=flt, limit=2)
    assert [h.name for h in hits] == ["근처시험 A", "근처시험 C"]


def test_kind_and_category_filters(placed):
    only_heritage = nearby(
        PUBLIC, CENTRE, radius_m=1000, flt=ResourceFilter(text="근처시험", kinds=("heritage",))
    )
    assert [h.name for h in only_heritage] == ["근처시험 B"]
    gardens = nearby(
        PUBLIC, CENTRE, radius_m=1000, flt=ResourceFilter(text="근처시험", categories=("garden",))
    )
    assert [h.name for h in gardens] == ["근처시험 E"]


def test_public_finds_people_only_at_their_dong_point(placed, engine):
    hits = nearby(PUBLIC, CENTRE, radius_m=3000, flt=ResourceFilter(text="근처시험 사람"))
    assert len(hits) <= 1
    exact_lon, exact_lat = _east(300.0)
    with engine.connect() as conn:
        label = conn.execute(
            sa.text("""SELECT ST_X(d.label_point), ST_Y(d.label_point) FROM dongs d
                       WHERE ST_Intersects(d.geom, ST_SetSRID(ST_MakePoint(:x, :y), 4326))"""),
            {"x": exact_lon, "y": exact_lat},
        ).one()
    for h in hits:
        assert h.contact is None and h.address is None and h.location_generalised
        assert (h.lon, h.lat) == pytest.approx(label)
        _, _, to_exact = GEOD.inv(h.lon, h.lat, exact_lon, exact_lat)
        assert to_exact > 20
    staff = nearby(PLANNER, CENTRE, radius_m=3000, flt=ResourceFilter(text="근처시험 사람"))
    assert len(staff) == 1
    assert staff[0].contact == "010-0000-0000" and staff[0].distance_m == 300
    assert (staff[0].lon, staff[0].lat) == pytest.approx((exact_lon, exact_lat))


def test_a_person_at_the_dong_point_is_never_said_to_be_zero_metres_away(placed, engine):
    """Walkthrough (activist): searching from a dong, its people read "0 m · 도보 1분", as
    if the person were right there; their distance is to the dong's label point."""
    from geo.nearby import distance_text

    with engine.connect() as conn:
        lon, lat = conn.execute(
            sa.text("""SELECT ST_X(d.label_point), ST_Y(d.label_point) FROM dongs d
                       WHERE ST_Intersects(d.geom, ST_SetSRID(ST_MakePoint(:x, :y), 4326))"""),
            dict(zip("xy", _east(300.0), strict=True)),
        ).one()
    at_dong = Place(lon, lat, "dong")
    person = nearby(PUBLIC, at_dong, radius_m=500, flt=ResourceFilter(text="근처시험 사람"))
    assert len(person) == 1 and person[0].distance_m == 0
    assert distance_text(person[0]) == "약 100 m (동 단위 위치)"
    assert distance_text(person[0], "en") == "about 100 m (dong-level location)"
    staff = nearby(PLANNER, at_dong, radius_m=3000, flt=ResourceFilter(text="근처시험 사람"))
    assert distance_text(staff[0]) == f"{staff[0].distance_m:,} m"  # staff: the exact place


def test_stored_public_point_is_right_whatever_a_writer_puts_in_it(placed, engine):
    """The trigger (skipped only when pub_geom is already the point of a non-person) decides."""
    with engine.begin() as conn:
        rows = conn.execute(
            sa.text(
                """UPDATE resources r SET geom = ST_Translate(r.geom, 0.001, 0),
                       pub_geom = CASE WHEN r.kind = 'human' THEN ST_Translate(r.geom, 0.001, 0)
                                       ELSE ST_Translate(r.geom, 0.5, 0) END
                   WHERE r.source = 'test-nearby'
                   RETURNING r.kind, r.pub_geom = r.geom AS exact,
                       r.pub_geom = (SELECT d.label_point FROM dongs d
                                     WHERE d.code = r.dong_code) AS at_label"""
            )
        ).all()
    assert {kind for kind, _, _ in rows} == {"human", "space", "heritage", "other"}
    for kind, exact, at_label in rows:
        assert (not exact and at_label) if kind == "human" else exact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("37.5563, 126.9236", (126.9236, 37.5563)),
        ("126.9236 37.5563", (126.9236, 37.5563)),
        ("위도 37.5563 / 경도 126.9236", (126.9236, 37.5563)),
    ],
)
def test_pasted_coordinates_in_either_order(text, expected):
    p = parse_coordinates(text)
    assert (p.lon, p.lat) == expected


@pytest.mark.parametrize("text", ["", "망원동", "37.5", "1, 2", "35.1, 129.0"])
def test_unusable_coordinates_are_a_clear_error(text):
    with pytest.raises(InvalidInput):
        parse_coordinates(text)


@pytest.mark.parametrize("radius", [50, 3001])
def test_radius_outside_100_m_to_3_km_is_refused(radius, db_url):
    with pytest.raises(InvalidInput):
        nearby(PUBLIC, CENTRE, radius_m=radius)


def test_walking_time_is_straight_line_at_4_5_kmh():
    assert walk_minutes(75) == 1
    assert walk_minutes(750) == 10
    assert walk_minutes(10) == 1


def test_every_dong_is_a_search_centre_told_apart_by_district(db_url):
    places = dong_places()
    assert len(places) == 467
    assert places["label"].is_unique
    assert {"신사동 (강남구)", "신사동 (은평구)", "망원동 (마포구)"} <= set(places["label"])
