"""Benchmark: the app's Gi* hotspot computation next to a plain PySAL script, same data.

Usage: python bench/bench_hotspots.py [--cases 100000] [--resolution 8] [--repeat 5]

Draws ``--cases`` conflict points over Seoul (70 % uniform inside the city, 30 % in a few
Gaussian clusters; severities 1-5; a fixed seed), then times, alternately and ``--repeat``
times each after one warm-up:

* the plain script: bin every point to H3 (``h3.latlng_to_cell``), cell polygons, libpysal
  ``Queen.from_dataframe``, ``esda.G_Local(star=True, permutations=999, seed=...)``;
* the app: ``geo.hotspots.h3_hotspots`` (binning, all of Seoul's cells including empty ones,
  H3 neighbours, Gi* with tie-aware two-sided p-values, hot/cold classes, cell polygons).

Target (issue 6): the app within 1.2x of the script. No database is needed (both start
from points in memory); reading the points from PostGIS is timed apart with --database.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import shapely
from esda.getisord import G_Local
from libpysal.weights import Queen

from geo import hotspots
from geo.reference import read_boundaries

SEED = 20120701


def make_points(n: int, seoul: shapely.Geometry, *, seed: int = SEED) -> pd.DataFrame:
    """``n`` points in Seoul: 70 % uniform, 30 % around five cluster centres."""
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = seoul.bounds
    n_uniform = int(n * 0.7)
    xs, ys = [], []
    while sum(len(x) for x in xs) < n_uniform:
        x, y = rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)
        keep = shapely.contains_xy(seoul, x, y)
        xs.append(x[keep])
        ys.append(y[keep])
    x, y = np.concatenate(xs)[:n_uniform], np.concatenate(ys)[:n_uniform]
    centres = [(126.92, 37.556), (127.03, 37.50), (127.06, 37.65), (126.86, 37.53), (127.1, 37.51)]
    k = n - n_uniform
    pick = rng.integers(len(centres), size=k)
    cx = np.array([c[0] for c in centres])[pick] + rng.normal(0, 0.008, k)
    cy = np.array([c[1] for c in centres])[pick] + rng.normal(0, 0.006, k)
    return pd.DataFrame(
        {
            "case_id": np.arange(n),
            "lon": np.concatenate([x, cx]),
            "lat": np.concatenate([y, cy]),
            "severity": rng.integers(1, 6, n),
        }
    )


def plain_pysal(lon: np.ndarray, lat: np.ndarray, resolution: int, permutations: int) -> G_Local:
    """What an analyst would write: bin to H3, Queen weights on the hexagons, G_Local."""
    cells = [h3.latlng_to_cell(y, x, resolution) for x, y in zip(lon, lat, strict=True)]
    counts = pd.Series(cells).value_counts()
    polygons = [shapely.Polygon([(b, a) for a, b in h3.cell_to_boundary(c)]) for c in counts.index]
    gdf = gpd.GeoDataFrame({"n": counts.to_numpy()}, geometry=polygons, crs=4326)
    w = Queen.from_dataframe(gdf, use_index=False, silence_warnings=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return G_Local(
            gdf["n"].to_numpy(dtype=float),
            w,
            transform="B",
            star=True,
            permutations=permutations,
            seed=SEED,
        )


def _time(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--resolution", type=int, default=8)
    parser.add_argument("--permutations", type=int, default=999)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    seoul = shapely.union_all([d.geom for d in read_boundaries()[0]])
    points = make_points(args.cases, seoul)
    lon, lat = points["lon"].to_numpy(), points["lat"].to_numpy()
    options = hotspots.HotspotOptions(
        resolution=args.resolution, permutations=args.permutations, seed=SEED
    )

    def script():
        return plain_pysal(lon, lat, args.resolution, args.permutations)

    def app():
        return hotspots.h3_hotspots(points, options, area=seoul)

    script(), app()  # warm-up: first-call imports and caches, for both alike
    times: dict[str, list[float]] = {"script": [], "app": []}
    for _ in range(args.repeat):
        t, g = _time(script)
        times["script"].append(t)
        t, result = _time(app)
        times["app"].append(t)

    med = {k: statistics.median(v) for k, v in times.items()}
    best = {k: min(v) for k, v in times.items()}
    script_hot = int(((g.Zs > 0) & (2 * g.p_sim <= 0.01)).sum())
    print(
        f"{args.cases:,} cases, H3 resolution {args.resolution}, "
        f"{args.permutations:,} permutations, {args.repeat} runs each (after a warm-up)"
    )
    print(f"{'':<34}{'median s':>10}{'best s':>10}{'cells':>8}{'hot 99%':>9}")
    print(
        f"{'plain PySAL script':<34}{med['script']:>10.3f}{best['script']:>10.3f}"
        f"{g.n:>8,}{script_hot:>9,}"
    )
    print(
        f"{'app (geo.hotspots.h3_hotspots)':<34}{med['app']:>10.3f}{best['app']:>10.3f}"
        f"{len(result.cells):>8,}{int(result.class_counts()['hot_99']):>9,}"
    )
    ratio = med["app"] / med["script"]
    verdict = "within" if ratio <= 1.2 else "NOT within"
    print(f"app / script (medians): {ratio:.2f}x  -> {verdict} the 1.2x target")


if __name__ == "__main__":
    main()
