"""Conflict hotspots: Getis-Ord Gi* on an H3 grid or on dongs, with honest significance.

Cases are binned into cells (H3 hexagons of a chosen resolution covering Seoul, empty
cells included, or legal dongs), counted or summed by severity, and tested with Gi*
(``esda.G_Local``, ``star=True``, binary Queen contiguity: the six hexagons around a cell,
or the dongs sharing a boundary point) against conditional permutations with a fixed seed.
Cells are classed hot or cold at 90/95/99 % confidence from a two-sided pseudo p-value,
optionally controlled for the false discovery rate (``esda.fdr``). A cell with no
neighbour (an island) cannot be compared with its surroundings: it is kept in the data but
classed ``island`` and never called significant.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass, field, replace
from functools import lru_cache

import esda
import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa
from esda.getisord import G_Local
from libpysal.graph import Graph
from shapely.geometry.base import BaseGeometry

from geo import vocab
from geo.conflicts import ConflictFilter
from geo.db import connect_read
from geo.errors import InvalidInput
from geo.messages import Joined, Msg
from geo.progress import Progress, no_progress

#: Grids cases can be binned into: code -> (Korean, English) label.
GRIDS: dict[str, vocab.Label] = {
    "h3": ("H3 육각형 격자", "H3 hexagonal grid"),
    "dong": ("법정동", "Legal dongs"),
}
#: What a cell's value is: the number of cases, or the sum of their severities (1-5).
WEIGHTINGS: dict[str, vocab.Label] = {
    "count": ("사례 수", "Number of cases"),
    "severity": ("심각도 가중 (심각도 합)", "Severity-weighted (sum of severities)"),
}
#: H3 resolutions offered, with the average cell's edge length in metres.
H3_RESOLUTIONS: dict[int, int] = {6: 3725, 7: 1406, 8: 531, 9: 201}
#: Confidence levels, most demanding first.
CONFIDENCES: tuple[int, ...] = (99, 95, 90)
#: Result classes, in legend order (hot to cold), with labels.
CLASSES: dict[str, vocab.Label] = {
    "hot_99": ("핫스팟 99% 신뢰", "Hot spot, 99% confidence"),
    "hot_95": ("핫스팟 95% 신뢰", "Hot spot, 95% confidence"),
    "hot_90": ("핫스팟 90% 신뢰", "Hot spot, 90% confidence"),
    "not_significant": ("유의하지 않음", "Not significant"),
    "cold_90": ("콜드스팟 90% 신뢰", "Cold spot, 90% confidence"),
    "cold_95": ("콜드스팟 95% 신뢰", "Cold spot, 95% confidence"),
    "cold_99": ("콜드스팟 99% 신뢰", "Cold spot, 99% confidence"),
    "island": ("이웃 없음 (검정 불가)", "No neighbours (not tested)"),
}
DEFAULT_SEED = 20120701
DEFAULT_PERMUTATIONS = 999
#: Fewer cases than this: the page warns that the test has little power.
FEW_CASES = 30
#: Fewer cases than this per occupied cell, or more empty cells than this share: the
#: grid is too fine for the data and the page says so, proposing a coarser one.
MIN_CASES_PER_CELL = 5
MAX_EMPTY_SHARE = 0.5
#: Most simulated values (cells x permutations) one analysis may hold in memory (~240 MB).
MAX_SIMULATIONS = 30_000_000


@dataclass(frozen=True)
class HotspotOptions:
    """How to bin and test.

    Parameters
    ----------
    grid
        ``"h3"`` or ``"dong"`` (:data:`GRIDS`).
    resolution
        H3 resolution (:data:`H3_RESOLUTIONS`); ignored for dongs.
    weighting
        ``"count"`` or ``"severity"`` (:data:`WEIGHTINGS`).
    permutations
        Conditional permutations per cell (99 to 99,999).
    seed
        Seed of the permutations: the same seed gives the same result.
    fdr
        Control the false discovery rate (Benjamini-Hochberg, ``esda.fdr``) at each level.
    """

    grid: str = "h3"
    resolution: int = 8
    weighting: str = "count"
    permutations: int = DEFAULT_PERMUTATIONS
    seed: int = DEFAULT_SEED
    fdr: bool = False

    def check(self) -> None:
        """Raise :class:`InvalidInput` listing every unusable option."""
        problems = []
        if self.grid not in GRIDS:
            problems.append(f"grid {self.grid!r}")
        if self.grid == "h3" and self.resolution not in H3_RESOLUTIONS:
            problems.append(f"resolution {self.resolution!r} (not in {list(H3_RESOLUTIONS)})")
        if self.weighting not in WEIGHTINGS:
            problems.append(f"weighting {self.weighting!r}")
        if not 99 <= int(self.permutations) <= 99_999:
            problems.append(f"permutations {self.permutations!r} (99-99,999)")
        if problems:
            raise InvalidInput(Msg("hotspots.invalid_options", problems=Joined(tuple(problems))))


@dataclass
class HotspotResult:
    """Cells with their value, Gi* z-score, p-value and class; which case is in which cell.

    ``cells`` columns: ``cell, name, n_cases, value, neighbours, gi_z, p_value, confidence,
    klass, geom``. ``p_value`` is the two-sided pseudo p-value (NaN for islands);
    ``confidence`` is 99, 95, 90 or 0. ``cases`` maps ``case_id`` to ``cell``.
    ``thresholds`` gives, per confidence level, the largest p-value called significant
    (``None`` when none is).
    """

    cells: gpd.GeoDataFrame
    cases: pd.DataFrame
    options: HotspotOptions
    thresholds: dict[int, float | None]
    n_outside: int = 0
    notes: list[Msg] = field(default_factory=list)
    #: The case points analysed (columns as from :func:`case_points`).
    points: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def n_cases(self) -> int:
        """Cases counted in some cell."""
        return int(self.cells["n_cases"].sum())

    def significant(self) -> gpd.GeoDataFrame:
        """Hot and cold cells, hottest first."""
        sig = self.cells[self.cells["confidence"] > 0]
        return sig.sort_values(["gi_z", "cell"], ascending=[False, True])

    def class_counts(self) -> pd.Series:
        """Number of cells per class, every class present (zeros included)."""
        return self.cells["klass"].value_counts().reindex(list(CLASSES), fill_value=0)


# --------------------------------------------------------------------------- statistics


def gi_star(
    values: np.ndarray, graph: Graph, *, permutations: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Gi* z-scores and two-sided permutation p-values (``graph`` must have no island).

    The p-value counts, in each tail, the simulated Gi* values at least as extreme as the
    observed one, ties included: p = min(1, 2 (min(#above, #below) + 1) / (R + 1)). esda's
    own ``p_sim`` folds ties into the wrong tail, so with many empty cells (an empty cell
    among empty neighbours ties with every simulation) it would call them cold at 99.9%.
    """
    y = np.asarray(values, dtype=float)
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        # esda announces a future change of its default alternative; we count tails here.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        g = G_Local(
            y,
            graph,
            transform="B",
            star=True,
            permutations=int(permutations),
            seed=int(seed),
            keep_simulations=True,
            n_jobs=1,
        )
    z = np.asarray(g.Zs, dtype=float)
    observed = np.asarray(g.Gs, dtype=float)[:, None]
    tolerance = 1e-9 * np.abs(observed) + 1e-15  # the same sum computed two ways
    above = (g.rGs >= observed - tolerance).sum(axis=1)
    below = (g.rGs <= observed + tolerance).sum(axis=1)
    p = np.minimum(1.0, 2.0 * (np.minimum(above, below) + 1) / (int(permutations) + 1))
    return z, p


