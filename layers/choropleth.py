"""Choropleth layers (areas filled by class) and their legends as plain HTML beside the map.

streamlit-folium cannot show branca colormap legends offline (see docs/offline.md), so the
legend is an HTML table the page puts next to the map; the colours of the map and of the
legend come from the same :class:`geo.classify.Classification` and palette.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import folium
import geopandas as gpd
import numpy as np

from geo.classify import Classification

#: ColorBrewer YlGnBu (9 classes), light to dark: sequential, colour-blind safe, prints well.
SEQUENTIAL = (
    "#ffffd9",
    "#edf8b1",
    "#c7e9b4",
    "#7fcdbb",
    "#41b6c4",
    "#1d91c0",
    "#225ea8",
    "#253494",
    "#081d58",
)
NO_DATA_COLOR = "#bdbdbd"


def class_colors(k: int) -> list[str]:
    """``k`` colours from :data:`SEQUENTIAL`, evenly spaced, light (low) to dark (high)."""
    if k <= 0:
        return []
    if k == 1:
        return [SEQUENTIAL[4]]
    idx = np.round(np.linspace(1, len(SEQUENTIAL) - 1, k)).astype(int)
    return [SEQUENTIAL[i] for i in idx]


def fill_colors(classification: Classification) -> list[str]:
    """The fill colour of every classified value (grey where there is no data)."""
    colors = np.array([*class_colors(classification.k), NO_DATA_COLOR])
    return colors[classification.classes].tolist()  # class -1 picks the last: no data


def add_areas(
    m: folium.Map,
    gdf: gpd.GeoDataFrame,
    colors: Sequence[str],
    *,
    name: str,
    tooltip: dict[str, str],
    opacity: float = 0.8,
) -> None:
    """Add ``gdf``'s polygons filled with ``colors`` (one per row) as one GeoJson layer.

    Parameters
    ----------
    tooltip
        Column -> label shown when hovering an area.
    """
    frame = gdf[[*tooltip, gdf.geometry.name]].copy()
    frame["_fill"] = list(colors)
    folium.GeoJson(
        frame,
        name=name,
        style_function=lambda f: {
            "fillColor": f["properties"]["_fill"],
            "fillOpacity": opacity,
            "color": "#555555",
            "weight": 0.5,
        },
        highlight_function=lambda _f: {"weight": 2, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(list(tooltip), aliases=list(tooltip.values())),
    ).add_to(m)


def add_outline(m: folium.Map, geom, *, name: str, color: str = "#E69F00") -> None:
    """A shape (e.g. the area within walking distance of a site) as a light overlay."""
    if geom is None or geom.is_empty:
        return
    folium.GeoJson(
        gpd.GeoSeries([geom], crs=4326).__geo_interface__,
        name=name,
        style_function=lambda _f: {
            "color": color,
            "weight": 1.5,
            "fillColor": color,
            "fillOpacity": 0.15,
        },
    ).add_to(m)


def legend_html(
    title: str,
    labels: Sequence[str],
    colors: Sequence[str],
    *,
    counts: Sequence[int] | None = None,
    note: str = "",
) -> str:
    """An HTML legend: one swatch, label (and count of areas) per class, in map order."""
    rows = []
    for i, (label, color) in enumerate(zip(labels, colors, strict=True)):
        count = f"<td style='text-align:right;color:#555'>{counts[i]:,}</td>" if counts else ""
        rows.append(
            "<tr><td><span style='display:inline-block;width:1.4em;height:1em;"
            f"background:{color};border:1px solid #777'></span></td>"
            f"<td>{escape(label)}</td>{count}</tr>"
        )
    foot = f"<div style='font-size:0.8em;color:#555'>{escape(note)}</div>" if note else ""
    return (
        f"<div class='maeul-legend'><strong>{escape(title)}</strong>"
        f"<table style='border:none;font-size:0.9em'>{''.join(rows)}</table>{foot}</div>"
    )


def classification_legend(
    title: str, classification: Classification, *, no_data_label: str, note: str = ""
) -> str:
    """The legend of a classified choropleth: the classes' ranges, colours and counts."""
    labels = list(classification.labels)
    colors = class_colors(classification.k)
    counts = list(classification.counts)
    if classification.no_data:
        labels.append(no_data_label)
        colors.append(NO_DATA_COLOR)
        counts.append(classification.no_data)
    return legend_html(title, labels, colors, counts=counts, note=note)


#: Area names written on the map: dark text with a light halo, readable on every class.
LABEL_STYLE = (
    "font-size:11px;font-weight:600;color:#222;white-space:nowrap;pointer-events:none;"
    "text-shadow:0 0 2px #fff,0 0 2px #fff,0 0 3px #fff;transform:translate(-50%,-50%);"
    "display:inline-block"
)


def add_labels(m: folium.Map, gdf: gpd.GeoDataFrame, column: str, *, name: str) -> None:
    """Write each area's ``column`` (e.g. the district name) at a point inside it.

    Drawn as text markers in one toggleable layer: no tile server is needed for place
    names. The point is the area's representative point (always inside the polygon).
    """
    group = folium.FeatureGroup(name=name)
    points = gdf.geometry.representative_point()
    for text, point in zip(gdf[column], points, strict=True):
        folium.Marker(
            [point.y, point.x],
            icon=folium.DivIcon(
                html=f"<span class='maeul-area-label' style='{LABEL_STYLE}'>{escape(str(text))}"
                "</span>",
                icon_size=(0, 0),
                icon_anchor=(0, 0),
            ),
            interactive=False,
        ).add_to(group)
    group.add_to(m)
