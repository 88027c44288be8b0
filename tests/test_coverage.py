"""The Coverage page's figures, checked against a small scenario computed by hand.

The scenario (source ``test_coverage``, removed after the module) sits in three real dongs:

* 상암동 (Mapo-gu, 11440): site S1 (program 2, 2020, 희망, 10.0 million KRW) and site S3
  (program 2, 2021, 새싹, 2.5), 1.4 km apart; around S1 a space 100 m east, a heritage
  item 300 m north, an "other" 800 m south (all public) and a staff-only space 200 m west.
* 망원동 (Mapo-gu): three public resources (two spaces, one person) and no site.
* 역삼동 (Gangnam-gu, 11680): site S2 (program 23, 2020, 씨앗, 4.5) and an "other" 50 m
  from it.

Programs 2 and 23 have a budget of 0, so the demo generator never gives them sites, and
every query here also filters on the scenario's source: the expected values below follow
from the scenario alone. Both sites' 500 m buffers lie wholly inside their district
(checked in the fixture), so each covers exactly the area of a 32-gon of circumradius
500 m (ST_Buffer with 8 segments per quarter circle).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa
import streamlit as st
from streamlit.testing.v1 import AppTest

from geo import coverage
from geo.access import PUBLIC, Viewer, resource_source, source_params
from geo.areas import assign_areas
from geo.classify import classify
from geo.errors import InvalidInput
from layers import choropleth
from loaders import population
from loaders.programs import read_programs

SOURCE = "test_coverage"
ONLY = coverage.CoverageFilter(sources=(SOURCE,))
PLANNER = Viewer("planner", "planner1")
MAPO, GANGNAM = "11440", "11680"
SANGAM, MANGWON, YEOKSAM = "상암동", "망원동", "역삼동"
S1, S2, S3 = (126.8775, 37.5675), (127.0366, 37.5006), (126.8875, 37.5775)
#: Area of the 32-gon ST_Buffer draws for r = 500 m: n/2 * r^2 * sin(2*pi/n), n = 32.
BUFFER_M2 = 32 / 2 * 500**2 * math.sin(2 * math.pi / 32)  # = 780,361.3 m²
APP = str(Path(__file__).resolve().parent.parent / "app.py")

# (source_id, kind, category, site to measure from, metres, bearing in degrees, visibility)
# A bearing of None means the point itself (x, y) is given instead.
_RESOURCES = [
    ("r1", "space", "hall", S1, 100, 90, "public"),
    ("r2", "heritage", "village_story", S1, 300, 0, "public"),
    ("r3", "other", "local_feature", S1, 800, 180, "public"),
    ("r4", "space", "library", S1, 200, 270, "staff"),
    ("r5", "space", "library", (126.9010, 37.5580), 0, None, "public"),
    ("r6", "space", "garden", (126.9000, 37.5570), 0, None, "public"),
    ("r7", "human", "artist", (126.9020, 37.5560), 0, None, "public"),
    ("r8", "other", "resident_need", S2, 50, 45, "public"),
]
# (source_id, program, year, stage, grant, point)
_SITES = [
    ("s1", 2, 2020, "hope", 10.0, S1),
    ("s2", 23, 2020, "seed", 4.5, S2),
    ("s3", 2, 2021, "sprout", 2.5, S3),
]
# (site, year, quarter, resident_led, governance, local_resources)
_EVALUATIONS = [
    ("s1", 2020, 1, 70, 80, 90),
    ("s1", 2020, 2, 60, 70, 80),
    ("s2", 2020, 2, 50, 50, 50),
    ("s3", 2021, 1, 90, 90, 60),
]


@pytest.fixture(scope="module")
def scenario(engine, module_cleanup):
    """The hand-computed scenario, in the database for the module, then removed."""
    module_cleanup.source(SOURCE)
    module_cleanup.run()  # what an interrupted run left
    with engine.begin() as conn:
        for sid, kind, cat, (x, y), metres, bearing, vis in _RESOURCES:
            point = "ST_SetSRID(ST_MakePoint(:x, :y), 4326)"
            if bearing is not None:
                point = f"ST_Project({point}::geography, :m, radians(:b))::geometry"
            conn.execute(
                sa.text(
                    f"""INSERT INTO resources (kind, category, name, geom, visibility, source,
                            source_id)
                        VALUES (:k, :c, :n, {point}, :v, :src, :sid)"""
                ),
                dict(
                    k=kind,
                    c=cat,
                    n=f"시험 {sid}",
                    x=x,
                    y=y,
                    m=metres,
                    b=bearing,
                    v=vis,
                    src=SOURCE,
                    sid=sid,
                ),
            )
        for sid, prog, year, stage, grant, (x, y) in _SITES:
            conn.execute(
                sa.text(
                    """INSERT INTO program_sites (program_no, name, geom, stage, year,
                           grant_mkrw, source, source_id)
                       VALUES (:p, :n, ST_SetSRID(ST_MakePoint(:x, :y), 4326), :st, :yr, :g,
                           :src, :sid)"""
                ),
                dict(
                    p=prog,
                    n=f"시험 {sid}",
                    x=x,
                    y=y,
                    st=stage,
                    yr=year,
                    g=grant,
                    src=SOURCE,
                    sid=sid,
                ),
            )
        for sid, year, q, a, b, c in _EVALUATIONS:
            conn.execute(
                sa.text(
                    """INSERT INTO site_evaluations (site_id, year, quarter, resident_led,
                           governance, local_resources)
                       SELECT id, :y, :q, :a, :b, :c FROM program_sites
                       WHERE source = :src AND source_id = :sid"""
                ),
                dict(y=year, q=q, a=a, b=b, c=c, src=SOURCE, sid=sid),
            )
        for table in ("resources", "program_sites"):
            ids = conn.execute(
                sa.text(f"SELECT id FROM {table} WHERE source = :s"), {"s": SOURCE}
            ).scalars()
            assign_areas(conn, table, ids=list(ids))
        where = dict(
            conn.execute(
                sa.text(
                    """SELECT t.source_id, d.name_ko FROM (
                           SELECT source_id, dong_code FROM resources WHERE source = :s
                           UNION ALL SELECT source_id, dong_code FROM program_sites
                           WHERE source = :s) t JOIN dongs d ON d.code = t.dong_code"""
                ),
                {"s": SOURCE},
            ).all()
        )
        inside = conn.execute(
            sa.text(
                """SELECT bool_and(ST_Within(ST_Buffer(ST_Transform(s.geom, 5179), 500, 8),
                                             ST_Transform(g.geom, 5179)))
                   FROM program_sites s JOIN districts g ON g.code = s.district_code
                   WHERE s.source = :s"""
            ),
            {"s": SOURCE},
        ).scalar_one()
    # Preconditions of the hand computation: every point in its intended dong, and every
    # site's 500 m buffer wholly inside its district.
    assert where == {
        "r1": SANGAM,
        "r2": SANGAM,
        "r3": SANGAM,
        "r4": SANGAM,
        "r5": MANGWON,
        "r6": MANGWON,
        "r7": MANGWON,
        "r8": YEOKSAM,
        "s1": SANGAM,
        "s2": YEOKSAM,
        "s3": SANGAM,
    }
    assert inside


def _row(df: pd.DataFrame, **match) -> pd.Series:
    hit = df
    for col, value in match.items():
        hit = hit[hit[col] == value]
    assert len(hit) == 1, match
    return hit.iloc[0]


def _district_m2(engine, code: str) -> float:
    with engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT ST_Area(ST_Transform(geom, 5179)) FROM districts WHERE code = :c"),
            {"c": code},
        ).scalar_one()


# --- counts, sums, per km², stage mix ----------------------------------------------------


def test_district_figures_sum_the_scenario_sites(scenario):
    df = coverage.area_metrics("district", ONLY)
    mapo, gangnam = _row(df, code=MAPO), _row(df, code=GANGNAM)
    # Mapo: S1 + S3 = 2 sites, 10.0 + 2.5 = 12.5 million KRW, one 희망 and one 새싹.
    assert (mapo["sites"], mapo["grant_mkrw"]) == (2, 12.5)
    assert mapo["grant_per_km2"] == pytest.approx(12.5 / mapo["area_km2"])
    assert (mapo["seed"], mapo["sprout"], mapo["hope"]) == (0, 1, 1)
    assert (mapo["share_sprout"], mapo["share_hope"]) == (50.0, 50.0)
    # Gangnam: S2 alone, 4.5, 씨앗 (100 %).
    assert (gangnam["sites"], gangnam["grant_mkrw"], gangnam["share_seed"]) == (1, 4.5, 100.0)
    # Every other district: nothing, and no stage share (no division by zero).
    rest = df[~df["code"].isin([MAPO, GANGNAM])]
    assert len(df) == 25 and rest["sites"].eq(0).all() and rest["grant_mkrw"].eq(0).all()
    assert rest["share_seed"].isna().all()


def test_dong_figures_put_each_site_in_its_dong(scenario):
    df = coverage.area_metrics("dong", ONLY)
    assert len(df) == 467
    assert _row(df, name_ko=SANGAM, district_code=MAPO)["sites"] == 2
    yeoksam = _row(df, name_ko=YEOKSAM, district_code=GANGNAM)
    assert (yeoksam["sites"], yeoksam["grant_mkrw"]) == (1, 4.5)
    assert yeoksam["grant_per_km2"] == pytest.approx(4.5 / yeoksam["area_km2"])
    assert df["sites"].sum() == 3


@pytest.mark.parametrize(
    ("flt", "mapo", "gangnam"),
    [
        # year 2020: S1 (10.0) in Mapo, S2 (4.5) in Gangnam; S3 (2021) drops out
        (dict(years=(2020,)), (1, 10.0), (1, 4.5)),
        (dict(years=(2021,)), (1, 2.5), (0, 0.0)),
        # stage 씨앗: only S2
        (dict(stages=("seed",)), (0, 0.0), (1, 4.5)),
        # office 시민소통기획관 runs program 23 (S2) only
        (dict(offices=("시민소통기획관",)), (0, 0.0), (1, 4.5)),
        (dict(divisions=("마을공동체담당관",)), (2, 12.5), (0, 0.0)),
        (dict(programs=(2,)), (2, 12.5), (0, 0.0)),
    ],
)
def test_every_filter_changes_the_figures(scenario, flt, mapo, gangnam):
    df = coverage.area_metrics("district", coverage.CoverageFilter(sources=(SOURCE,), **flt))
    got_mapo = _row(df, code=MAPO)
    got_gangnam = _row(df, code=GANGNAM)
    assert (got_mapo["sites"], got_mapo["grant_mkrw"]) == mapo
    assert (got_gangnam["sites"], got_gangnam["grant_mkrw"]) == gangnam


def test_unknown_stage_is_an_input_error():
    with pytest.raises(InvalidInput):
        coverage.CoverageFilter(stages=("tree",))


# --- the program x district matrix ------------------------------------------------------


def test_matrix_of_the_scenario_reconciles_with_grants_and_budgets(scenario):
    mx = coverage.program_district_matrix(ONLY)
    assert len(mx.cells) == 35 and len(mx.district_columns) == 25
    p2, p23 = _row(mx.cells, no=2), _row(mx.cells, no=23)
    assert p2[MAPO] == 12.5 and p2["total"] == 12.5 and p2["sites"] == 2
    assert p23[GANGNAM] == 4.5 and p23["total"] == 4.5
    # Grand totals: 12.5 + 4.5 granted, of the 35 budgets (72,482, the seed's lines).
    assert mx.totals["total"] == mx.totals["granted_mkrw"] == 17.0
    assert mx.totals["budget_mkrw"] == sum(p["budget_mkrw"] for p in read_programs()) == 72_482
    assert mx.totals[MAPO] == 12.5 and mx.totals["sites"] == 3
    sites = coverage.program_district_matrix(ONLY, value="sites")
    assert _row(sites.cells, no=2)[MAPO] == 2 and sites.totals["total"] == 3


def test_matrix_of_all_sites_matches_the_program_table(engine):
    mx = coverage.program_district_matrix()
    with engine.connect() as conn:
        granted = dict(
            conn.execute(
                sa.text(
                    "SELECT program_no, sum(grant_mkrw)::float8 FROM program_sites "
                    "GROUP BY program_no"
                )
            ).all()
        )
    by_no = mx.cells.set_index("no")
    for no, total in granted.items():
        assert by_no.loc[no, "total"] == pytest.approx(total)
    cells = by_no[list(mx.district_columns)].to_numpy().sum()
    assert cells == pytest.approx(sum(granted.values()))
    assert mx.totals["budget_mkrw"] == 72_482
    used = by_no["granted_mkrw"] / by_no["budget_mkrw"].where(by_no["budget_mkrw"] > 0) * 100
    assert np.allclose(by_no["used_pct"].dropna(), used.dropna())


def test_matrix_follows_the_office_filter():
    office = "서울혁신기획관"
    mx = coverage.program_district_matrix(coverage.CoverageFilter(offices=(office,)))
    expected = [p for p in read_programs() if p["office"] == office]
    assert sorted(mx.cells["no"]) == sorted(p["no"] for p in expected)
    assert mx.totals["budget_mkrw"] == sum(p["budget_mkrw"] for p in expected)


# --- gap analysis -----------------------------------------------------------------------


def _gaps(viewer, flt=ONLY, *, kinds=tuple(coverage.vocab.KINDS), rich=3, thin=1):
    counts = coverage.dong_resource_counts(viewer, flt)
    dongs = coverage.area_metrics("dong", flt)
    return coverage.gap_table(counts, dongs, kinds=kinds, rich_min=rich, thin_max=thin)


def test_gap_classes_of_the_scenario(scenario):
    gaps = _gaps(PUBLIC)
    # 망원동: 3 resources, no site -> untapped (rich = 3 or more), ranked first.
    # 역삼동: 1 site, 1 resource -> thin support (1 or fewer).
    # 상암동: 2 sites, 3 public resources (r1, r2, r3) -> supported.
    top = gaps.iloc[0]
    assert (top["name_ko"], top["gap"], top["resources"], top["rank"]) == (
        MANGWON,
        "untapped",
        3,
        1,
    )
    assert (top["space"], top["human"]) == (2, 1)
    assert _row(gaps, name_ko=YEOKSAM, district_code=GANGNAM)["gap"] == "thin"
    sangam = _row(gaps, name_ko=SANGAM)
    assert (sangam["gap"], sangam["resources"], sangam["sites"]) == ("supported", 3, 2)
    assert gaps["gap"].value_counts().to_dict() == {
        "quiet": 464,
        "untapped": 1,
        "thin": 1,
        "supported": 1,
    }


def test_gap_counts_respect_visibility_and_kinds(scenario):
    # Staff also count the staff-only library r4 in 상암동.
    assert _row(_gaps(PLANNER), name_ko=SANGAM)["resources"] == 4
    # Spaces only: 망원동 has 2, below "rich" = 3, so it is no longer untapped...
    spaces = _gaps(PUBLIC, kinds=("space",))
    assert _row(spaces, name_ko=MANGWON)["gap"] == "quiet"
    # ...but is at a threshold of 2; 상암동 keeps 1 public space (r1): thin support.
    spaces = _gaps(PUBLIC, kinds=("space",), rich=2)
    assert _row(spaces, name_ko=MANGWON)["gap"] == "untapped"
    assert _row(spaces, name_ko=SANGAM)["gap"] == "thin"


def test_gap_classes_follow_the_filters(scenario):
    # Only 2021: S3 in 상암동 remains; 역삼동 loses its site and is "quiet" (1 < 3).
    gaps = _gaps(PUBLIC, coverage.CoverageFilter(sources=(SOURCE,), years=(2021,)))
    assert _row(gaps, name_ko=YEOKSAM, district_code=GANGNAM)["gap"] == "quiet"
    assert _row(gaps, name_ko=SANGAM)["sites"] == 1


OFFICER = Viewer("district_officer", "officer1", MAPO)


def _counted(engine, viewer: Viewer) -> pd.DataFrame:
    """Places per dong and kind counted row by row from what ``viewer`` may read."""
    with engine.connect() as conn:
        return pd.read_sql(
            sa.text(
                # A place listed by several sources counts once (geo.places): a record
                # linked to an earlier, counted record of the same place is left out.
                f"""SELECT r.dong_code AS code, r.kind, count(*) AS n
                    FROM {resource_source(viewer)} r
                    WHERE r.dong_code IS NOT NULL AND NOT EXISTS (
                        SELECT 1 FROM resources rr
                        JOIN resource_places lp ON lp.resource_id = rr.id
                        JOIN resources f ON f.id = lp.place_id
                        WHERE rr.public_id = r.public_id AND lp.place_id <> rr.id
                          AND f.retired_at IS NULL AND f.visibility = 'public')
                    GROUP BY 1, 2"""
            ),
            conn,
            params=source_params(viewer),
        )


@pytest.mark.parametrize("viewer", [PUBLIC, PLANNER, OFFICER], ids=lambda v: v.role)
def test_resource_counts_per_dong_equal_counting_every_row(scenario, engine, viewer):
    counts = coverage.dong_resource_counts(viewer)
    long = counts.melt(id_vars=["code", "district_code"], var_name="kind", value_name="n")
    long = long[long["n"] > 0].set_index(["code", "kind"])["n"].sort_index()
    rows = _counted(engine, viewer).set_index(["code", "kind"])["n"].sort_index()
    assert long.to_dict() == rows.to_dict()
    assert long.sum() > 0


def test_resource_counts_follow_inserts_moves_retirements_and_deletes(scenario, engine):
    def mangwon(viewer=PUBLIC, kind="space") -> int:
        return int(_row(_gaps(viewer), name_ko=MANGWON)[kind])

    def write(sql: str) -> None:
        with engine.begin() as conn:
            conn.execute(sa.text(sql), {"s": SOURCE})

    assert (mangwon(), mangwon(kind="human")) == (2, 1)
    write(
        """INSERT INTO resources (kind, category, name, geom, dong_code, district_code,
               visibility, source, source_id)
           SELECT 'space', 'hall', 'extra ' || v, geom, dong_code, district_code, v, :s,
                  'extra-' || v
           FROM resources, (VALUES ('public'), ('staff')) x(v)
           WHERE source = :s AND source_id = 'r5'"""
    )
    assert (mangwon(), mangwon(PLANNER)) == (3, 4)  # the staff-only one counts for staff
    write(
        "UPDATE resources SET kind = 'human', category = 'artist' WHERE source_id = 'r5'"
        " AND source = :s"
    )
    assert (mangwon(), mangwon(kind="human")) == (2, 2)
    write("UPDATE resources SET retired_at = now() WHERE source_id = 'r6' AND source = :s")
    assert mangwon() == 1
    write("UPDATE resources SET retired_at = NULL WHERE source_id = 'r6' AND source = :s")
    assert mangwon() == 2
    write(
        "UPDATE resources SET visibility = 'staff' WHERE source_id = 'extra-public' AND source = :s"
    )
    assert (mangwon(), mangwon(PLANNER)) == (1, 3)
    write("DELETE FROM resources WHERE source_id LIKE 'extra-%' AND source = :s")
    write(
        "UPDATE resources SET kind = 'space', category = 'library' WHERE source_id = 'r5'"
        " AND source = :s"
    )
    assert (mangwon(), mangwon(PLANNER), mangwon(kind="human")) == (2, 2, 1)
    for viewer in (PUBLIC, PLANNER, OFFICER):
        test_resource_counts_per_dong_equal_counting_every_row(scenario, engine, viewer)


def test_default_thresholds_are_the_quartiles(scenario):
    counts = coverage.dong_resource_counts(PUBLIC, ONLY)
    # 464 of 467 dongs hold none of the scenario's resources: both quartiles are 0, so
    # "rich" is at least 1 and "few" is 0.
    assert coverage.gap_thresholds(counts, kinds=tuple(coverage.vocab.KINDS)) == (1, 0)


# --- share within walking distance ------------------------------------------------------


def test_share_within_500_m_computed_by_hand(scenario, engine):
    reach = coverage.distance_coverage(PUBLIC, ONLY, coverage.dong_resource_counts(PUBLIC, ONLY))
    mapo, gangnam = _row(reach.districts, code=MAPO), _row(reach.districts, code=GANGNAM)
    # Mapo: 6 public resources (r1-r3 in 상암동, r5-r7 in 망원동); r1 (100 m) and r2 (300 m)
    # are within 500 m of S1; r3 (800 m) and 망원동 (2 km away) are not: 2/6.
    assert (mapo["resources"], mapo["near"]) == (6, 2)
    assert mapo["resource_share"] == pytest.approx(100 * 2 / 6)
    # Gangnam: r8, 50 m from S2: 1/1.
    assert (gangnam["resources"], gangnam["near"], gangnam["resource_share"]) == (1, 1, 100.0)
    # Area: two disjoint buffers in Mapo, one in Gangnam, each a 32-gon of 780,361 m².
    assert mapo["covered_km2"] == pytest.approx(2 * BUFFER_M2 / 1e6, rel=1e-6)
    assert mapo["area_share"] == pytest.approx(
        100 * 2 * BUFFER_M2 / _district_m2(engine, MAPO), rel=1e-6
    )
    assert gangnam["area_share"] == pytest.approx(
        100 * BUFFER_M2 / _district_m2(engine, GANGNAM), rel=1e-6
    )
    # Seoul: 3 of 7 resources, 3 buffers; ranked from the least covered district.
    assert (reach.seoul["resources"], reach.seoul["near"]) == (7, 3)
    assert reach.seoul["covered_km2"] == pytest.approx(3 * BUFFER_M2 / 1e6, rel=1e-6)
    assert reach.districts["area_share"].is_monotonic_increasing
    assert reach.area is not None and reach.area.area > 0


def test_share_within_distance_follows_viewer_distance_and_filters(scenario, engine):
    counts = coverage.dong_resource_counts(PLANNER, ONLY)
    staff = _row(coverage.distance_coverage(PLANNER, ONLY, counts).districts, code=MAPO)
    assert (staff["resources"], staff["near"]) == (7, 3)  # r4 (staff-only, 200 m) counts
    counts = coverage.dong_resource_counts(PUBLIC, ONLY)
    # 1 km: r3 (800 m from S1) joins r1 and r2; the 망원동 points are still ~2 km away.
    wide = _row(
        coverage.distance_coverage(PUBLIC, ONLY, counts, distance_m=1000).districts, code=MAPO
    )
    assert wide["near"] == 3
    # Year 2021: only S3, whose 500 m reach holds none of the resources; one buffer left.
    only_2021 = coverage.CoverageFilter(sources=(SOURCE,), years=(2021,))
    mapo = _row(coverage.distance_coverage(PUBLIC, only_2021, counts).districts, code=MAPO)
    assert mapo["near"] == 0
    assert mapo["covered_km2"] == pytest.approx(BUFFER_M2 / 1e6, rel=1e-6)
    # No site at all: nothing is covered, and nothing breaks.
    none = coverage.CoverageFilter(sources=(SOURCE,), stages=("seed",), years=(2021,))
    empty = coverage.distance_coverage(PUBLIC, none, counts)
    assert empty.seoul["near"] == 0 and empty.seoul["covered_km2"] == 0 and empty.area is None


DENSE = "test_coverage_dense"


@pytest.fixture
def dense_sites(engine, cleanup):
    """Sites on a jittered 150 m grid around 서교동 with a 750 m gap in the middle, three
    sites far away, and public resources on a 120 m grid over the same ground: dense enough
    that most sites' buffers lie inside their neighbours' (the query leaves those out)."""
    centre = "ST_Transform(ST_SetSRID(ST_MakePoint(126.922, 37.553), 4326), 5179)"
    jitter = "30 * sin(i * 12.9898 + j * 78.233)"
    cleanup.source(DENSE)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                f"""INSERT INTO program_sites (program_no, name, geom, stage, year, grant_mkrw,
                        source, source_id)
                    SELECT 2, 'dense ' || i || ',' || j,
                           ST_Transform(ST_Translate({centre}, i * 150 + {jitter},
                                                     j * 150 - {jitter}), 4326),
                           'seed', 2020, 1, :s, i || ',' || j
                    FROM generate_series(-7, 7) i, generate_series(-7, 7) j
                    WHERE NOT (abs(i) <= 2 AND abs(j) <= 2)
                    UNION ALL
                    SELECT 2, 'far ' || n, ST_SetSRID(ST_MakePoint(x, y), 4326), 'seed', 2020,
                           1, :s, 'far' || n
                    FROM (VALUES (1, 127.0366, 37.5006), (2, 127.06, 37.65),
                                 (3, 126.85, 37.50)) f(n, x, y)"""
            ),
            {"s": DENSE},
        )
        conn.execute(
            sa.text(
                f"""INSERT INTO resources (kind, category, name, geom, source, source_id)
                    SELECT (ARRAY['space', 'heritage', 'other'])[1 + (i + j + 60) % 3],
                           (ARRAY['hall', 'village_story', 'local_feature'])[1 + (i + j + 60) % 3],
                           'dense ' || i || ',' || j,
                           ST_Transform(ST_Translate({centre}, i * 120 + {jitter},
                                                     j * 120 + {jitter}), 4326),
                           :s, i || ',' || j
                    FROM generate_series(-20, 20) i, generate_series(-20, 20) j"""
            ),
            {"s": DENSE},
        )
        for table in ("resources", "program_sites"):
            ids = conn.execute(
                sa.text(f"SELECT id FROM {table} WHERE source = :s"), {"s": DENSE}
            ).scalars()
            assign_areas(conn, table, ids=list(ids))
    return coverage.CoverageFilter(sources=(DENSE,))


@pytest.mark.parametrize("distance", [300.0, 500.0, 1000.0])
def test_share_within_distance_of_dense_sites_equals_the_union_of_every_buffer(
    dense_sites, engine, distance
):
    counts = coverage.dong_resource_counts(PUBLIC, dense_sites)
    reach = coverage.distance_coverage(PUBLIC, dense_sites, counts, distance_m=distance)
    # The same figures the plain way: one buffer per site, all of them united.
    with engine.connect() as conn:
        plain = pd.read_sql(
            sa.text(
                """WITH u AS (
                       SELECT ST_Union(ST_Buffer(ST_Transform(geom, 5179), :d, 8)) AS g
                       FROM program_sites WHERE source = :s)
                   SELECT g.code,
                          ST_Area(ST_Intersection(ST_Transform(g.geom, 5179), u.g)) / 1e6
                              AS covered_km2,
                          (SELECT count(*) FROM resources_public r
                           WHERE r.source = :s AND r.district_code = g.code
                             AND r.dong_code IS NOT NULL
                             AND ST_Intersects(u.g, ST_Transform(r.geom, 5179))) AS near
                   FROM districts g, u"""
            ),
            conn,
            params={"d": distance, "s": DENSE},
        )
    got = reach.districts.set_index("code").loc[plain["code"]]
    assert got["covered_km2"].to_numpy() == pytest.approx(plain["covered_km2"], rel=1e-9, abs=1e-12)
    assert got["near"].astype(int).tolist() == plain["near"].astype(int).tolist()
    assert plain["near"].sum() > 0 and reach.seoul["near"] < reach.seoul["resources"]


# --- quarterly evaluation ---------------------------------------------------------------


def test_evaluation_trends_and_latest_ranking(scenario):
    trends = coverage.evaluation_trends(ONLY, by="program")
    p2 = trends[trends["code"] == "2"].set_index("period")
    assert list(p2.index) == ["2020 Q1", "2020 Q2", "2021 Q1"]
    assert tuple(p2.loc["2020 Q2", ["resident_led", "governance", "local_resources"]]) == (
        60,
        70,
        80,
    )
    assert p2.loc["2021 Q1", "overall"] == pytest.approx((90 + 90 + 60) / 3)
    latest = coverage.latest_ranking(trends)
    assert list(latest["period"].unique()) == ["2021 Q1"] and latest["code"].tolist() == ["2"]
    # Year 2020 only: the latest quarter is 2020 Q2, program 2 (mean 70) above 23 (50).
    ranked = coverage.latest_ranking(
        coverage.evaluation_trends(coverage.CoverageFilter(sources=(SOURCE,), years=(2020,)))
    )
    assert ranked[["rank", "code", "overall"]].values.tolist() == [[1, "2", 70.0], [2, "23", 50.0]]
    by_district = coverage.evaluation_trends(ONLY, by="district")
    q2 = by_district[by_district["period"] == "2020 Q2"].set_index("code")
    assert q2.loc[MAPO, "name_ko"] == "마포구" and q2.loc[GANGNAM, "resident_led"] == 50


# --- classification and legends ---------------------------------------------------------


def test_equal_interval_classes_and_legend():
    values = [0, 0, 0, 1, 2, 3, 10, 20, 50, 100]
    c = classify(values, scheme="equal_interval", k=5)
    # 0-100 in five steps of 20: eight values up to 20, then 50 and 100. Whole numbers, so
    # the class above "up to 20" starts at 21.
    assert c.bins == (20, 40, 60, 80, 100)
    assert c.counts == (8, 0, 1, 0, 1)
    assert c.labels == ("0 – 20", "21 – 40", "41 – 60", "61 – 80", "81 – 100")
    frac = classify([0.5, 1.5, 2.5, 3.5, 4.5, 5.5], scheme="equal_interval", k=5)
    assert frac.labels[:2] == ("0.50 – 1.50", "1.50 – 2.50")
    html = choropleth.classification_legend("지원금", c, no_data_label="자료 없음")
    colors = choropleth.class_colors(5)
    assert [html.index(label) for label in c.labels] == sorted(html.index(x) for x in c.labels)
    assert all(color in html for color in colors) and "자료 없음" not in html


def test_natural_breaks_find_the_clusters_and_missing_values_are_no_data():
    c = classify([1, 2, 3, 50, 51, 52, 100, 101, np.nan], scheme="natural_breaks", k=3)
    assert c.bins == (3, 52, 101) and c.counts == (3, 3, 2)
    assert c.classes.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, -1]
    html = choropleth.classification_legend("t", c, no_data_label="자료 없음")
    assert "자료 없음" in html and choropleth.NO_DATA_COLOR in html
    assert choropleth.fill_colors(c)[-1] == choropleth.NO_DATA_COLOR


def test_quantiles_with_ties_never_state_empty_or_duplicate_classes():
    c = classify([0] * 20 + [1, 2, 3, 4, 5, 6, 7, 8], scheme="quantiles", k=5)
    assert len(set(c.bins)) == len(c.bins) and 0 not in c.counts
    assert sum(c.counts) == 28 and c.bins[0] == 0


def test_unknown_scheme_is_an_input_error():
    with pytest.raises(InvalidInput):
        classify([1, 2, 3], scheme="rainbow")


# --- population ---------------------------------------------------------------------------


def _districts() -> list[tuple[str, str]]:
    with open(Path(__file__).resolve().parent.parent / "data" / "districts.csv") as f:
        return [(r["code"], r["name_ko"]) for r in csv.DictReader(f)]


def _figures(i: int) -> dict[str, int]:
    """Invented test figures for the i-th district (not real population)."""
    korean_m, korean_f = 100_000 + 7_919 * i, 104_000 + 6_271 * i
    foreign_m, foreign_f = 1_000 + 37 * i, 1_100 + 41 * i
    return {
        "households": 90_000 + 3_001 * i,
        "total": korean_m + korean_f + foreign_m + foreign_f,
        "m": korean_m + foreign_m,
        "f": korean_f + foreign_f,
        "k": korean_m + korean_f,
        "km": korean_m,
        "kf": korean_f,
        "x": foreign_m + foreign_f,
        "xm": foreign_m,
        "xf": foreign_f,
    }


_KEYS = ["households", "total", "m", "f", "k", "km", "kf", "x", "xm", "xf"]


def _published_grid(*, drop: int = 0, extra: str | None = None) -> tuple[list[list], dict]:
    """The 주민등록인구 (구별) table as Seoul publishes it: three stacked header rows, a 합계
    row, then the districts; numbers as text with thousands separators."""
    header = [
        ["기간", "자치구", "세대", *["인구"] * 9, "세대당인구", "65세이상고령자"],
        [
            "기간",
            "자치구",
            "세대",
            *["합계"] * 3,
            *["한국인"] * 3,
            *["등록외국인"] * 3,
            "세대당인구",
            "65세이상고령자",
        ],
        ["기간", "자치구", "세대", *["계", "남자", "여자"] * 3, "세대당인구", "65세이상고령자"],
    ]
    rows, expected = [], {}
    for i, (code, name) in enumerate(_districts()[: 25 - drop]):
        f = _figures(i)
        expected[code] = f["total"]
        rows.append(["2023.4/4", name, *[f"{f[k]:,}" for k in _KEYS], "2.15", f"{20_000 + i:,}"])
    sums = {k: sum(_figures(i)[k] for i in range(25 - drop)) for k in _KEYS}
    total = ["2023.4/4", "합계", *[f"{sums[k]:,}" for k in _KEYS], "2.15", "500,000"]
    body = [total, *rows]
    if extra:
        body.append(["2023.4/4", extra, *["1,000"] * 10, "2.0", "10"])
    return header + body, expected


def _csv_cp949(grid) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(grid)
    return buf.getvalue().encode("cp949")


def _xlsx_merged(grid) -> bytes:
    """The same table as XLSX: header cells merged as in Excel (blank under the merge),
    numbers as real numbers."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for r, row in enumerate(grid, start=1):
        for c, value in enumerate(row, start=1):
            if r > 3 and c > 2 and value.replace(",", "").replace(".", "").isdigit():
                value = float(value.replace(",", ""))
            ws.cell(r, c, value)
    ws.merge_cells("D1:L1")  # 인구
    for start, end in (("D2", "F2"), ("G2", "I2"), ("J2", "L2")):
        ws.merge_cells(f"{start}:{end}")
    ws.merge_cells("A1:A3")
    ws.merge_cells("B1:B3")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _stat_seoul_tsv(grid) -> bytes:
    """The statistics portal's layout: 동별(1)/동별(2) label columns with 소계, the period in
    the header instead of a column, tab separated, UTF-8 with BOM."""
    out = [["동별(1)", "동별(2)", *["2023 4/4"] * 12]]
    out += [["동별(1)", "동별(2)", *r[2:]] for r in grid[:3]]
    out += [[r[1], "소계", *r[2:]] for r in grid[3:]]
    buf = io.StringIO()
    csv.writer(buf, delimiter="\t").writerows(out)
    return buf.getvalue().encode("utf-8-sig")


