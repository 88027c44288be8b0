"""Published open data: loaded by setup with provenance, linked across sources, refreshable.

Expected counts come from ``scripts/hand_count_opendata.py``, which reads the files with
plain pandas and tests points with shapely, independently of the importer (docs/import.md).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from pyproj import Geod

from geo.areas import SNAP_M
from geo.places import relink
from loaders.opendata import MANIFEST, load_open_data, read_manifest
from loaders.readers import read_source
from loaders.targets import TARGETS

GEOD = Geod(ellps="WGS84")

#: Records per source after setup: (low, high) around the independent count of
#: ``scripts/hand_count_opendata.py`` (docs/import.md); the margin allows a few boundary
#: points to change side when the dong coverage is refined.
EXPECTED = {
    "seoul-heat-shelters-2025": (4100, 4107),  # 4,107 of 4,107 inside Seoul
    "seoul-cold-shelters": (1635, 1642),  # 1,642 of 1,642
    "seoul-markets-oa1176": (333, 337),  # 336 + 1 at its dong (its 위도 holds both numbers)
    "national-markets-2024": (186, 192),  # 189 of 1,388 nationwide
    "national-libraries": (535, 545),  # 540 + 1 at its dong, of 3,556
    "national-open-facilities-2020": (915, 930),  # 974 rooms in Seoul less 51 repeats
    "heritage-cha-2021": (915, 922),  # 922 of 922
    "seoul-markets-2025": (400, 412),  # 409 at their dong less 1 repeat (24 name no dong)
    "childrens-centers-2019": (440, 450),  # 448 at their dong (8 name no dong)
}


def _per_source(engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT source, count(*) FROM resources WHERE retired_at IS NULL GROUP BY source"
            )
        ).all()
    return dict(rows)


def test_setup_loads_each_source_within_its_independent_count(engine):
    counts = _per_source(engine)
    for source, (lo, hi) in EXPECTED.items():
        assert lo <= counts.get(source, 0) <= hi, source


def test_every_open_record_is_in_seoul_with_attribution_and_a_precision(engine):
    with engine.connect() as conn:
        bad = conn.execute(
            sa.text(
                """SELECT count(*) FILTER (WHERE r.district_code IS NULL),
                       count(*) FILTER (WHERE NOT ST_DWithin(r.geom::geography,
                                                             s.geom::geography, :snap)),
                       count(*) FILTER (WHERE d.source IS NULL OR d.publisher IS NULL
                                        OR d.licence IS NULL OR d.file_name IS NULL
                                        OR d.file_sha256 IS NULL),
                       count(*) FILTER (WHERE r.location_precision NOT IN ('exact', 'dong')),
                       count(*)
                    FROM resources r
                    CROSS JOIN (SELECT ST_Union(geom) AS geom FROM districts) s
                    LEFT JOIN datasets d ON d.source = r.source AND d.is_open_data
                    WHERE NOT r.is_demo"""
            ),
            # A point up to SNAP_M outside the boundary data belongs to the nearest dong.
            {"snap": SNAP_M + 0.5},
        ).one()
        districts = conn.execute(
            sa.text(
                "SELECT count(DISTINCT district_code) FROM resources "
                "WHERE NOT is_demo AND kind IN ('space', 'heritage')"
            )
        ).scalar_one()
    outside, not_within, unattributed, bad_precision, total = bad
    assert total > 8000
    assert (outside, not_within, unattributed, bad_precision) == (0, 0, 0, 0)
    assert districts == 25


def test_setup_again_changes_nothing(db_url, engine):
    before = _per_source(engine)
    results, _ = load_open_data(db_url)
    assert {r.status for r in results} <= {"unchanged", "not_loaded"}
    forced, _ = load_open_data(db_url, force=True)
    imported = [r for r in forced if r.report is not None]
    assert imported and all(r.report.inserted == r.report.updated == 0 for r in imported)
    assert _per_source(engine) == before


def test_national_files_report_other_regions_as_outside_not_as_errors(db_url):
    results, _ = load_open_data(db_url, force=True)
    by_source = {r.spec.source: r for r in results}
    markets = by_source["national-markets-2024"]
    assert markets.spec.national
    # 1,183 rows with coordinates elsewhere in Korea, and 16 without coordinates whose
    # address is elsewhere too.
    assert 1190 <= markets.outside <= 1203
    assert markets.errors == 0
    assert "outside Seoul (national file)" in markets.line()
    heat = by_source["seoul-heat-shelters-2025"]
    # In a Seoul file a row outside Seoul is an error (at most the 4 the count finds).
    assert not heat.spec.national and heat.errors == heat.outside <= 4


def test_the_manifest_lists_every_published_file_with_provenance():
    specs = read_manifest(MANIFEST)
    files = {p.name for p in MANIFEST.parent.iterdir()} - {"manifest.toml", "SOURCES.md"}
    assert {s.path.name for s in specs} == files
    assert len({s.source for s in specs}) == len(specs)
    for s in specs:
        assert s.publisher and s.edition and s.found_at and "KOGL" in s.licence, s.source


def test_json_name_to_coordinates_table_is_read_with_shared_point_counts(tmp_path):
    pairs = tmp_path / "coords.json"
    pairs.write_text(
        json.dumps(
            {
                "숭례문": ["37.559975", "126.975312"],
                "청자 향로": ["37.524041", "126.980350"],
                "백자 항아리": ["37.524041", "126.980350"],
            },
            ensure_ascii=False,
        )
    )
    t = read_source(pairs, TARGETS["resources"])
    assert t.columns == ["명칭", "위도", "경도", "같은좌표수"]
    assert t.frame["같은좌표수"].tolist() == ["1", "2", "2"]
    assert t.frame["위도"].tolist()[0] == "37.559975"


# --- links across sources --------------------------------------------------------------------


def _write(path: Path, rows: list[tuple[str, float, float]], ids: bool = False) -> Path:
    df = pd.DataFrame(rows, columns=["시설명", "경도", "위도"])
    if ids:
        df.insert(0, "관리번호", [f"K{i}" for i in range(len(df))])
    df.to_csv(path, index=False, encoding="utf-8")
    return path


def _manifest(folder: Path, entries: list[dict]) -> Path:
    lines = ['licence = "publisher\'s terms (normally KOGL type 1)"']
    for e in entries:
        lines += [
            "[[dataset]]",
            *(f'{k} = "{v}"' for k, v in e.items() if k != "category"),
            f'title_ko = "시험 자료 {e["source"]}"',
            f'title_en = "test {e["source"]}"',
            'publisher = "test publisher"',
            'edition = "1"',
            'found_at = "tests"',
            "[dataset.mapping.values]",
            f'category = "{e.get("category", "meeting_room")}"',
        ]
    path = folder / "manifest.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _east(lon: float, lat: float, m: float) -> tuple[float, float]:
    x, y, _ = GEOD.fwd(lon, lat, 90, m)
    return x, y


@pytest.fixture
def scratch_sources(engine, cleanup):
    """Remove the records of test sources afterwards and relink the real data."""
    sources: list[str] = []
    yield sources
    cleanup.source(*sources)
    cleanup.run()
    with engine.begin() as conn:
        relink(conn)


def _place_of(engine, source: str, name: str) -> int | None:
    with engine.connect() as conn:
        return conn.execute(
            sa.text(
                """SELECT p.place_id FROM resources r
                   LEFT JOIN resource_places p ON p.resource_id = r.id
                   WHERE r.source = :s AND r.name = :n"""
            ),
            {"s": source, "n": name},
        ).scalar_one()


def test_same_senior_centre_in_two_sources_5_m_apart_is_one_place(
    tmp_path, db_url, engine, scratch_sources
):
    lon, lat = 126.9105, 37.5560  # 마포구
    near = _east(lon, lat, 5)
    other = _east(lon, lat, 30)
    far_same_name = _east(lon, lat, 80)
    _write(tmp_path / "a.csv", [("시험동경로당", lon, lat), ("시험어린이집", *other)])
    _write(
        tmp_path / "b.csv",
        [("시험동 경로당", *near), ("시험도서관", lon, lat), ("시험어린이집 2", *far_same_name)],
    )
    _write(tmp_path / "c.csv", [("시험어린이집", *far_same_name)])
    scratch_sources += ["t-link-a", "t-link-b", "t-link-c"]
    manifest = _manifest(
        tmp_path,
        [
            {"source": "t-link-a", "file": "a.csv"},
            {"source": "t-link-b", "file": "b.csv"},
            {"source": "t-link-c", "file": "c.csv"},
        ],
    )
    results, summary = load_open_data(db_url, manifest=manifest)
    assert [r.report.inserted for r in results] == [2, 3, 1]
    a = _place_of(engine, "t-link-a", "시험동경로당")
    b = _place_of(engine, "t-link-b", "시험동 경로당")
    assert a is not None and a == b  # same normalised name, 5 m apart: one place
    # Different names 30 m apart, the same name 80 m apart: not linked.
    assert _place_of(engine, "t-link-b", "시험도서관") is None
    assert _place_of(engine, "t-link-a", "시험어린이집") is None
    assert _place_of(engine, "t-link-c", "시험어린이집") is None
    pairs = summary["pairs"]
    row = pairs[(pairs.source_a == "t-link-a") & (pairs.source_b == "t-link-b")]
    assert row["links"].tolist() == [1]

    from geo.access import PUBLIC
    from geo.coverage import CoverageFilter, dong_resource_counts
    from geo.queries import ResourceFilter, resources

    # Counts per dong (coverage) count the place once: 5 records, 4 places.
    both = CoverageFilter(sources=("t-link-a", "t-link-b"))
    assert int(dong_resource_counts(PUBLIC, both)["space"].sum()) == 4

    shown = resources(PUBLIC, ResourceFilter(text="시험동"))
    assert len(shown) == 1  # one marker for the place
    assert "test publisher" in shown["sources"].iloc[0]
    named = shown["sources"].iloc[0]
    assert "시험 자료 t-link-a" in named and "시험 자료 t-link-b" in named  # both sources


def test_refresh_with_a_new_edition_updates_changed_and_retires_missing(
    tmp_path, db_url, engine, scratch_sources
):
    lon, lat = 126.9780, 37.5665  # 중구
    rows = [(f"시험 회의실 {i}", *_east(lon, lat, 100 * i)) for i in range(4)]
    folder = tmp_path / "open"
    folder.mkdir()
    _write(folder / "rooms.csv", rows, ids=True)
    scratch_sources.append("t-rooms")
    manifest = _manifest(folder, [{"source": "t-rooms", "file": "rooms.csv"}])
    first, _ = load_open_data(db_url, manifest=manifest)
    assert first[0].report.inserted == 4
    # The next edition: K1 renamed, K3 gone.
    edition = [rows[0], ("시험 회의실 1 (새 이름)", *rows[1][1:]), rows[2]]
    shutil.move(folder / "rooms.csv", tmp_path / "old.csv")
    pd.DataFrame(edition, columns=["시설명", "경도", "위도"]).assign(관리번호=["K0", "K1", "K2"])[
        ["관리번호", "시설명", "경도", "위도"]
    ].to_csv(folder / "rooms.csv", index=False)
    again, _ = load_open_data(db_url, manifest=manifest, force=True, retire_missing=True)
    report = again[0].report
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 2)
    assert report.retired == [("K3", "시험 회의실 3")]
    assert "시험 회의실 3 (K3)" in "\n".join(report.summary())
    with engine.connect() as conn:
        stored = dict(
            conn.execute(
                sa.text(
                    "SELECT source_id, name || CASE WHEN retired_at IS NULL THEN '' "
                    "ELSE ' [retired]' END FROM resources WHERE source = 't-rooms'"
                )
            ).all()
        )
    assert stored == {
        "K0": "시험 회의실 0",
        "K1": "시험 회의실 1 (새 이름)",
        "K2": "시험 회의실 2",
        "K3": "시험 회의실 3 [retired]",  # kept, never deleted
    }
