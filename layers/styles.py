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
#: The nearby page's search: the radius as a faint disc, the centre as a white dot ringed
#: in black, and a black ring around the result chosen in the list or on the map.
SEARCH_CIRCLE_STYLE = {"color": "#333333", "weight": 1.5, "fill": True, "fillOpacity": 0.05}
SEARCH_CENTRE_STYLE = {
    "radius": 7,
    "color": "#000000",
    "weight": 3,
    "fill": True,
    "fillColor": "#FFFFFF",
    "fillOpacity": 1.0,
}
SELECTED_STYLE = {"radius": 12, "color": "#000000", "weight": 3, "fill": False}

#: The map's background where no polygon is drawn (no tile server by default): water-blue.
BACKGROUND = "#DDE8F0"


def resource_marker(kind: str, precision: str = "exact") -> dict:
    """Circle-marker options of a resource: filled dot, or hollow dashed ring at a dong."""
    if precision == "dong":
        return {
            "radius": 7,
            "weight": 2,
            "color": KIND_COLORS[kind],
            "dash_array": "3 3",
            "fill": True,
            "fill_color": "#ffffff",
            "fill_opacity": 0.4,
        }
    return {
        "radius": 5,
        "weight": 1,
        "color": "#ffffff",
        "fill": True,
        "fill_color": KIND_COLORS[kind],
        "fill_opacity": 0.9,
    }