def classify(
    z: np.ndarray, p: np.ndarray, *, fdr: bool
) -> tuple[np.ndarray, np.ndarray, dict[int, float | None]]:
    """Confidence (99/95/90/0) and class of each cell, and the p cut-off used per level.

    Without FDR a cell is significant at level c when p <= 1 - c/100. With FDR the
    Benjamini-Hochberg cut-off of ``esda.fdr`` is applied over the tested cells (islands
    excluded), level by level.
    """
    tested = ~np.isnan(p)
    confidence = np.zeros(len(p), dtype=int)
    thresholds: dict[int, float | None] = {}
    for level in sorted(CONFIDENCES):  # 90, 95, 99: later (stricter) levels overwrite
        alpha = 1 - level / 100
        if fdr:
            cut = esda.fdr(p[tested], alpha) if tested.any() else 0.0
            sig = tested & (np.nan_to_num(p, nan=1.0) < cut)
        else:
            sig = tested & (np.nan_to_num(p, nan=1.0) <= alpha)
        thresholds[level] = float(p[sig].max()) if sig.any() else None
        confidence[sig] = level
    direction = np.where(np.nan_to_num(z) > 0, "hot", "cold")
    klass = np.where(
        ~tested,
        "island",
        np.where(
            confidence > 0,
            np.char.add(np.char.add(direction, "_"), confidence.astype(str)),
            "not_significant",
        ),
    ).astype(object)
    return confidence, klass, thresholds


