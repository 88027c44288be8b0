"""Reference geography: 25 districts with official codes, 467 dongs, each inside its district."""

from __future__ import annotations

import csv

import pytest
import sqlalchemy as sa

from geo.reference import DATA_DIR, normalize_district_name


def _official() -> dict[str, dict]:
    with open(DATA_DIR / "districts.csv", encoding="utf-8") as f:
        return {r["code"]: r for r in csv.DictReader(f)}


def test_twenty_five_districts_with_official_codes_and_names(engine):
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT code, name_ko, name_en FROM districts")).all()
    official = _official()
    assert len(rows) == 25
    assert {r.code for r in rows} == set(official)
    for r in rows:
        assert r.name_ko == official[r.code]["name_ko"]
        assert r.name_en == official[r.code]["name_en"]
        assert r.name_ko.endswith("구") and not r.name_ko.startswith("서울")
    assert {r.code: r.name_ko for r in rows}["11110"] == "종로구"
    assert {r.code: r.name_ko for r in rows}["11740"] == "강동구"


def test_dongs_are_seouls_legal_dongs_each_inside_its_district(engine):
    with engine.connect() as conn:
        n, bad_code, outside, total_km2 = conn.execute(
            sa.text(
                """SELECT count(*),
                          count(*) FILTER (WHERE left(d.code, 5) <> d.district_code),
                          count(*) FILTER (WHERE ST_Area(ST_Difference(d.geom, g.geom)::geography)
                                           > 1.0),
                          (SELECT sum(area_km2) FROM districts)
                   FROM dongs d JOIN districts g ON g.code = d.district_code"""
            )
        ).one()
    assert n == 467
    assert bad_code == 0
    assert outside == 0  # no dong has more than 1 m² outside its district
    assert 600 < total_km2 < 610  # Seoul is about 605 km²


def test_every_district_has_dongs_and_a_plausible_area(engine):
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                """SELECT g.name_ko, g.area_km2, count(d.code) FROM districts g
                   LEFT JOIN dongs d ON d.district_code = g.code GROUP BY g.code"""
            )
        ).all()
    for name, area, n_dongs in rows:
        assert n_dongs >= 3, name
        assert 9 < area < 48, name  # Jung-gu ~10 km² ... Seocho-gu ~47 km²


def test_public_label_point_lies_in_its_dong(engine):
    with engine.connect() as conn:
        outside = conn.execute(
            sa.text("SELECT count(*) FROM dongs WHERE NOT ST_Intersects(label_point, geom)")
        ).scalar_one()
    assert outside == 0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("서울시성북구", "성북구"),
        ("서울특별시 성북구", "성북구"),
        ("서울 마포구", "마포구"),
        (" 강남구 ", "강남구"),
        ("중구", "중구"),
    ],
)
def test_district_names_are_normalised(raw, expected):
    assert normalize_district_name(raw) == expected
