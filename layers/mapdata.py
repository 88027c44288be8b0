"""Compact map payloads for our own Leaflet component (explorer and nearby; no folium, no
streamlit).

The browser gets resources as arrays, not as GeoJSON or HTML: one row per marker
(``[lon, lat, kind, dong, name, category, where, source, public_id]``, a nearby result
with its ``"rank. name · distance"`` line after them) or per grid cell
(``[lon, lat, n, n_kind...]``), with the kind labels and colours once in the legend. The
browser builds popups from the text itself (as text, never as HTML). :func:`payload_id`
names a payload by its content, so a payload the browser already holds is not sent again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence

import geopandas as gpd
import pandas as pd
from shapely.geometry import mapping

from geo import queries, vocab
from geo.access import Viewer
from geo.messages import text
from geo.nearby import Hit, distance_text
from geo.queries import ResourceFilter
from layers import styles

#: Columns of a point row, in order (the browser reads them by position).
POINT_COLUMNS = ("lon", "lat", "kind", "dong", "name", "category", "where", "source", "id")


def where_label(generalised: bool, precision: str, address: str | None, lang: str) -> str:
    """The popup's location line: generalised (people), dong-level (address only), address."""
    if generalised:
        return text("maps.generalised", lang)
    if precision == "dong":
        note = text("maps.dong_precision", lang)
        return f"{note}: {address}" if address else note
    return address or ""


def legend(
    lang: str, counts: dict[str, int] | None = None, *, only_counted: bool = False
) -> list[dict]:
    """The kinds in drawing order with label, colour and (optionally) count.

    Every kind is listed (rows name their kind by position); with ``only_counted`` the
    legend shows (``show``) just the kinds with a count above 0.
    """
    return [
        {
            "code": k,
            "label": vocab.label(vocab.KINDS, k, lang),
            "color": styles.KIND_COLORS[k],
            "n": None if counts is None else int(counts.get(k, 0)),
            "show": not only_counted or bool(counts and counts.get(k)),
        }
        for k in vocab.KINDS
    ]


def points(resources: gpd.GeoDataFrame, *, lang: str) -> dict:
    """Resources (from :func:`geo.queries.resources`) as marker rows, see :data:`POINT_COLUMNS`.

    ``dong`` is 1 for a record placed at its dong's label point (drawn hollow and dashed).
    """
    kinds = {k: i for i, k in enumerate(vocab.KINDS)}
    cats = vocab.all_categories()
    source_head = text("maps.source", lang)
    df = resources
    n = len(df)
    precision = df["location_precision"] if "location_precision" in df else ["exact"] * n
    sources = df["sources"] if "sources" in df else [None] * n
    rows = [
        [
            round(geom.x, 6),
            round(geom.y, 6),
            kinds[kind],
            int(prec == "dong"),
            name,
            vocab.label(cats, cat, lang),
            where_label(bool(gen), prec, None if pd.isna(addr) else addr, lang),
            f"{source_head}: {src}" if isinstance(src, str) and src else "",
            pid,
        ]
        for geom, kind, prec, name, cat, gen, addr, src, pid in zip(
            df.geometry,
            df["kind"],
            precision,
            df["name"],
            df["category"],
            df["location_generalised"],
            df["address"],
            sources,
            df["public_id"],
            strict=True,
        )
    ]
    return {"mode": "points", "rows": rows}


def hit_points(hits: Sequence[Hit], *, lang: str) -> dict:
    """Nearby results (:func:`geo.nearby.nearby`, nearest first) as marker rows: the
    columns of :data:`POINT_COLUMNS` and ``"rank. name · distance"`` (tooltip and popup
    title).

    The location is the one the search returned for its viewer: for the public a person's
    dong label point (``resources_public``), never more.
    """
    kinds = {k: i for i, k in enumerate(vocab.KINDS)}
    cats = vocab.all_categories()
    source_head = text("maps.source", lang)
    rows = [
        [
            round(h.lon, 6),
            round(h.lat, 6),
            kinds[h.kind],
            int(h.location_precision == "dong"),
            h.name,
            vocab.label(cats, h.category, lang),
            where_label(h.location_generalised, h.location_precision, h.address, lang),
            f"{source_head}: {h.sources}" if h.sources else "",
            h.public_id,
            f"{rank}. {h.name} · {distance_text(h, lang)}",
        ]
        for rank, h in enumerate(hits, start=1)
    ]
    return {"mode": "points", "rows": rows}


def grid(cells: pd.DataFrame) -> dict:
    """Counts per cell (from :func:`geo.queries.resource_grid`): ``[lon, lat, n, *per kind]``."""
    kinds = list(vocab.KINDS)
    rows = [
        [round(float(r[0]), 6), round(float(r[1]), 6), *(int(v) for v in r[2:])]
        for r in cells[["lon", "lat", "n", *kinds]].itertuples(index=False, name=None)
    ]
    return {"mode": "grid", "rows": rows}


