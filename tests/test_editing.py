"""Staff editing: add, change, retire and restore, with history, audit and district limits."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import shapely
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from geo import conflicts, editing, nearby, queries
from geo.access import PUBLIC, Viewer
from geo.errors import Forbidden, InvalidInput
from layers.export.read import Selection, read_layers

APP = str(Path(__file__).resolve().parent.parent / "app.py")
MAPO = "11440"
OFFICER = Viewer("district_officer", "edit.officer", MAPO)
ADMIN = Viewer("admin", "edit.admin")
PLANNER = Viewer("planner", "edit.planner")
MANGWON = (126.9045, 37.5560)  # 망원동, Mapo-gu
YEOKSAM = (127.0366, 37.5006)  # 역삼동, Gangnam-gu
TAG = "편집시험"


def _space(name: str = f"{TAG} 공간", **changes) -> dict:
    return {
        "name": name,
        "kind": "space",
        "category": "meeting_room",
        "description": "주민 회의실",
        "address": "망원로 1",
        "contact": "02-000-0000",
        "visibility": "public",
    } | changes


@pytest.fixture
def clean(cleanup):
    cleanup.named(f"{TAG}%")
    cleanup.users("edit.%")


def _row(engine, table: str, rid: int) -> dict:
    with engine.connect() as conn:
        return dict(
            conn.execute(sa.text(f"SELECT * FROM {table} WHERE id = :id"), {"id": rid})
            .mappings()
            .one()
        )


def _history(engine, table: str, rid: int) -> list:
    with engine.connect() as conn:
        return conn.execute(
            sa.text(
                """SELECT operation, changed_by, old_values, new_values FROM change_history
                   WHERE table_name = :t AND record_id = :id ORDER BY id"""
            ),
            {"t": table, "id": rid},
        ).all()


def _audit(engine, username: str) -> list:
    with engine.connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT action, target, records FROM audit_log WHERE username = :u ORDER BY id"
            ),
            {"u": username},
        ).all()


def test_an_officer_adds_a_resource_in_their_district(clean, engine):
    rid = editing.save_record(OFFICER, "resources", _space(), lon=MANGWON[0], lat=MANGWON[1])
    row = _row(engine, "resources", rid)
    assert row["district_code"] == MAPO and row["source"] == editing.EDITOR_SOURCE
    assert row["contact"] == "02-000-0000" and row["retired_at"] is None
    (insert,) = _history(engine, "resources", rid)
    assert insert.operation == "INSERT" and insert.changed_by == OFFICER.username
    assert insert.new_values["name"] == f"{TAG} 공간"
    assert _audit(engine, OFFICER.username) == [("add", f"resources#{rid}", 1)]


def test_an_officer_cannot_add_elsewhere_and_nothing_is_written(clean, engine):
    def count():
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM resources")).scalar_one()

    before = count()
    with pytest.raises(Forbidden) as refused:
        editing.save_record(OFFICER, "resources", _space(), lon=YEOKSAM[0], lat=YEOKSAM[1])
    assert "담당 자치구" in refused.value.user_msg
    with pytest.raises(InvalidInput, match="outside Seoul"):
        editing.save_record(ADMIN, "resources", _space(), lon=127.3, lat=37.3)
    assert count() == before


def test_an_edit_keeps_old_and_new_values_and_an_unchanged_save_writes_nothing(clean, engine):
    rid = editing.save_record(ADMIN, "resources", _space(), lon=MANGWON[0], lat=MANGWON[1])
    changed = _space(description="어린이 도서관으로 바뀜", contact="02-111-1111")
    for _ in range(2):  # the second save changes nothing
        editing.save_record(
            OFFICER, "resources", changed, lon=MANGWON[0], lat=MANGWON[1], record_id=rid
        )
    ops = _history(engine, "resources", rid)
    assert [h.operation for h in ops] == ["INSERT", "UPDATE"]
    update = ops[1]
    assert update.changed_by == OFFICER.username
    assert update.old_values == {"description": "주민 회의실", "contact": "02-000-0000"}
    assert update.new_values == {"description": "어린이 도서관으로 바뀜", "contact": "02-111-1111"}
    shown = editing.record_history(OFFICER, "resources", rid)
    desc = shown[(shown["operation"] == "UPDATE") & (shown["field"] == "description")]
    assert list(desc[["old", "new"]].iloc[0]) == ["주민 회의실", "어린이 도서관으로 바뀜"]
    assert ("edit", f"resources#{rid}", 1) in _audit(engine, OFFICER.username)


def test_moving_a_record_into_another_district_is_refused(clean, engine):
    rid = editing.save_record(OFFICER, "resources", _space(), lon=MANGWON[0], lat=MANGWON[1])
    with pytest.raises(Forbidden):
        editing.save_record(
            OFFICER, "resources", _space(), lon=YEOKSAM[0], lat=YEOKSAM[1], record_id=rid
        )
    row = _row(engine, "resources", rid)
    assert row["district_code"] == MAPO
    assert [h.operation for h in _history(engine, "resources", rid)] == ["INSERT"]
    # The administrator may move it; district and dong follow the point.
    editing.save_record(ADMIN, "resources", _space(), lon=YEOKSAM[0], lat=YEOKSAM[1], record_id=rid)
    assert _row(engine, "resources", rid)["district_code"] == "11680"


def _public_names() -> set[str]:
    return set(queries.resources(PUBLIC, queries.ResourceFilter(text=TAG))["name"])


def test_a_retired_resource_leaves_every_view_but_is_kept_and_can_come_back(clean, engine):
    rid = editing.save_record(OFFICER, "resources", _space(), lon=MANGWON[0], lat=MANGWON[1])
    place = nearby.Place(*MANGWON, "망원동")
    flt = queries.ResourceFilter(text=TAG)

    def near() -> list[str]:
        return [h.name for h in nearby.nearby(PUBLIC, place, radius_m=300, flt=flt)]

    assert _public_names() == {f"{TAG} 공간"} and near() == [f"{TAG} 공간"]
    editing.retire_record(OFFICER, "resources", rid)
    assert _public_names() == set() and near() == []
    assert queries.resources(PLANNER, flt).empty  # analyses and staff maps too
    (layer,) = read_layers(["resources"], viewer=ADMIN, selection=Selection(resources=flt))
    assert layer.n == 0
    row = _row(engine, "resources", rid)  # still there, with who retired it
    assert row["retired_at"] is not None and row["retired_by"] == OFFICER.username
    assert editing.find_records(OFFICER, "resources", text=TAG).empty
    kept = editing.find_records(OFFICER, "resources", text=TAG, include_retired=True)
    assert list(kept["id"]) == [rid]
    with pytest.raises(InvalidInput):
        editing.retire_record(OFFICER, "resources", rid)  # already retired
    editing.retire_record(OFFICER, "resources", rid, restore=True)
    assert _public_names() == {f"{TAG} 공간"}
    assert [a[0] for a in _audit(engine, OFFICER.username)] == ["add", "retire", "restore"]
    fields = set(editing.record_history(ADMIN, "resources", rid)["field"])
    assert "retired_at" in fields


def test_retired_sites_and_cases_leave_maps_and_counts(clean, engine):
    site = {
        "name": f"{TAG} 마을",
        "program_no": 1,
        "stage": "seed",
        "year": 2024,
        "grant_mkrw": 12.5,
    }
    before = queries.district_summary(PUBLIC, MAPO)
    sid = editing.save_record(OFFICER, "program_sites", site, lon=MANGWON[0], lat=MANGWON[1])
    case_id = conflicts.add_case(
        OFFICER,
        conflicts.NewCase(
            title=f"{TAG} 갈등",
            city_project="시험 사업",
            department="시험과",
            conflict_type=next(iter(conflicts.vocab.CONFLICT_TYPES)),
            severity=3,
            geometry=shapely.Point(*MANGWON),
            opened_on=dt.date(2024, 1, 2),
        ),
    )
    during = queries.district_summary(PUBLIC, MAPO)
    assert during["program_sites"] == before["program_sites"] + 1
    assert during["grant_mkrw"] == pytest.approx(before["grant_mkrw"] + 12.5)
    assert during["open_conflicts"] == before["open_conflicts"] + 1
    editing.retire_record(OFFICER, "program_sites", sid)
    editing.retire_record(OFFICER, "conflict_cases", case_id)
    after = queries.district_summary(PUBLIC, MAPO)
    assert (after["program_sites"], after["open_conflicts"]) == (
        before["program_sites"],
        before["open_conflicts"],
    )
    assert f"{TAG} 마을" not in set(queries.program_sites(MAPO)["name"])
    assert f"{TAG} 갈등" not in set(conflicts.register()["title"])
    # Changing a case's details is an edit like any other (its stage has its own form);
    # an area stays an area when its location is not changed.
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE conflict_cases SET geom = ST_Buffer(geom::geography, 80)::geometry "
                "WHERE id = :id"
            ),
            {"id": case_id},
        )
    editing.retire_record(OFFICER, "conflict_cases", case_id, restore=True)
    values = {k: v for k, v in editing.get_record(OFFICER, "conflict_cases", case_id).items()}
    fields = {f.name: values[f.name] for f in editing.EDITABLE["conflict_cases"].fields}
    fields["department"] = "갈등조정담당관"
    lon, lat = round(values["lon"], 6), round(values["lat"], 6)  # as the form shows them
    editing.save_record(OFFICER, "conflict_cases", fields, lon=lon, lat=lat, record_id=case_id)
    assert _row(engine, "conflict_cases", case_id)["department"] == "갈등조정담당관"
    with engine.connect() as conn:
        kind = conn.execute(
            sa.text("SELECT GeometryType(geom) FROM conflict_cases WHERE id = :id"),
            {"id": case_id},
        ).scalar_one()
    assert kind == "POLYGON"


def test_every_problem_of_a_form_is_reported_at_once(clean):
    bad = _space(name=" ", category="library", kind="human", visibility="everyone")
    with pytest.raises(InvalidInput) as err:
        editing.save_record(ADMIN, "resources", bad, lon=MANGWON[0], lat=MANGWON[1])
    assert "name" in err.value.user_msg and "visibility" in err.value.user_msg
    site = {"name": f"{TAG}", "program_no": 99, "stage": "seed", "year": 1990, "grant_mkrw": -1}
    with pytest.raises(InvalidInput) as err:
        editing.save_record(ADMIN, "program_sites", site, lon=MANGWON[0], lat=MANGWON[1])
    for field in ("program_no", "year", "grant_mkrw"):
        assert field in err.value.user_msg
    with pytest.raises(InvalidInput, match="map"):
        editing.save_record(ADMIN, "resources", _space(), lon=None, lat=None)


def test_history_holds_contacts_so_only_those_who_may_see_them_read_it(clean):
    rid = editing.save_record(ADMIN, "resources", _space(), lon=YEOKSAM[0], lat=YEOKSAM[1])
    assert len(editing.record_history(PLANNER, "resources", rid)) > 0
    for who in (PUBLIC, OFFICER):  # the Mapo officer, for a Gangnam record
        with pytest.raises(Forbidden):
            editing.record_history(who, "resources", rid)


def test_the_edit_page_saves_a_change_for_a_signed_in_officer(clean, engine, db_url):
    from views.common import SESSION_KEY

    rid = editing.save_record(ADMIN, "resources", _space(), lon=MANGWON[0], lat=MANGWON[1])
    elsewhere = editing.save_record(
        ADMIN, "resources", _space(f"{TAG} 역삼"), lon=YEOKSAM[0], lat=YEOKSAM[1]
    )
    public = AppTest.from_file(APP, default_timeout=90).run()
    with pytest.raises(ValueError):  # not even listed for the public
        public.switch_page("views/editor.py")
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state[SESSION_KEY] = (OFFICER, dt.datetime.now(dt.UTC))
    at.run()
    at.switch_page("views/editor.py").run()
    assert not at.exception
    at.text_input(key="editor_search").input(TAG).run()
    offered = [o for o in at.selectbox(key="ed_pick").options if TAG in o]
    assert len(offered) == 1 and f"#{rid} " in offered[0]  # not the Gangnam record
    assert f"#{elsewhere} " not in " ".join(at.selectbox(key="ed_pick").options)
    at.selectbox(key="ed_pick").select(rid).run()
    # Inside a form a value is sent with the submit click, not before.
    at.text_area(key=f"ed-resources-{rid}-description").input("주말에만 엽니다")
    (submit,) = [b for b in at.button if b.label == "저장"]
    submit.click().run()
    assert not at.exception
    assert _row(engine, "resources", rid)["description"] == "주말에만 엽니다"
    assert any("저장했습니다" in s.value for s in at.toast)  # a toast: on screen
    history = _history(engine, "resources", rid)
    assert history[-1].changed_by == OFFICER.username


def test_a_dong_level_resource_moved_by_staff_becomes_exact(clean, engine):
    rid = editing.save_record(ADMIN, "resources", _space(), lon=MANGWON[0], lat=MANGWON[1])
    with engine.begin() as conn:  # as an address-only import leaves it
        conn.execute(
            sa.text("UPDATE resources SET location_precision = 'dong' WHERE id = :id"), {"id": rid}
        )
    editing.save_record(
        ADMIN,
        "resources",
        _space(description="바뀜"),
        lon=MANGWON[0],
        lat=MANGWON[1],
        record_id=rid,
    )
    assert _row(engine, "resources", rid)["location_precision"] == "dong"  # not moved
    editing.save_record(
        ADMIN, "resources", _space(), lon=MANGWON[0] + 0.001, lat=MANGWON[1], record_id=rid
    )
    assert _row(engine, "resources", rid)["location_precision"] == "exact"


def test_records_of_one_place_from_several_sources_are_told_apart(db_url):
    """Walkthrough (officer): searching 망원시장 listed three "#n 망원시장 · 마포구" (one
    place, three published sources); each now names its source."""
    found = editing.find_records(OFFICER, "resources", text="망원시장")
    same = found[found["title"] == "망원시장"]
    assert len(same) > 1  # the market is in several open-data files
    assert same["source_ko"].is_unique and same["source_en"].is_unique
    assert "전국전통시장표준데이터" in set(same["source_ko"])  # the dataset's title
