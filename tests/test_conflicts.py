"""Conflict register: filters, case view, staff-only stage moves (date, who), early warning."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import shapely
import sqlalchemy as sa
from pyproj import Geod
from streamlit.testing.v1 import AppTest

from geo import conflicts, vocab
from geo.access import PUBLIC, Viewer
from geo.errors import Forbidden, InvalidInput, NotFound

STAFF = Viewer(role="admin", username="test-kim")  # planners read; they do not edit
# The officer of Jung-gu, where the test cases lie (an officer of another district is refused).
OFFICER = Viewer(role="district_officer", username="test-lee", district_code="11140")
MAPO_OFFICER = Viewer(role="district_officer", username="test-park", district_code="11440")
HERE = (126.9780, 37.5665)  # lon, lat: Seoul City Hall, Jung-gu
GEOD = Geod(ellps="WGS84")
SITE_SOURCE = "test-conflicts"


def _offset(lon: float, lat: float, azimuth: float, metres: float) -> shapely.Point:
    x, y, _ = GEOD.fwd(lon, lat, azimuth, metres)
    return shapely.Point(x, y)


def _new(**changes) -> conflicts.NewCase:
    base = {
        "title": "시청 앞 광장 이용 갈등 (테스트)",
        "city_project": "광장 재구조화",
        "department": "테스트 갈등조정과",
        "conflict_type": "parks_green",
        "severity": 3,
        "geometry": shapely.Point(*HERE),
        "opened_on": dt.date(2020, 3, 1),
        "stakeholders": ("상인회", "지역주민"),
    }
    return conflicts.NewCase(**(base | changes))


@pytest.fixture
def cases(cleanup):
    """Add cases as staff through the register; remove them (and their history) after."""
    made = cleanup.records("conflict_cases", [])

    def add(**changes) -> int:
        case_id = conflicts.add_case(STAFF, _new(**changes))
        made.append(case_id)
        return case_id

    return add


@pytest.fixture
def sites(engine, cleanup):
    """Program sites at given points (program no. 1), removed after the test."""
    cleanup.source(SITE_SOURCE)

    def add(point: shapely.Point, name: str) -> int:
        with engine.begin() as conn:
            return conn.execute(
                sa.text(
                    """INSERT INTO program_sites (program_no, name, geom, stage, year,
                           grant_mkrw, source, source_id)
                       VALUES (1, :name, ST_GeomFromText(:wkt, 4326), 'seed', 2020, 1,
                           :src, :name) RETURNING id"""
                ),
                {"name": name, "wkt": point.wkt, "src": SITE_SOURCE},
            ).scalar_one()

    return add


def _history(engine, case_id: int) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(
            sa.text(
                """SELECT operation, changed_by, old_values, new_values FROM change_history
                   WHERE table_name = 'conflict_cases' AND record_id = :id ORDER BY id"""
            ),
            {"id": case_id},
        ).all()


# --------------------------------------------------------------------------- writes


def test_staff_add_a_case_placed_by_its_geometry_with_its_first_stage(cases, engine):
    case_id = cases()
    detail = conflicts.case_detail(case_id)
    assert detail.case["district_name"] == "중구"
    assert detail.case["stage"] == "prevention_plan"
    assert list(detail.case["stakeholders"]) == ["상인회", "지역주민"]
    assert detail.history[["stage", "entered_on", "changed_by"]].values.tolist() == [
        ["prevention_plan", dt.date(2020, 3, 1), "test-kim"]
    ]
    ops = _history(engine, case_id)
    # Inserted, then placed in its district and dong by the spatial join, both by test-kim.
    assert [(op, by) for op, by, _, _ in ops] == [("INSERT", "test-kim"), ("UPDATE", "test-kim")]
    assert ops[1][3]["district_code"] == "11140"


def test_stage_moves_are_recorded_with_date_and_who(cases, engine):
    case_id = cases()
    conflicts.move_stage(STAFF, case_id, "impact_analysis", on=dt.date(2020, 4, 10), note="착수")
    with pytest.raises(Forbidden):
        conflicts.move_stage(MAPO_OFFICER, case_id, "mediation_council", on=dt.date(2020, 9, 1))
    conflicts.move_stage(OFFICER, case_id, "mediation_council", on=dt.date(2020, 9, 1))
    conflicts.move_stage(STAFF, case_id, "closed", on=dt.date(2021, 1, 15), note="합의")
    detail = conflicts.case_detail(case_id)
    assert detail.history[["stage", "entered_on", "changed_by", "note"]].values.tolist() == [
        ["prevention_plan", dt.date(2020, 3, 1), "test-kim", None],
        ["impact_analysis", dt.date(2020, 4, 10), "test-kim", "착수"],
        ["mediation_council", dt.date(2020, 9, 1), "test-lee", None],
        ["closed", dt.date(2021, 1, 15), "test-kim", "합의"],
    ]
    assert detail.case["stage"] == "closed"
    assert detail.case["closed_on"] == dt.date(2021, 1, 15)
    # The history trigger saw the same people change the case row.
    updates = [
        (by, old, new)
        for op, by, old, new in _history(engine, case_id)
        if op == "UPDATE" and "stage" in new
    ]
    assert [(by, old["stage"], new["stage"]) for by, old, new in updates] == [
        ("test-kim", "prevention_plan", "impact_analysis"),
        ("test-lee", "impact_analysis", "mediation_council"),
        ("test-kim", "mediation_council", "closed"),
    ]
    assert updates[-1][2]["closed_on"] == "2021-01-15"


@pytest.mark.parametrize(
    "viewer", [PUBLIC, Viewer(role="public", username="someone"), Viewer(role="planner")]
)
def test_public_viewers_and_nameless_staff_cannot_write(cases, engine, viewer):
    case_id = cases()
    before = _history(engine, case_id)
    with pytest.raises(conflicts.StaffOnly) as err:
        conflicts.move_stage(viewer, case_id, "review_meeting", on=dt.date(2020, 5, 1))
    assert "administrators" in err.value.user_msg
    with pytest.raises(conflicts.StaffOnly):
        conflicts.add_case(viewer, _new())
    with pytest.raises(conflicts.StaffOnly):
        conflicts.add_report(viewer, case_id, url="https://example.org/report.pdf")
    detail = conflicts.case_detail(case_id)
    assert detail.case["stage"] == "prevention_plan"
    assert len(detail.history) == 1 and detail.reports.empty
    assert _history(engine, case_id) == before


@pytest.mark.parametrize(
    ("stage", "on", "message"),
    [
        ("prevention_plan", dt.date(2020, 6, 1), "only a stage after"),  # same stage
        ("impact_analysis", dt.date(2020, 6, 1), "only a stage after"),  # backwards
        ("closed", dt.date(2020, 4, 30), "on or after 2020-05-01"),  # before the last move
        ("closed", dt.date.today() + dt.timedelta(days=1), "future"),
        ("resolved", dt.date(2020, 6, 1), "unknown stage"),
    ],
)
def test_bad_stage_moves_are_refused_and_change_nothing(cases, stage, on, message):
    case_id = cases()
    conflicts.move_stage(STAFF, case_id, "review_meeting", on=dt.date(2020, 5, 1))
    with pytest.raises(InvalidInput) as err:
        conflicts.move_stage(STAFF, case_id, stage, on=on)
    assert message in err.value.user_msg
    assert conflicts.case_detail(case_id).case["stage"] == "review_meeting"
    assert len(conflicts.case_detail(case_id).history) == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"geometry": shapely.Point(126.60, 37.45)}, "outside Seoul"),
        ({"title": " ", "severity": 9}, "title"),
        ({"conflict_type": "noise", "stage": "closed"}, "conflict_type"),
        ({"geometry": shapely.LineString([HERE, (127.0, 37.57)])}, "LineString"),
    ],
)
def test_unusable_cases_are_refused_with_every_problem(cases, engine, changes, message):
    before = len(conflicts.register())
    with pytest.raises(InvalidInput) as err:
        cases(**changes)
    assert message in err.value.user_msg
    assert len(conflicts.register()) == before


def test_moving_a_missing_case_says_not_found():
    with pytest.raises(NotFound):
        conflicts.move_stage(STAFF, 987_654_321, "closed", on=dt.date(2020, 1, 1))


# --------------------------------------------------------------------------- reports


def test_report_link_and_file_are_shown_in_the_case_view(cases):
    case_id = cases()
    conflicts.add_report(STAFF, case_id, url="https://seoul.go.kr/report/2020-17")
    pdf = b"%PDF-1.4\n% impact analysis\n"
    report_id = conflicts.add_report(
        OFFICER, case_id, file_name="갈등영향분석_보고서.pdf", content=pdf
    )
    reports = conflicts.case_detail(case_id).reports
    assert set(reports["added_by"]) == {"test-kim", "test-lee"}
    assert "https://seoul.go.kr/report/2020-17" in set(reports["url"].dropna())
    name, media_type, data = conflicts.report_file(report_id)
    assert (name, media_type, data) == ("갈등영향분석_보고서.pdf", "application/pdf", pdf)
    assert conflicts.register(conflicts.ConflictFilter(departments=["테스트 갈등조정과"]))[
        "reports"
    ].tolist() == [2]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"url": "javascript:alert(1)"}, "http(s)"),
        ({"url": "ftp://example.org/r.pdf"}, "http(s)"),
        ({"file_name": "report.exe", "content": b"MZ"}, "accepted file types"),
        ({"file_name": "report.pdf", "content": b""}, "non-empty"),
        ({}, "either a link or a file"),
        ({"url": "https://a.b/c", "file_name": "r.pdf", "content": b"x"}, "either"),
    ],
)
def test_bad_reports_are_refused(cases, kwargs, message):
    case_id = cases()
    with pytest.raises(InvalidInput) as err:
        conflicts.add_report(STAFF, case_id, **kwargs)
    assert message in err.value.user_msg
    assert conflicts.case_detail(case_id).reports.empty


# --------------------------------------------------------------------------- register


@pytest.mark.parametrize(
    ("flt", "included"),
    [
        (conflicts.ConflictFilter(districts=["11140"]), True),
        (conflicts.ConflictFilter(districts=["11440"]), False),
        (conflicts.ConflictFilter(types=["parks_green", "environment"]), True),
        (conflicts.ConflictFilter(types=["redevelopment"]), False),
        (conflicts.ConflictFilter(stages=["closed"]), True),
        (conflicts.ConflictFilter(stages=["prevention_plan"]), False),
        (conflicts.ConflictFilter(severities=[3]), True),
        (conflicts.ConflictFilter(severities=[4, 5]), False),
        (conflicts.ConflictFilter(departments=["테스트 갈등조정과"]), True),
        (conflicts.ConflictFilter(departments=["도시계획과"]), False),
        # Active during the period: opened 2020-03-01, closed 2020-06-30.
        (conflicts.ConflictFilter(start=dt.date(2020, 6, 1), end=dt.date(2020, 6, 15)), True),
        (conflicts.ConflictFilter(start=dt.date(2019, 1, 1), end=dt.date(2020, 3, 1)), True),
        (conflicts.ConflictFilter(start=dt.date(2020, 7, 1), end=dt.date(2020, 12, 31)), False),
        (conflicts.ConflictFilter(start=dt.date(2019, 1, 1), end=dt.date(2019, 12, 31)), False),
    ],
)
def test_register_filters(cases, flt, included):
    case_id = cases()
    conflicts.move_stage(STAFF, case_id, "closed", on=dt.date(2020, 6, 30))
    found = conflicts.register(flt)
    assert (case_id in set(found["id"])) is included
    # Every row shown satisfies the filter (demo cases included).
    if flt.districts:
        assert set(found["district_code"]) <= set(flt.districts)
    if flt.types:
        assert set(found["conflict_type"]) <= set(flt.types)
    if flt.stages:
        assert set(found["stage"]) <= set(flt.stages)
    if flt.severities:
        assert set(found["severity"]) <= set(flt.severities)
    if flt.end:
        assert (found["opened_on"] <= flt.end).all()
    if flt.start:
        assert all(c is None or pd.isna(c) or c >= flt.start for c in found["closed_on"])


def test_register_lists_the_demo_cases_with_district_names(db_url):
    found = conflicts.register()
    assert len(found) >= 150
    assert found["district_name"].notna().all()
    assert set(found["stage"]) <= set(vocab.CONFLICT_STAGES)
    assert list(found["opened_on"]) == sorted(found["opened_on"], reverse=True)


def test_unknown_filter_codes_are_refused():
    with pytest.raises(InvalidInput):
        conflicts.register(conflicts.ConflictFilter(types=["noise"]))
    with pytest.raises(InvalidInput):
        conflicts.register(
            conflicts.ConflictFilter(start=dt.date(2021, 1, 1), end=dt.date(2020, 1, 1))
        )


# --------------------------------------------------------------------------- early warning


def _mine(warning, conflict_id):
    near = warning.nearby
    return near[near["conflict_id"] == conflict_id]


def test_early_warning_finds_sites_and_planned_projects_by_true_distance(cases, sites):
    active = cases(stage="review_meeting")
    site_300 = sites(_offset(*HERE, 90, 300), "동쪽 300 m")
    site_700 = sites(_offset(*HERE, 90, 700), "동쪽 700 m")
    planned = cases(geometry=_offset(*HERE, 0, 450), title="북쪽 450 m 계획 사업")
    closed = cases(geometry=_offset(*HERE, 180, 200), title="남쪽 200 m 종결 사례")
    conflicts.move_stage(STAFF, closed, "closed", on=dt.date(2020, 5, 1))

    warning = conflicts.early_warning(500)
    mine = _mine(warning, active)
    got = {(k, i): d for k, i, d in mine[["kind", "item_id", "distance_m"]].itertuples(index=False)}
    # Demo sites may lie near City Hall too: judge the items this test placed.
    placed = {
        ("program_site", site_300),
        ("program_site", site_700),
        ("planned_project", planned),
        ("planned_project", closed),
    }
    assert set(got) & placed == {("program_site", site_300), ("planned_project", planned)}
    assert got[("program_site", site_300)] == pytest.approx(300, abs=0.5)
    assert got[("planned_project", planned)] == pytest.approx(450, abs=0.5)
    # A planned project is not an active conflict: it has no zone of its own.
    assert active in set(warning.zones["id"]) and planned not in set(warning.zones["id"])
    assert closed not in set(warning.zones["id"])
    # Wider distance: the 700 m site joins.
    wider = _mine(conflicts.early_warning(800), active)
    assert site_700 in set(wider.loc[wider["kind"] == "program_site", "item_id"])


def test_early_warning_measures_from_the_edge_of_a_conflict_area(cases, sites):
    # A ~400 m square project area: a site inside is at 0 m, one 200 m east of its edge at 200.
    west, east = _offset(*HERE, 270, 200), _offset(*HERE, 90, 200)
    south, north = _offset(*HERE, 180, 200), _offset(*HERE, 0, 200)
    area = shapely.box(west.x, south.y, east.x, north.y)
    active = cases(geometry=area, stage="impact_analysis")
    inside = sites(shapely.Point(*HERE), "안쪽")
    beyond = sites(_offset(east.x, HERE[1], 90, 200), "경계에서 200 m")
    mine = _mine(conflicts.early_warning(300), active).set_index("item_id")
    assert mine.loc[inside, "distance_m"] == pytest.approx(0, abs=0.01)
    assert mine.loc[beyond, "distance_m"] == pytest.approx(200, abs=0.5)
    zone = conflicts.early_warning(300).zones.set_index("id").loc[active, "geom"]
    assert zone.contains(area)


@pytest.mark.parametrize("distance", [0, -5, 10_000])
def test_early_warning_distance_must_be_sensible(distance):
    with pytest.raises(InvalidInput):
        conflicts.early_warning(distance)


# --------------------------------------------------------------------------- page

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def _page(**session) -> AppTest:
    from views.common import SESSION_KEY

    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in session.items():
        if key == "viewer":  # signed in, as the sidebar's sign-in box would leave it
            at.session_state[SESSION_KEY] = (value, dt.datetime.now(dt.UTC))
        else:
            at.session_state[key] = value
    at.run()
    at.switch_page("views/conflicts.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_page_lists_the_register_and_hides_staff_forms_from_the_public(db_url, lang):
    at = _page(lang=lang)
    title = "갈등 관리" if lang == "ko" else "Conflicts"
    assert title in [t.value for t in at.title]
    metrics = {m.label: m.value for m in at.metric}
    cases_label = "사례 수" if lang == "ko" else "Cases"
    assert metrics[cases_label] == f"{len(conflicts.register()):,}"
    active_label = "진행 중 갈등" if lang == "ko" else "Active conflicts"
    # Only the open tab (the register) is drawn before the first paint.
    assert active_label not in metrics
    at.session_state["conf_tabs"] = "조기 경보" if lang == "ko" else "Early warning"
    at.run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[active_label] == f"{len(conflicts.early_warning(500).zones):,}"
    at.session_state["conf_tabs"] = "사례 보기" if lang == "ko" else "Case"
    at.run()
    assert not at.main.text_input, "the public sees no form"
    assert any("staff" in c.value or "직원" in c.value for c in at.caption)


def test_staff_add_a_case_on_the_page(engine, cases, cleanup):
    at = _page(viewer=STAFF, conf_tabs="사례 보기")
    labels = {w.label: w for w in at.main.text_input}
    labels["사례명"].set_value("페이지 등록 테스트 사례")
    labels["관련 시 사업"].set_value("광장 재구조화")
    labels["담당 부서"].set_value("테스트 갈등조정과")
    labels["이해관계자 (쉼표로 구분)"].set_value("상인회, 지역주민")
    at.button(key="FormSubmitter:add_case-저장").click().run()
    assert not at.exception, [e.message for e in at.exception]
    found = conflicts.register(conflicts.ConflictFilter(departments=["테스트 갈등조정과"]))
    cleanup.records("conflict_cases", [int(i) for i in found["id"]])
    assert list(found["title"]) == ["페이지 등록 테스트 사례"]
    case_id = int(found["id"].iloc[0])
    assert any(f"#{case_id}" in s.value for s in at.toast)  # a toast, in view
    assert conflicts.case_detail(case_id).history["changed_by"].tolist() == ["test-kim"]