def _graph(neighbours: list[np.ndarray]) -> Graph:
    """A binary graph from neighbour index lists (every cell has at least one neighbour)."""
    n = len(neighbours)
    cards = np.fromiter((len(nb) for nb in neighbours), dtype=np.int64, count=n)
    focal = np.repeat(np.arange(n), cards)
    neighbour = np.concatenate(neighbours).astype(np.int64)
    order = np.lexsort((neighbour, focal))
    return Graph.from_arrays(focal[order], neighbour[order], np.ones(len(focal)))


def _analyse(
    cells: pd.DataFrame,
    neighbours: list[np.ndarray],
    options: HotspotOptions,
    progress: Progress,
) -> tuple[pd.DataFrame, dict[int, float | None]]:
    """Test the cells that have neighbours; islands are kept, with no z or p."""
    if cells["value"].sum() <= 0:
        raise InvalidInput(Msg("hotspots.no_cases_analyse_chosen"))
    if len(cells) * options.permutations > MAX_SIMULATIONS:
        raise InvalidInput(
            Msg(
                "hotspots.cells_x_permutations_too",
                n_cells=len(cells),
                permutations=options.permutations,
            )
        )
    cards = np.fromiter((len(nb) for nb in neighbours), dtype=np.int64, count=len(cells))
    tested = np.flatnonzero(cards > 0)
    z = np.full(len(cells), np.nan)
    p = np.full(len(cells), np.nan)
    # Contiguity is symmetric, so the neighbours of a tested cell are tested cells too.
    if len(tested) >= 3:
        new_index = np.full(len(cells), -1, dtype=np.int64)
        new_index[tested] = np.arange(len(tested))
        graph = _graph([new_index[neighbours[i]] for i in tested])
        progress(
            0.5,
            Msg("hotspots.gi_permutations", permutations=options.permutations),
        )
        z[tested], p[tested] = gi_star(
            cells["value"].to_numpy()[tested],
            graph,
            permutations=options.permutations,
            seed=options.seed,
        )
    confidence, klass, thresholds = classify(z, p, fdr=options.fdr)
    # Gi* sums a cell with its neighbours, so an empty cell beside busy ones can test
    # "hot": a place with no case is never called a hot spot.
    empty_hot = (cells["n_cases"].to_numpy() == 0) & (np.nan_to_num(z) > 0) & (confidence > 0)
    confidence[empty_hot] = 0
    klass[empty_hot] = "not_significant"
    out = cells.assign(neighbours=cards, gi_z=z, p_value=p, confidence=confidence, klass=klass)
    return out, thresholds


def _notes(result: HotspotResult) -> list[Msg]:
    """Plain-language caveats about this result (Korean / English pairs joined by ' / ')."""
    notes = []
    n_tested = int(result.cells["p_value"].notna().sum())
    if result.n_cases < FEW_CASES:
        notes.append(Msg("hotspots.only_cases_test_has", n_cases=result.n_cases))
    islands = int((result.cells["klass"] == "island").sum())
    if islands:
        notes.append(Msg("hotspots.cells_without_neighbours_not", islands=islands))
    if result.options.fdr and n_tested:
        smallest = 2 / (result.options.permutations + 1)
        # Benjamini-Hochberg can pass k cells only if k of them have p <= k * alpha / n.
        needed = int(np.ceil(smallest * n_tested / 0.01))
        if needed > 1:
            notes.append(
                Msg(
                    "hotspots.permutations_smallest_p_value",
                    permutations=result.options.permutations,
                    smallest=smallest,
                    needed=needed,
                )
            )
    return notes


# --------------------------------------------------------------------------- H3 grid


def bin_h3(lon: np.ndarray, lat: np.ndarray, resolution: int) -> np.ndarray:
    """The H3 cell (hex string) of each point at ``resolution``."""
    cell = h3.latlng_to_cell
    return np.array(
        [
            cell(y, x, resolution)
            for y, x in zip(np.asarray(lat).tolist(), np.asarray(lon).tolist(), strict=True)
        ],
        dtype=object,
    )


