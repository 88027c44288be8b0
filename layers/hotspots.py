"""Folium layers of the hotspot page: case density heatmap, Gi* cells and their HTML legend.

The legend is plain HTML shown beside the map (streamlit-folium cannot show branca
colormap legends offline, see docs/offline.md).
"""

from __future__ import annotations

import html

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from folium.plugins import HeatMap

from geo import vocab
from geo.hotspots import CLASSES
from geo.messages import text

#: Fill colour per Gi* class: reds for hot, blues for cold (ColorBrewer RdBu), grey islands.
CLASS_COLORS: dict[str, str] = {
    "hot_99": "#B2182B",
    "hot_95": "#EF8A62",
    "hot_90": "#FDDBC7",
    "not_significant": "#F7F7F7",
    "cold_90": "#D1E5F0",
    "cold_95": "#67A9CF",
    "cold_99": "#2166AC",
    "island": "#BDBDBD",
}


def add_heatmap(
    m: folium.Map, points: pd.DataFrame, *, name: str, weight: str | None = None
) -> None:
    """A density heatmap of ``points`` (columns ``lon, lat`` and optional ``weight``)."""
    if points.empty:
        return
    cols = ["lat", "lon"] + ([weight] if weight else [])
    data = points[cols].astype(float).to_numpy().tolist()
    HeatMap(data, name=name, radius=18, blur=14, min_opacity=0.35).add_to(m)


def add_cells(
    m: folium.Map,
    cells: gpd.GeoDataFrame,
    *,
    name: str,
    lang: str = "ko",
    show_all: bool = True,
    titles: pd.Series | None = None,
) -> None:
    """Gi* cells coloured by class; ``show_all=False`` draws only significant cells.

    ``titles`` (per ``cell``: the titles of its cases, from
    :func:`geo.hotspots.case_titles`) are listed when a cell is hovered or clicked.
    """
    df = cells if show_all else cells[cells["confidence"] > 0]
    if df.empty:
        return
    df = df.copy()
    df["class_label"] = [vocab.label(CLASSES, k, lang) for k in df["klass"]]
    df["z"] = [("-" if np.isnan(z) else f"{z:.2f}") for z in df["gi_z"].astype(float)]
    df["p"] = [("-" if np.isnan(p) else f"{p:.4f}") for p in df["p_value"].astype(float)]
    df["fill"] = [CLASS_COLORS[k] for k in df["klass"]]
    fields = ["name", "class_label", "n_cases", "value", "z", "p"]
    aliases = [
        text("hotspots.col_cell", lang),
        text("hotspots.col_class", lang),
        text("hotspots.col_cases", lang),
        text("hotspots.col_value", lang),
        "Gi* z",
        "p",
    ]
    if titles is not None:
        df["titles"] = df["cell"].map(titles).fillna("")
        fields.append("titles")
        aliases.append(text("hotspots.col_titles", lang))
    folium.GeoJson(
        df[[*fields, "fill", "geom"]],
        name=name,
        style_function=lambda f: {
            "color": "#777777",
            "weight": 0.4,
            "fillColor": f["properties"]["fill"],
            "fillOpacity": 0.75,
        },
        tooltip=folium.GeoJsonTooltip(fields, aliases=aliases, max_width=360),
        popup=folium.GeoJsonPopup(fields, aliases=aliases, max_width=360),
    ).add_to(m)


def legend_html(counts: pd.Series, *, lang: str = "ko", title: str = "") -> str:
    """The legend: one colour swatch per class with its label and number of cells."""
    rows = "".join(
        f'<tr><td><span style="display:inline-block;width:14px;height:14px;'
        f"background:{CLASS_COLORS[k]};border:1px solid #888;vertical-align:middle"
        f'"></span></td><td style="padding-left:6px">'
        f"{html.escape(vocab.label(CLASSES, k, lang))}</td>"
        f'<td style="text-align:right;padding-left:10px">{int(counts.get(k, 0)):,}</td></tr>'
        for k in CLASSES
    )
    head = f"<b>{html.escape(title)}</b>" if title else ""
    return f'<div style="font-size:0.9rem">{head}<table>{rows}</table></div>'