def shapes(gdf: gpd.GeoDataFrame, label_field: str) -> dict:
    """Small layers (program sites, conflicts) as GeoJSON with one ``label`` property."""
    if gdf.empty:
        return {"type": "FeatureCollection", "features": []}
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"label": str(label)}, "geometry": mapping(geom)}
            for label, geom in zip(gdf[label_field], gdf.geometry, strict=True)
        ],
    }


def payload_id(payload: dict) -> str:
    """A short name for ``payload`` taken from its content (same content, same name)."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


Box = tuple[float, float, float, float]

#: Degrees per metre at Seoul's latitude (1° lon = 88.25 km, 1° lat = 110.54 km at 37.55°N).
_LON_M = 88_250
#: A grid cell is about this many screen pixels wide.
_CELL_PX = 24


def _clip(box: Box, extent: Box) -> Box:
    """``box`` cut to ``extent`` (``extent`` itself when they do not meet)."""
    out: Box = (
        max(box[0], extent[0]),
        max(box[1], extent[1]),
        min(box[2], extent[2]),
        min(box[3], extent[3]),
    )
    return out if out[0] < out[2] and out[1] < out[3] else extent


def _pad(box: Box, share: float) -> Box:
    """``box`` grown by ``share`` of its width and height on every side."""
    dx, dy = (box[2] - box[0]) * share, (box[3] - box[1]) * share
    return (box[0] - dx, box[1] - dy, box[2] + dx, box[3] + dy)


def view_payload(
    viewer: Viewer,
    flt: ResourceFilter,
    view: Box,
    *,
    extent: Box,
    width_px: int,
    limit: int,
    lang: str,
    total: int | None = None,
) -> tuple[dict, int]:
    """Resources for a map showing ``view``: each one, or counts per cell beyond ``limit``.

    The data covers the view grown by half its size on each side (cut to ``extent``, the
    box the filter's resources lie in), so small pans and zooming in need nothing new; if
    that holds more than ``limit`` resources but the view alone does not, just the view.
    Beyond ``limit`` in view, resources are counted per cell of about 24 screen pixels
    (``width_px`` is the map's width). ``total``, when known, is how many resources match
    ``flt`` at all (within ``extent``): a box that is the whole extent is then not counted
    again.

    Returns
    -------
    payload : dict
        :func:`points` or :func:`grid` with ``bbox``, the box the data covers.
    n : int
        Resources in ``bbox``.
    """
    seen = _clip(view, extent)
    padded = _clip(_pad(seen, 0.5), extent)
    n = 0
    for box in dict.fromkeys((padded, seen)):
        in_box = dataclasses.replace(flt, bbox=box)
        if total is not None and box == tuple(extent):
            n = total
        else:
            n = sum(queries.count_resources(viewer, in_box).values())
        if n <= limit:
            payload = points(queries.resources(viewer, in_box), lang=lang)
            return payload | {"bbox": list(box)}, n
    cell_m = (seen[2] - seen[0]) * _LON_M / max(width_px / _CELL_PX, 1)
    cells = queries.resource_grid(viewer, dataclasses.replace(flt, bbox=padded), cell_m=cell_m)
    return grid(cells) | {"bbox": list(padded)}, int(cells["n"].sum()) if len(cells) else 0


def first_view(
    viewer: Viewer,
    flt: ResourceFilter,
    extent: Box,
    *,
    width_px: int,
    limit: int,
    lang: str,
) -> tuple[dict, int, dict[str, int]]:
    """The map's first view of a filter (the whole ``extent``) and the counts per kind, in
    one scan where it can: what :func:`view_payload` and
    :func:`geo.queries.count_resources` give for ``view = extent``.

    The resources are counted per cell first (over the whole filter, so the sums are its
    counts per kind); beyond ``limit`` those cells are the payload, a single scan where a
    count and then the cells took two. Within ``limit`` the resources are read one by one.

    Returns
    -------
    payload : dict
        As :func:`view_payload`'s, ``bbox`` = ``extent``.
    n : int
        Resources matching ``flt``.
    counts : dict
        Resources per kind (every kind, zeros included).
    """
    box: Box = (extent[0], extent[1], extent[2], extent[3])
    cell_m = (box[2] - box[0]) * _LON_M / max(width_px / _CELL_PX, 1)
    cells = queries.resource_grid(viewer, dataclasses.replace(flt, bbox=None), cell_m=cell_m)
    counts = {k: int(cells[k].sum()) if len(cells) else 0 for k in vocab.KINDS}
    n = sum(counts.values())
    if n <= limit:
        in_box = dataclasses.replace(flt, bbox=box)
        return points(queries.resources(viewer, in_box), lang=lang) | {"bbox": list(box)}, n, counts
    return grid(cells) | {"bbox": list(box)}, n, counts