def h3_polygons(cells) -> np.ndarray:
    """Shapely polygons (lon/lat) of H3 cells, built in one vectorised call."""
    rings = [h3.cell_to_boundary(c) for c in cells]
    sizes = np.fromiter((len(r) for r in rings), dtype=np.int64, count=len(rings))
    latlng = np.array([v for r in rings for v in r], dtype=float).reshape(-1, 2)
    closed_sizes = sizes + 1
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    # Close each ring by repeating its first vertex.
    take = (
        np.concatenate(
            [np.append(np.arange(s, s + k), s) for s, k in zip(starts, sizes, strict=True)]
        )
        if len(rings)
        else np.array([], dtype=np.int64)
    )
    coords = latlng[take][:, ::-1]
    ring_index = np.repeat(np.arange(len(rings)), closed_sizes)
    return shapely.polygons(shapely.linearrings(coords, indices=ring_index))


def h3_hotspots(
    points: pd.DataFrame,
    options: HotspotOptions,
    *,
    area: BaseGeometry | None = None,
    progress: Progress = no_progress,
) -> HotspotResult:
    """Gi* hotspots of points on an H3 grid (pure: no database).

    Parameters
    ----------
    points
        Columns ``case_id, lon, lat, severity`` (EPSG:4326).
    options
        Resolution, weighting, permutations, seed, FDR.
    area
        Study area: every cell whose centre lies in it is analysed, empty or not (cells
        holding a point are always analysed). ``None``: only cells holding a point.
    """
    options.check()
    res = options.resolution
    progress(0.05, Msg("hotspots.h3_grid_resolution", res=res))
    case_cell = bin_h3(points["lon"].to_numpy(), points["lat"].to_numpy(), res)
    occupied = set(case_cell)
    study = set(h3.geo_to_cells(area, res)) if area is not None else set()
    cell_ids = np.array(sorted(occupied | study), dtype=object)
    index = {c: i for i, c in enumerate(cell_ids)}
    codes = np.fromiter((index[c] for c in case_cell), dtype=np.int64, count=len(case_cell))
    weight = _weights(points, options.weighting)
    n_cells = len(cell_ids)
    cells = pd.DataFrame(
        {
            "cell": cell_ids,
            "name": cell_ids,
            "n_cases": np.bincount(codes, minlength=n_cells),
            "value": np.bincount(codes, weights=weight, minlength=n_cells),
        }
    )
    progress(0.3, Msg("hotspots.neighbours"))
    neighbours = [
        np.fromiter((index[n] for n in h3.grid_disk(c, 1) if n != c and n in index), dtype=np.int64)
        for c in cell_ids
    ]
    analysed, thresholds = _analyse(cells, neighbours, options, progress)
    progress(0.9, Msg("hotspots.cells"))
    gdf = gpd.GeoDataFrame(analysed, geometry=h3_polygons(cell_ids), crs=4326)
    gdf = gdf.rename_geometry("geom")
    result = HotspotResult(
        cells=gdf,
        cases=pd.DataFrame({"case_id": points["case_id"].to_numpy(), "cell": case_cell}),
        options=options,
        thresholds=thresholds,
        points=points,
    )
    result.notes = _notes(result)
    progress(1.0, Msg("common.done"))
    return result


def _weights(points: pd.DataFrame, weighting: str) -> np.ndarray:
    if weighting == "severity":
        return points["severity"].to_numpy(dtype=float)
    return np.ones(len(points))


# --------------------------------------------------------------------------- database


def case_points(flt: ConflictFilter | None = None) -> pd.DataFrame:
    """Cases matching ``flt`` as points (a point on the surface of an area case).

    Columns: ``case_id, title, stage, conflict_type, severity, opened_on, dong_code, lon,
    lat``.
    """
    where, params = (flt or ConflictFilter()).where()
    with connect_read() as conn:
        return pd.read_sql(
            sa.text(
                f"""SELECT c.id AS case_id, c.title, c.stage, c.conflict_type, c.severity,
                           c.opened_on, c.dong_code,
                           ST_X(ST_PointOnSurface(c.geom)) AS lon,
                           ST_Y(ST_PointOnSurface(c.geom)) AS lat
                    FROM active_conflict_cases c WHERE {where} ORDER BY c.id"""
            ),
            conn,
            params=params,
        )


def seoul_outline() -> BaseGeometry:
    """Seoul's outline (the union of the districts), from the database."""
    with connect_read() as conn:
        wkb = conn.execute(sa.text("SELECT ST_AsBinary(ST_Union(geom)) FROM districts")).scalar()
    if wkb is None:
        raise InvalidInput(Msg("hotspots.no_boundaries_loaded"))
    return shapely.from_wkb(bytes(wkb))


