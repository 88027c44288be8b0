"""Gi* hotspots: planted clusters are found, uniform fields are not, seeds repeat, islands work."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import h3
import numpy as np
import pandas as pd
import pytest
import shapely
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from geo import hotspots
from geo.areas import assign_areas
from geo.conflicts import ConflictFilter
from geo.errors import InvalidInput
from geo.reference import read_boundaries

CLUSTER = (126.9215, 37.5560)  # lon, lat: near Hongik Univ. station, Mapo-gu
TEST_SOURCE = "test-hotspots"


@cache
def _seoul() -> shapely.Geometry:
    return shapely.union_all([d.geom for d in read_boundaries()[0]])


@cache
def _study_area(resolution: int) -> shapely.Geometry:
    """The union of the H3 cells the analysis covers, so a uniform field is truly uniform."""
    cells = sorted(h3.geo_to_cells(_seoul(), resolution))
    return shapely.union_all(hotspots.h3_polygons(cells))


def _uniform(n: int, seed: int, resolution: int) -> pd.DataFrame:
    area = _study_area(resolution)
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = area.bounds
    x, y = rng.uniform(minx, maxx, n * 3), rng.uniform(miny, maxy, n * 3)
    inside = shapely.contains_xy(area, x, y)
    x, y = x[inside][:n], y[inside][:n]
    return pd.DataFrame(
        {"case_id": np.arange(n), "lon": x, "lat": y, "severity": rng.integers(1, 6, n)}
    )


def _with_cluster(base: pd.DataFrame, n: int, seed: int, spread_m: float = 250) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    lon = CLUSTER[0] + rng.normal(0, spread_m / 88_000, n)
    lat = CLUSTER[1] + rng.normal(0, spread_m / 111_000, n)
    extra = pd.DataFrame(
        {
            "case_id": np.arange(len(base), len(base) + n),
            "lon": lon,
            "lat": lat,
            "severity": rng.integers(1, 6, n),
        }
    )
    return pd.concat([base, extra], ignore_index=True)


def _cell_of(lon: float, lat: float, resolution: int) -> str:
    return h3.latlng_to_cell(lat, lon, resolution)


@pytest.mark.parametrize("weighting", ["count", "severity"])
@pytest.mark.parametrize("resolution", [7, 8])
def test_planted_cluster_comes_out_hot_at_99_percent(weighting, resolution):
    # A cluster spreads over a cell and its neighbours (Gi* tests the neighbourhood).
    spread = hotspots.H3_RESOLUTIONS[resolution] / 2
    points = _with_cluster(
        _uniform(4000, seed=1, resolution=resolution), 300, seed=2, spread_m=spread
    )
    options = hotspots.HotspotOptions(resolution=resolution, weighting=weighting)
    result = hotspots.h3_hotspots(points, options, area=_seoul())
    cells = result.cells.set_index("cell")
    centre = cells.loc[_cell_of(*CLUSTER, resolution)]
    assert centre["klass"] == "hot_99"
    assert centre["p_value"] <= 0.01 and centre["gi_z"] > 2.58
    # The planted cluster is the hottest place in the city.
    assert result.significant().iloc[0]["cell"] in set(h3.grid_disk(centre.name, 1))


def test_with_fdr_the_cluster_is_the_only_hot_area():
    # 168 cells and 9,999 permutations: a p-value can fall below the FDR cut-off.
    points = _with_cluster(_uniform(4000, seed=3, resolution=7), 300, seed=4, spread_m=700)
    options = hotspots.HotspotOptions(resolution=7, fdr=True, permutations=9999)
    result = hotspots.h3_hotspots(points, options, area=_seoul())
    hot = result.cells[result.cells["klass"].str.startswith("hot")]
    assert _cell_of(*CLUSTER, 7) in set(hot["cell"])
    near = set(h3.grid_disk(_cell_of(*CLUSTER, 7), 2))
    assert set(hot["cell"]) <= near
    assert result.thresholds[95] is not None and result.thresholds[95] < 0.05


def test_uniform_field_gives_no_more_significant_cells_than_fdr_allows():
    unadjusted_share = []
    for seed in range(5):
        points = _uniform(168 * 25, seed=100 + seed, resolution=7)
        plain = hotspots.h3_hotspots(
            points,
            hotspots.HotspotOptions(resolution=7, permutations=9999, seed=seed),
            area=_seoul(),
        )
        fdr = hotspots.h3_hotspots(
            points,
            hotspots.HotspotOptions(resolution=7, permutations=9999, seed=seed, fdr=True),
            area=_seoul(),
        )
        # Under the null, FDR control at 10% means any discovery is false: none is expected.
        assert (fdr.cells["confidence"] > 0).sum() == 0, seed
        unadjusted_share.append((plain.cells["confidence"] >= 90).mean())
    # Without correction about 1 cell in 10 is "significant at 90%" by chance alone.
    assert 0.04 <= np.mean(unadjusted_share) <= 0.2


def test_same_seed_gives_the_same_result_and_another_seed_may_differ():
    points = _with_cluster(_uniform(3000, seed=7, resolution=8), 80, seed=8)
    a = hotspots.h3_hotspots(points, hotspots.HotspotOptions(seed=42), area=_seoul())
    b = hotspots.h3_hotspots(points, hotspots.HotspotOptions(seed=42), area=_seoul())
    c = hotspots.h3_hotspots(points, hotspots.HotspotOptions(seed=43), area=_seoul())
    pd.testing.assert_frame_equal(a.cells.drop(columns="geom"), b.cells.drop(columns="geom"))
    assert not np.array_equal(a.cells["p_value"].to_numpy(), c.cells["p_value"].to_numpy())


def test_grid_with_islands_works_and_islands_are_never_significant():
    points = _uniform(800, seed=9, resolution=8)
    # Cases far west of Seoul (Incheon) in cells with no analysed neighbour: islands,
    # one of them holding many cases, which alone would look "hot".
    far = pd.DataFrame(
        {
            "case_id": [10_000 + i for i in range(31)],
            "lon": [126.60] * 30 + [126.45],
            "lat": [37.40] * 30 + [37.45],
            "severity": 5,
        }
    )
    points = pd.concat([points, far], ignore_index=True)
    result = hotspots.h3_hotspots(points, hotspots.HotspotOptions(), area=_seoul())
    islands = result.cells[result.cells["klass"] == "island"]
    assert set(islands["cell"]) == {_cell_of(126.60, 37.40, 8), _cell_of(126.45, 37.45, 8)}
    assert islands["p_value"].isna().all() and islands["gi_z"].isna().all()
    assert (islands["neighbours"] == 0).all()
    assert islands["n_cases"].sum() == 31
    assert any("2" in note and "neighbours" in note for note in map(str, result.notes))
    # Only the analysed (non-island) cells enter the counts per class.
    assert result.class_counts()["island"] == 2


def test_only_points_no_area_grid_of_isolated_cells():
    # Three separate cells and nothing else: every cell is an island, nothing crashes.
    points = pd.DataFrame(
        {
            "case_id": [1, 2, 3],
            "lon": [126.9, 127.0, 127.1],
            "lat": [37.5, 37.6, 37.55],
            "severity": [1, 2, 3],
        }
    )
    result = hotspots.h3_hotspots(points, hotspots.HotspotOptions(), area=None)
    assert (result.cells["klass"] == "island").all()
    assert result.significant().empty


@pytest.mark.parametrize(
    "options",
    [
        hotspots.HotspotOptions(grid="square"),
        hotspots.HotspotOptions(resolution=12),
        hotspots.HotspotOptions(weighting="budget"),
        hotspots.HotspotOptions(permutations=10),
    ],
)
def test_unusable_options_are_refused_with_a_message(options):
    points = _uniform(100, seed=1, resolution=8)
    with pytest.raises(InvalidInput) as err:
        hotspots.h3_hotspots(points, options, area=None)
    assert "invalid analysis options" in err.value.user_msg


# --------------------------------------------------------------------------- database


@pytest.fixture
def planted_1990(engine, cleanup):
    """120 demo-free cases opened in 1990: one at every 4th dong, plus 40 in one cluster."""
    cleanup.source(TEST_SOURCE)
    with engine.connect() as conn:
        labels = conn.execute(
            sa.text("SELECT code, ST_X(label_point), ST_Y(label_point) FROM dongs ORDER BY code")
        ).all()
    rng = np.random.default_rng(5)
    rows = [
        {"lon": lon, "lat": lat, "severity": 1, "sid": f"spread-{code}"}
        for code, lon, lat in labels[::4]
    ]
    for i in range(40):
        rows.append(
            {
                "lon": CLUSTER[0] + rng.normal(0, 0.002),
                "lat": CLUSTER[1] + rng.normal(0, 0.0015),
                "severity": 5,
                "sid": f"cluster-{i}",
            }
        )
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                """INSERT INTO conflict_cases (title, city_project, department, geom,
                       conflict_type, stage, severity, opened_on, closed_on, source, source_id)
                   VALUES ('test case', 'test project', '테스트과',
                       ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 'environment', 'closed',
                       :severity, DATE '1990-03-01', DATE '1990-09-30', :src, :sid)"""
            ),
            [dict(r, src=TEST_SOURCE) for r in rows],
        )
        ids = (
            conn.execute(
                sa.text("SELECT id FROM conflict_cases WHERE source = :s"), {"s": TEST_SOURCE}
            )
            .scalars()
            .all()
        )
        assign_areas(conn, "conflict_cases", ids=ids)
    return rows


WINDOW_1990 = ConflictFilter(start=dt.date(1990, 1, 1), end=dt.date(1990, 12, 31))


@pytest.mark.parametrize("grid", ["h3", "dong"])
def test_database_cases_of_a_time_window_show_the_planted_hotspot(planted_1990, grid):
    result = hotspots.find_hotspots(WINDOW_1990, hotspots.HotspotOptions(grid=grid))
    # Only the planted cases were active in 1990 (the demo cases start in 2012).
    assert result.n_cases + result.n_outside == len(planted_1990)
    top = result.significant().iloc[0]
    assert top["klass"] == "hot_99"
    assert "마포구" in top["name"]
    table = hotspots.cases_in_cells(result)
    sig = result.significant()
    # One row per case inside a significant cell (an empty cold cell: one row, no case).
    assert table["case_id"].notna().sum() == sig["n_cases"].sum()
    assert len(table) == sig["n_cases"].clip(lower=1).sum()
    assert set(table["title"].dropna()) == {"test case"}


def test_severity_weighting_sums_severities(planted_1990):
    counted = hotspots.find_hotspots(WINDOW_1990, hotspots.HotspotOptions(resolution=7))
    weighted = hotspots.find_hotspots(
        WINDOW_1990, hotspots.HotspotOptions(resolution=7, weighting="severity")
    )
    assert counted.cells["value"].sum() == len(planted_1990)
    assert weighted.cells["value"].sum() == sum(r["severity"] for r in planted_1990)


def test_a_window_with_no_cases_says_so(db_url):
    empty = ConflictFilter(start=dt.date(1950, 1, 1), end=dt.date(1950, 12, 31))
    with pytest.raises(InvalidInput) as err:
        hotspots.find_hotspots(empty, hotspots.HotspotOptions())
    assert "no cases" in err.value.user_msg


# --------------------------------------------------------------------------- page

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_page_shows_the_analysis_of_the_default_settings(db_url, lang):
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = lang
    # The Gi* tab (legend, note) open from the start: only the open tab is drawn.
    at.session_state["hot_tabs"] = "Gi* 핫스팟" if lang == "ko" else "Gi* hotspots"
    at.run()
    at.switch_page("views/hotspots.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    start, end = hotspots.default_window()
    # The page starts with FDR on (issue 15: one case in a cell was a "99 % hotspot").
    expected = hotspots.find_hotspots(
        ConflictFilter(start=start, end=end), hotspots.HotspotOptions(fdr=True)
    )
    metrics = {m.label: m.value for m in at.metric}
    cases_label, hot_label = (
        ("분석한 사례", "핫스팟 셀") if lang == "ko" else ("Cases analysed", "Hot cells")
    )
    assert metrics[cases_label] == f"{expected.n_cases:,}"
    n_hot = int(expected.class_counts().filter(like="hot_").sum())
    assert metrics[hot_label] == f"{n_hot:,}"
    # The plain-language note and the legend are there.
    assert any("99%" in md.value for md in at.markdown)
    if n_hot:
        assert len(at.dataframe[0].value) >= n_hot


def test_a_cell_without_cases_is_never_a_hot_spot():
    """Issue 15: Gi* sums a cell's neighbourhood, so empty cells beside a cluster tested
    "hot"; a place where nothing happened must not be called a hot spot."""
    points = _with_cluster(_uniform(150, seed=3, resolution=8), 60, seed=4, spread_m=400)
    result = hotspots.h3_hotspots(
        points, hotspots.HotspotOptions(resolution=8, permutations=999), area=_seoul()
    )
    hot = result.cells["klass"].str.startswith("hot_")
    assert hot.any()  # the cluster is still found
    assert (result.cells.loc[hot, "n_cases"] > 0).all()
    assert (result.significant().query("gi_z > 0")["n_cases"] > 0).all()


def test_sparse_data_are_called_sparse_and_a_coarser_grid_is_proposed():
    """150 cases over ~1,200 cells: a warning proposing resolution 7 or dongs; the same
    cases on resolution 6 cells (a few dozen) are dense enough for no warning."""
    points = _uniform(150, seed=5, resolution=8)
    fine = hotspots.h3_hotspots(points, hotspots.HotspotOptions(resolution=8), area=_seoul())
    per_cell, empty = hotspots.sparsity(fine)
    assert per_cell < hotspots.MIN_CASES_PER_CELL and empty > hotspots.MAX_EMPTY_SHARE
    note = hotspots.sparse_note(fine)
    assert note is not None and "H3 resolution 7" in note.text("en")
    assert "legal dongs" in note.text("en") and "H3 해상도 7" in note.text("ko")
    dense = _with_cluster(_uniform(600, seed=6, resolution=6), 0, seed=7)
    coarse = hotspots.h3_hotspots(dense, hotspots.HotspotOptions(resolution=6), area=_seoul())
    assert hotspots.sparse_note(coarse) is None


def test_the_proposal_names_the_finest_grid_the_data_support():
    """Walkthrough: following "use resolution 7" led to another "too sparse" warning; the
    proposal now names the finest coarser grid at which the same cases are not too sparse
    (from dongs, every H3 grid is a candidate)."""
    points = _uniform(300, seed=5, resolution=8)
    fine = hotspots.h3_hotspots(points, hotspots.HotspotOptions(resolution=8), area=_seoul())
    grids = hotspots.coarser_grids(fine.options)
    assert [g.resolution for g in grids] == [7, 6] and {g.grid for g in grids} == {"h3"}
    dongs = hotspots.coarser_grids(hotspots.HotspotOptions(grid="dong"))
    assert [g.resolution for g in dongs] == sorted(hotspots.H3_RESOLUTIONS, reverse=True)
    results = [hotspots.h3_hotspots(points, g, area=_seoul()) for g in grids]
    sparse = [hotspots.too_sparse(r) for r in results]
    assert sparse[0] and not sparse[-1]  # 7 is still too fine for 300 cases, 6 is not
    supported = grids[sparse.index(False)]
    note = hotspots.sparse_note(fine, supported)
    assert note is not None
    english = note.text("en")
    assert f"H3 resolution {supported.resolution} " in english
    assert "finest cells the data support" in english and "resolution 7" not in english
    assert f"H3 해상도 {supported.resolution}" in note.text("ko")


def test_hovering_a_cell_lists_the_titles_of_its_cases():
    points = _with_cluster(_uniform(40, seed=8, resolution=7), 12, seed=9)
    points["title"] = [f"사례 {i}" for i in points["case_id"]]
    result = hotspots.h3_hotspots(points, hotspots.HotspotOptions(resolution=7), area=_seoul())
    titles = hotspots.case_titles(result, most=5)
    busiest = result.cells.sort_values("n_cases").iloc[-1]
    line = titles[busiest["cell"]]
    inside = result.cases[result.cases["cell"] == busiest["cell"]]["case_id"].sort_values()
    assert line.startswith(" · ".join(f"사례 {i}" for i in inside.head(5)))
    assert line.endswith(f"(+{len(inside) - 5})")
