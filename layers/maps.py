"""Folium map builders: offline base (district and dong outlines) and resource layers.

No tile server is used by default: the base map is drawn from the boundary data itself,
and every Leaflet asset is served by the app (:func:`layers.assets.localize`).
"""

from __future__ import annotations

import folium
import geopandas as gpd

from geo import vocab
from geo.messages import text
from geo.reference import SEOUL_BOUNDS
from layers import styles
from layers.assets import localize
from layers.mapdata import where_label

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "© OpenStreetMap contributors"


def base_map(
    districts: gpd.GeoDataFrame | str,
    dongs: gpd.GeoDataFrame | str | None = None,
    *,
    attribution: str,
    lang: str = "ko",
    online_tiles: bool = False,
    focus: gpd.GeoDataFrame | None = None,
    bounds: tuple[float, float, float, float] | None = None,
) -> folium.Map:
    """A map of Seoul with district (and dong) outlines and no tile server.

    Parameters
    ----------
    districts, dongs
        Boundaries from :mod:`geo.queries`: frames, or GeoJSON text
        (:func:`geo.queries.outlines_geojson`, lighter to draw).
    attribution
        Boundary data attribution, shown in the map corner.
    online_tiles
        Add OpenStreetMap tiles underneath (needs internet; off by default).
    focus
        Fit the view to these geometries instead of all of Seoul.
    bounds
        Or fit it to this box (lon_min, lat_min, lon_max, lat_max).
    """
    # With no tile layer Leaflet knows no zoom range: set it, or clustering plugins fail.
    m = folium.Map(
        tiles=None, prefer_canvas=True, control_scale=True, zoom_snap=0.25, minZoom=9, maxZoom=19
    )
    m.get_root().header.add_child(  # type: ignore[attr-defined]  # a folium Figure
        folium.Element(f"<style>.leaflet-container{{background:{styles.BACKGROUND}}}</style>")
    )
    if online_tiles:
        folium.TileLayer(OSM_TILES, attr=OSM_ATTRIBUTION, name="OpenStreetMap").add_to(m)
    names = (text("maps.districts", lang), text("maps.dongs", lang))
    folium.GeoJson(
        _columns(districts, ["code", "name_ko", "name_en"]),
        name=names[0],
        style_function=lambda _f: dict(
            styles.DISTRICT_STYLE, fillOpacity=0.35 if online_tiles else 1.0
        ),
        tooltip=folium.GeoJsonTooltip(["name_ko", "name_en"], labels=False),
        attr=attribution,
    ).add_to(m)
    if dongs is not None and (isinstance(dongs, str) or len(dongs)):
        folium.GeoJson(
            _columns(dongs, ["code", "name_ko"]),
            name=names[1],
            style_function=lambda _f: styles.DONG_STYLE,
            tooltip=folium.GeoJsonTooltip(["name_ko"], labels=False),
        ).add_to(m)
    if bounds is None:
        bounds = focus.total_bounds if focus is not None and len(focus) else SEOUL_BOUNDS
    m.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    return m


def _columns(areas: gpd.GeoDataFrame | str, columns: list[str]) -> gpd.GeoDataFrame | str:
    """Only the properties the tooltips show (GeoJSON text comes with just those)."""
    return areas if isinstance(areas, str) else areas[[*columns, "geom"]]


def resource_groups(resources: gpd.GeoDataFrame, *, lang: str = "ko") -> list[folium.FeatureGroup]:
    """One layer per resource kind, as small circle markers with popups.

    Resources at dong precision (``location_precision = 'dong'``: placed at the label point
    of the dong their address names) are hollow dashed circles, and their popup says so.
    Returned as feature groups so streamlit-folium can swap them without reloading the map.
    """
    if resources.empty:
        return []
    df = resources.copy()
    if "location_precision" not in df:
        df["location_precision"] = "exact"
    cats = vocab.all_categories()
    df["kind_label"] = [vocab.label(vocab.KINDS, k, lang) for k in df["kind"]]
    df["category_label"] = [vocab.label(cats, c, lang) for c in df["category"]]
    df["where"] = [
        where_label(bool(g), p, a, lang)
        for g, p, a in zip(
            df["location_generalised"], df["location_precision"], df["address"], strict=True
        )
    ]
    fields = ["name", "kind_label", "category_label", "where"]
    if "sources" in df:
        head = text("maps.source", lang)
        df["source_label"] = [f"{head}: {s}" if s else "" for s in df["sources"]]
        fields.append("source_label")
    groups = []
    for kind, group in df.groupby("kind", sort=False):
        fg = folium.FeatureGroup(name=f"{vocab.label(vocab.KINDS, kind, lang)} ({len(group):,})")
        for precision, part in group.groupby("location_precision", sort=True):
            folium.GeoJson(
                part[[*fields, "geom"]],
                marker=folium.CircleMarker(**styles.resource_marker(kind, precision)),
                tooltip=folium.GeoJsonTooltip(["name"], labels=False),
                popup=folium.GeoJsonPopup(fields, labels=False),
            ).add_to(fg)
        groups.append(fg)
    return groups


def grid_group(grid, *, lang: str = "ko") -> folium.FeatureGroup:
    """Counts per grid cell (from :func:`geo.queries.resource_grid`) as sized circles."""
    fg = folium.FeatureGroup(name=text("maps.grouped", lang))
    if len(grid) == 0:
        return fg
    biggest = float(grid["n"].max())
    kinds = list(vocab.KINDS)
    for row in grid.itertuples(index=False):
        parts = ", ".join(
            f"{vocab.label(vocab.KINDS, k, lang)} {getattr(row, k):,}"
            for k in kinds
            if getattr(row, k)
        )
        folium.CircleMarker(
            [row.lat, row.lon],
            radius=4 + 14 * (row.n / biggest) ** 0.5,
            weight=1,
            color="#333333",
            fill=True,
            fill_color=styles.GRID_COLOR,
            fill_opacity=0.7,
            tooltip=f"{row.n:,} ({parts})",
        ).add_to(fg)
    return fg


def add_points(
    m: folium.Map, gdf: gpd.GeoDataFrame, *, name: str, color: str, label_field: str
) -> None:
    """A toggleable layer of points or shapes (program sites, conflicts), hidden at start."""
    if gdf.empty:
        return
    folium.GeoJson(
        gdf[[label_field, "geom"]],
        name=f"{name} ({len(gdf):,})",
        show=False,
        marker=folium.CircleMarker(
            radius=6, weight=2, color=color, fill=True, fill_color="#ffffff", fill_opacity=0.9
        ),
        style_function=lambda _f: {"color": color, "weight": 2, "fillOpacity": 0.2},
        tooltip=folium.GeoJsonTooltip([label_field], labels=False),
    ).add_to(m)


def finish(m: folium.Map, *, online_tiles: bool = False) -> folium.Map:
    """Add the layer switcher and point every asset at the copies the app serves (no CDN).

    ``online_tiles`` must match :func:`base_map`'s: only then may a remote tile layer stay.
    """
    folium.LayerControl(collapsed=True).add_to(m)
    return localize(m, allow_remote_tiles=online_tiles)