@lru_cache(maxsize=4)
def _dong_grid(url: str) -> tuple[gpd.GeoDataFrame, list[np.ndarray]]:
    """Dongs and their Queen neighbours (sharing at least a boundary point), from PostGIS."""
    with connect_read() as conn:
        dongs = gpd.read_postgis(
            sa.text(
                """SELECT d.code AS cell, g.name_ko || ' ' || d.name_ko AS name, d.geom
                   FROM dongs d JOIN districts g ON g.code = d.district_code ORDER BY d.code"""
            ),
            conn,
            geom_col="geom",
        )
        pairs = pd.read_sql(
            sa.text(
                """SELECT a.code AS focal, b.code AS neighbour FROM dongs a
                   JOIN dongs b ON a.code <> b.code AND ST_Intersects(a.geom, b.geom)"""
            ),
            conn,
        )
    index = pd.Series(np.arange(len(dongs)), index=dongs["cell"])
    focal = index[pairs["focal"]].to_numpy()
    neighbour = index[pairs["neighbour"]].to_numpy()
    order = np.lexsort((neighbour, focal))
    split = np.searchsorted(focal[order], np.arange(len(dongs) + 1))
    neighbours = [neighbour[order][split[i] : split[i + 1]] for i in range(len(dongs))]
    return dongs, neighbours


def dong_hotspots(
    points: pd.DataFrame, options: HotspotOptions, *, progress: Progress = no_progress
) -> HotspotResult:
    """Gi* hotspots of cases on Seoul's legal dongs (``points`` needs ``dong_code``)."""
    options.check()
    progress(0.05, Msg("hotspots.dongs"))
    with connect_read() as conn:
        url = conn.engine.url.render_as_string(hide_password=False)
    dongs, neighbours = _dong_grid(url)
    inside = points[points["dong_code"].notna()]
    weight = _weights(inside, options.weighting)
    index = pd.Series(np.arange(len(dongs)), index=dongs["cell"])
    codes = index[inside["dong_code"]].to_numpy()
    cells = pd.DataFrame(
        {
            "cell": dongs["cell"].to_numpy(),
            "name": dongs["name"].to_numpy(),
            "n_cases": np.bincount(codes, minlength=len(dongs)),
            "value": np.bincount(codes, weights=weight, minlength=len(dongs)),
        }
    )
    analysed, thresholds = _analyse(cells, neighbours, options, progress)
    gdf = gpd.GeoDataFrame(analysed, geometry=dongs.geometry.to_numpy(), crs=4326)
    result = HotspotResult(
        cells=gdf.rename_geometry("geom"),
        cases=pd.DataFrame(
            {"case_id": inside["case_id"].to_numpy(), "cell": inside["dong_code"].to_numpy()}
        ),
        options=options,
        thresholds=thresholds,
        n_outside=len(points) - len(inside),
        points=points,
    )
    result.notes = _notes(result)
    progress(1.0, Msg("common.done"))
    return result


def _name_h3_cells(cells: gpd.GeoDataFrame) -> None:
    """Name each H3 cell after the district and dong under its centre (in PostGIS)."""
    centres = [h3.cell_to_latlng(c) for c in cells["cell"]]
    with connect_read() as conn:
        names = pd.read_sql(
            sa.text(
                """SELECT p.i, g.name_ko || ' ' || d.name_ko AS name
                   FROM unnest(CAST(:lat AS float8[]), CAST(:lon AS float8[]))
                        WITH ORDINALITY AS p(lat, lon, i)
                   JOIN dongs d
                     ON ST_Intersects(d.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))
                   JOIN districts g ON g.code = d.district_code"""
            ),
            conn,
            params={"lat": [c[0] for c in centres], "lon": [c[1] for c in centres]},
        )
    names = names.drop_duplicates("i").set_index("i")["name"]
    position = pd.Series(np.arange(1, len(cells) + 1), index=cells.index)
    near = position.map(names)
    cells["name"] = np.where(near.notna(), near + " (" + cells["cell"] + ")", cells["cell"])


def find_hotspots(
    flt: ConflictFilter,
    options: HotspotOptions,
    *,
    progress: Progress = no_progress,
) -> HotspotResult:
    """Read the cases matching ``flt`` (e.g. a time window) and find their hotspots.

    H3 cells cover all of Seoul (empty cells count as zero); dongs are all of Seoul's.
    """
    options.check()
    progress(0.0, Msg("hotspots.reading_cases"))
    points = case_points(flt)
    if points.empty:
        raise InvalidInput(Msg("hotspots.no_cases_analyse_chosen"))
    if options.grid == "dong":
        return dong_hotspots(points, options, progress=progress)
    result = h3_hotspots(points, options, area=seoul_outline(), progress=progress)
    _name_h3_cells(result.cells)
    return result