@pytest.mark.parametrize(
    "make", [_csv_cp949, _xlsx_merged, _stat_seoul_tsv], ids=["csv_cp949", "xlsx", "stat_tsv"]
)
def test_published_population_table_is_read_in_every_format(make):
    grid, expected = _published_grid()
    table = population.read_table(make(grid))
    assert table.period == "2023 Q4"
    assert dict(zip(table.rows["district_code"], table.rows["population"], strict=True)) == expected
    assert table.missing == [] and table.unmatched == []
    assert table.total_in_file == sum(expected.values())
    # Households were read from "세대", not from "세대당인구".
    assert table.rows["households"].iloc[0] == 90_000


def test_population_import_reports_matched_missing_and_unknown_rows(engine, cleanup):
    grid, expected = _published_grid(drop=2, extra="기타구")
    with engine.begin() as conn:
        report = population.import_file(conn, _csv_cp949(grid), source="test_pop_partial.csv")
    cleanup.source("test_pop%")
    assert len(report.matched) == 23 and report.missing == ["송파구", "강동구"]
    assert report.unmatched == ["기타구"]
    assert report.total_matches is True
    text = "\n".join(map(str, report.summary()))
    assert "23/25" in text and "송파구, 강동구" in text and "기타구" in text
    with engine.connect() as conn:
        stored = dict(
            conn.execute(
                sa.text(
                    "SELECT district_code, population FROM district_population "
                    "WHERE source = 'test_pop_partial.csv'"
                )
            ).all()
        )
    assert stored == expected


