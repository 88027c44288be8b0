"""Classic SQL injection payloads in every text filter and form field: stored or matched as
plain text, never run. Each test checks the tables are intact afterwards."""

from __future__ import annotations

import datetime as dt

import pytest
import shapely
import sqlalchemy as sa

from geo import auth, conflicts, editing, queries
from geo.access import PUBLIC, Viewer
from geo.db import transaction
from geo.errors import InvalidInput, NotFound
from geo.reference import resolve_districts
from loaders.ingest import run_import
from loaders.plan import ImportOptions, prepare

ADMIN = Viewer("admin", "inject.admin")
MANGWON = (126.9045, 37.5560)
PAYLOADS = [
    "'; DROP TABLE resources; --",
    "' OR '1'='1",
    "1; DELETE FROM users WHERE true; --",
    '" OR ""="',
    "%' OR 1=1 --",
    "\\'; SELECT pg_sleep(5); --",
    "Robert'); DROP TABLE audit_log;--",
    "x' UNION SELECT username, password_hash FROM users --",
]


@pytest.fixture
def intact(engine, cleanup):
    """Counts of the tables a payload would hit; checked unchanged (or grown) after the test."""

    def counts() -> dict[str, int]:
        with engine.connect() as conn:
            return {
                t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
                for t in ("resources", "users", "audit_log", "program_sites", "conflict_cases")
            }

    before = counts()
    yield
    after = counts()
    for table, n in before.items():
        assert after[table] >= n, f"{table} lost rows"
    cleanup.source("inject%")
    cleanup.sql("DELETE FROM resources WHERE source = 'editor' AND name = ANY(:p)", p=PAYLOADS)
    cleanup.sql("DELETE FROM program_sites WHERE source = 'editor'")
    cleanup.sql("DELETE FROM conflict_cases WHERE department LIKE 'inject%'")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_resource_filters_take_payloads_as_text(intact, payload):
    for who in (PUBLIC, ADMIN):
        assert queries.resources(who, queries.ResourceFilter(text=payload)).empty
    assert editing.find_records(ADMIN, "resources", text=payload).empty


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_resource_form_field_stores_the_payload_verbatim(intact, engine, payload):
    values = {
        "name": payload,
        "kind": "space",
        "category": "hall",
        "description": payload,
        "address": payload,
        "contact": payload,
        "visibility": "public",
    }
    rid = editing.save_record(ADMIN, "resources", values, lon=MANGWON[0], lat=MANGWON[1])
    stored = editing.get_record(ADMIN, "resources", rid)
    for field in ("name", "description", "address", "contact"):
        assert stored[field] == payload
    # The name filter finds exactly this record by its literal text.
    assert list(editing.find_records(ADMIN, "resources", text=payload)["id"]) == [rid]


@pytest.mark.parametrize("payload", PAYLOADS[:3])
def test_site_and_case_form_fields_store_the_payload_verbatim(intact, engine, payload):
    site = {"name": payload, "program_no": 1, "stage": "seed", "year": 2024, "grant_mkrw": 1}
    sid = editing.save_record(ADMIN, "program_sites", site, lon=MANGWON[0], lat=MANGWON[1])
    assert editing.get_record(ADMIN, "program_sites", sid)["name"] == payload
    case_id = conflicts.add_case(
        ADMIN,
        conflicts.NewCase(
            title=payload,
            city_project=payload,
            department=f"inject {payload}",
            conflict_type=next(iter(conflicts.vocab.CONFLICT_TYPES)),
            severity=2,
            geometry=shapely.Point(*MANGWON),
            opened_on=dt.date(2024, 3, 1),
            stakeholders=[payload],
            note=payload,
        ),
    )
    case = conflicts.case_detail(case_id).case
    assert (case["title"], case["city_project"], list(case["stakeholders"])) == (
        payload,
        payload,
        [payload],
    )
    conflicts.move_stage(ADMIN, case_id, "impact_analysis", on=dt.date(2024, 3, 2), note=payload)
    assert conflicts.case_detail(case_id).history.iloc[-1]["note"] == payload
    flt = conflicts.ConflictFilter(departments=[f"inject {payload}"])
    assert list(conflicts.register(flt)["id"]) == [case_id]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_sign_in_and_account_names_refuse_payloads(intact, payload):
    with pytest.raises(auth.LoginFailed):
        auth.authenticate(payload, payload, sleep=lambda _s: None)
    with pytest.raises(InvalidInput), transaction() as conn:
        auth.create_user(conn, payload, "long enough password", role="planner", by=ADMIN)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_district_names_in_exports_refuse_payloads(payload):
    with pytest.raises((InvalidInput, NotFound)):
        resolve_districts([payload])


def test_an_imported_file_full_of_payloads_is_stored_as_text(intact, engine, tmp_path):
    path = tmp_path / "payloads.csv"
    header = '이름,위도,경도,설명,"name\'); DROP TABLE resources;--"'
    quoted = [p.replace('"', '""') for p in PAYLOADS]
    rows = [f'"{p}",{MANGWON[1]},{MANGWON[0]},"{i}",x' for i, p in enumerate(quoted)]
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    source = "inject'; DROP TABLE resources; --"
    opts = ImportOptions(source=source, kind="space", category="hall", viewer=ADMIN)
    report = run_import(prepare(path, opts))
    assert report.inserted == len(PAYLOADS) and report.rejected == 0
    with engine.connect() as conn:
        names = conn.execute(
            sa.text("SELECT name FROM resources WHERE source = :s"), {"s": source}
        ).scalars()
        assert set(names) == set(PAYLOADS)