def sparsity(result: HotspotResult) -> tuple[float, float]:
    """Cases per occupied cell and the share of cells with no case."""
    n = result.cells["n_cases"].to_numpy()
    occupied = int((n > 0).sum())
    per_cell = float(n.sum()) / occupied if occupied else 0.0
    empty = 1.0 - occupied / len(n) if len(n) else 1.0
    return per_cell, empty


def too_sparse(result: HotspotResult) -> bool:
    """True when the cells are too fine for the cases: fewer than
    :data:`MIN_CASES_PER_CELL` cases per occupied cell, or more than
    :data:`MAX_EMPTY_SHARE` of the cells empty."""
    per_cell, empty = sparsity(result)
    return per_cell < MIN_CASES_PER_CELL or empty > MAX_EMPTY_SHARE


def coarser_grids(options: HotspotOptions) -> list[HotspotOptions]:
    """The H3 grids coarser than ``options``' (all of them from dongs), finest first: what
    to try, in order, when the data are too sparse for ``options``."""
    finer_than = options.resolution if options.grid == "h3" else max(H3_RESOLUTIONS) + 1
    return [
        replace(options, grid="h3", resolution=r)
        for r in sorted(H3_RESOLUTIONS, reverse=True)
        if r < finer_than
    ]


def sparse_note(result: HotspotResult, proposal: HotspotOptions | None = None) -> Msg | None:
    """A warning with a proposal when the cells are too fine for the cases (else None).

    Gi* on too fine a grid (:func:`too_sparse`) mostly compares ones with zeros and its
    "hot spots" are single cases. ``proposal``, when given, is a grid the caller found the
    data support (the finest of :func:`coarser_grids` that is not too sparse) and is named;
    without it the next coarser H3 resolution or dongs are proposed; with none coarser,
    a longer period.
    """
    if not too_sparse(result):
        return None
    per_cell, empty = sparsity(result)
    opts = result.options
    coarser = [r for r in H3_RESOLUTIONS if r < opts.resolution]
    if proposal is not None:
        r = proposal.resolution
        advice = Msg("hotspots.finest_supported", r=r, edge=H3_RESOLUTIONS[r])
    elif opts.grid == "h3" and coarser:
        r = max(coarser)
        advice = Msg("hotspots.use_larger_cells", r=r, edge=H3_RESOLUTIONS[r])
    elif opts.grid == "h3":
        advice = Msg("hotspots.use_dongs")
    else:
        advice = Msg("hotspots.use_longer_period")
    return Msg("hotspots.sparse", per_cell=per_cell, empty=empty, proposal=advice)


def case_titles(result: HotspotResult, *, most: int = 5) -> pd.Series:
    """Per cell (index ``cell``), the titles of its cases as one line: at most ``most``,
    then how many more."""
    joined = result.cases.merge(result.points[["case_id", "title"]], on="case_id", how="left")
    joined = joined.sort_values(["cell", "case_id"])

    def line(titles: pd.Series) -> str:
        shown = [str(x) for x in titles.head(most)]
        more = len(titles) - len(shown)
        return " · ".join(shown) + (f" (+{more})" if more else "")

    return joined.groupby("cell")["title"].agg(line)


def cases_in_cells(result: HotspotResult) -> pd.DataFrame:
    """Significant cells with the cases inside each, one row per case (for the table/CSV).

    Columns: ``cell, name, klass, confidence, gi_z, p_value, n_cases, value, case_id,
    title, stage, conflict_type, severity, opened_on``.
    """
    sig = result.significant().drop(columns="geom")
    cols = ["cell", "name", "klass", "confidence", "gi_z", "p_value", "n_cases", "value"]
    joined = sig[cols].merge(result.cases, on="cell", how="left")
    keep = ["case_id", "title", "stage", "conflict_type", "severity", "opened_on"]
    joined = joined.merge(result.points[keep], on="case_id", how="left")
    joined["case_id"] = joined["case_id"].astype("Int64")
    return joined.sort_values(["gi_z", "cell", "case_id"], ascending=[False, True, True])


def default_window(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The period the page starts with: from the first case's opening to today."""
    today = today or dt.date.today()
    with connect_read() as conn:
        first = conn.execute(sa.text("SELECT min(opened_on) FROM active_conflict_cases")).scalar()
    return (first or today - dt.timedelta(days=365)), today