def test_per_resident_grants_appear_once_population_is_imported(scenario, engine, cleanup):
    before = _row(coverage.area_metrics("district", ONLY), code=MAPO)
    assert pd.isna(before["grant_per_resident_krw"])  # no invented figures
    grid, expected = _published_grid()
    with engine.begin() as conn:
        population.import_file(conn, _csv_cp949(grid), source="test_pop_full.csv")
    cleanup.source("test_pop%")
    mapo = _row(coverage.area_metrics("district", ONLY), code=MAPO)
    # 12.5 million KRW over Mapo's imported population, in KRW per resident.
    assert mapo["population"] == expected[MAPO]
    assert mapo["grant_per_resident_krw"] == pytest.approx(12.5e6 / expected[MAPO])
    assert mapo["population_period"] == "2023 Q4"
    assert coverage.area_metrics("dong", ONLY)["grant_per_resident_krw"].isna().all()


def test_population_cli_says_which_districts_matched(db_url, engine, tmp_path, cleanup):
    grid, _ = _published_grid(drop=1)
    path = tmp_path / "test_pop_cli.csv"
    path.write_bytes(_csv_cp949(grid))
    cleanup.source("test_pop%")
    proc = subprocess.run(
        [sys.executable, "-m", "loaders", "--database-url", db_url, "population", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "24/25" in proc.stdout and "강동구" in proc.stdout and "2023 Q4" in proc.stdout
    bad = tmp_path / "test_pop_bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "loaders", "--database-url", db_url, "population", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "자치구" in proc.stderr


def test_a_table_without_a_period_needs_one():
    grid, _ = _published_grid()
    no_period = [row[1:] for row in grid]  # drop the 기간 column
    with pytest.raises(InvalidInput):
        population.read_table(_csv_cp949(no_period))
    assert population.read_table(_csv_cp949(no_period), period="2023Q4").period == "2023 Q4"


# --- the page ---------------------------------------------------------------------------


def _page(**session) -> AppTest:
    st.cache_data.clear()  # options and counts cached by earlier tests must not hide rows
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in session.items():
        at.session_state[key] = value
    at.run()
    at.switch_page("views/coverage.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _open(at: AppTest, tab: str) -> AppTest:
    """Open a tab (only the open tab is drawn; a tab switch reruns the page)."""
    at.session_state["cov_tabs"] = tab
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _legends(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if "maeul-legend" in m.value]


def test_coverage_page_shows_the_scenario_figures(scenario):
    at = _page()
    source = next(m for m in at.multiselect if m.label == "데이터 출처")
    source.select(SOURCE).run()
    assert not at.exception, [e.message for e in at.exception]
    assert len(_legends(at)) == 1  # the choropleth's
    _open(at, "사업 × 자치구")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["예산 합계 (백만원)"] == "72,482"
    assert metrics["지원금 합계 (백만원)"] == "17.0"
    assert metrics["대상지 수"] == "3"
    # The matrix (heat table) has 35 programs and a totals row.
    assert any(len(df.value) == 36 for df in at.dataframe)
    _open(at, "공백 분석")  # the chosen source is kept across tabs
    assert any("3/7" in i.body and "42.9%" in i.body for i in at.info)
    assert len(_legends(at)) == 1  # the gap map's


def test_coverage_page_runs_in_english(scenario):
    # The tab is chosen before the first run: AppTest formats widget values outside the
    # script, in the default language, so a later rerun of the English page cannot be driven.
    at = _page(lang="en", cov_tabs="Program × district")
    assert "Coverage" in [t.value for t in at.title]
    assert {"Budgets (million KRW)", "Granted (million KRW)"} <= {m.label for m in at.metric}


def test_only_planners_may_import_population_on_the_page(scenario):
    note = "계획 담당자·관리자만"
    public = _open(_page(), "인구")
    assert any(note in c.value for c in public.caption)
    planner = _open(_page(signed_in=(PLANNER, dt.datetime.now(dt.UTC))), "인구")
    assert not any(note in c.value for c in planner.caption)
    assert any(b.label == "가져오기" for b in planner.button)
