"""Demo data: deterministic, plausible, inside Seoul's dongs, within budgets, flagged as demo;
only people, program sites and conflicts (space and heritage come from open data)."""

from __future__ import annotations

import pytest
import shapely
import sqlalchemy as sa

from geo.reference import SEOUL_BOUNDS, read_boundaries
from geo.settings import load_settings
from loaders.demo import generate


@pytest.fixture(scope="module")
def demo():
    return generate(load_settings().demo_seed)


def test_same_seed_same_data_other_seed_other_data(demo):
    again = generate(load_settings().demo_seed)
    assert again == demo
    other = generate(load_settings().demo_seed + 1)
    assert other.resources[0]["geom"] != demo.resources[0]["geom"]


def test_sizes_and_mix(demo):
    assert len(demo.resources) == 1500
    assert 300 <= len(demo.sites) <= 600
    assert 100 <= len(demo.conflicts) <= 200
    kinds = {r["kind"] for r in demo.resources}
    assert kinds == {"human"}  # no public data on people; places are real (open data)
    assert {r["category"] for r in demo.resources} == {"artist", "activist", "civic_group"}


def test_every_point_is_inside_a_seoul_dong(demo):
    _, dongs = read_boundaries()
    seoul = shapely.union_all([d.geom for d in dongs])
    shapely.prepare(seoul)
    points = [shapely.from_wkt(r["geom"]) for r in demo.resources + demo.sites]
    lon_min, lat_min, lon_max, lat_max = SEOUL_BOUNDS
    for p in points:
        assert lon_min <= p.x <= lon_max and lat_min <= p.y <= lat_max
    assert all(seoul.contains(p) for p in points)


def test_loaded_demo_is_flagged_and_only_people_sites_and_conflicts(engine):
    with engine.connect() as conn:
        demo_kinds = conn.execute(
            sa.text("SELECT DISTINCT kind FROM resources WHERE is_demo")
        ).scalars()
        demo_kinds = set(demo_kinds)
        real_sites_or_conflicts = conn.execute(
            sa.text(
                "SELECT (SELECT count(*) FROM program_sites WHERE NOT is_demo)"
                " + (SELECT count(*) FROM conflict_cases WHERE NOT is_demo)"
            )
        ).scalar_one()
        # Every record that is not demo comes from a published file of the manifest.
        not_open = conn.execute(
            sa.text(
                """SELECT count(*) FROM resources r
                   WHERE NOT r.is_demo AND NOT EXISTS (
                       SELECT 1 FROM datasets d WHERE d.source = r.source AND d.is_open_data)"""
            )
        ).scalar_one()
        demo_people_districts = conn.execute(
            sa.text("SELECT count(DISTINCT district_code) FROM resources WHERE is_demo")
        ).scalar_one()
        unassigned = conn.execute(
            sa.text("SELECT count(*) FROM resources WHERE dong_code IS NULL")
        ).scalar_one()
    assert demo_kinds == {"human"}
    assert real_sites_or_conflicts == 0
    assert not_open == 0
    assert demo_people_districts == 25
    assert unassigned == 0


def test_grants_stay_within_each_programs_budget(engine):
    with engine.connect() as conn:
        over = conn.execute(
            sa.text(
                """SELECT p.no FROM programs p JOIN program_sites s ON s.program_no = p.no
                   GROUP BY p.no HAVING sum(s.grant_mkrw) > p.budget_mkrw"""
            )
        ).all()
        programs_with_sites = conn.execute(
            sa.text("SELECT count(DISTINCT program_no) FROM program_sites")
        ).scalar_one()
    assert over == []
    assert programs_with_sites == 33  # every program with a budget; two have none (0 KRW)
