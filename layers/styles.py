"""Colours and marker styles of map layers, one table per layer family."""

from __future__ import annotations

#: Fill colour per resource kind (colour-blind-safe Okabe-Ito palette).
KIND_COLORS: dict[str, str] = {
    "human": "#D55E00",
    "space": "#0072B2",
    "heritage": "#009E73",
    "other": "#CC79A7",
}
SITE_COLOR = "#E69F00"
GRID_COLOR = "#56B4E9"
CONFLICT_COLOR = "#B2182B"

DISTRICT_STYLE = {
    "color": "#333333",
    "weight": 2,
    "fill": True,
    "fillColor": "#F4F1EA",
    "fillOpacity": 1.0,
}
DONG_STYLE = {"color": "#9A9A9A", "weight": 0.6, "fill": False}
HIGHLIGHT_STYLE = {"color": "#000000", "weight": 3, "fill": False}

#: The map's background where no polygon is drawn (no tile server by default): water-blue.
BACKGROUND = "#DDE8F0"
