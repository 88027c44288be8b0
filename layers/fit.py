"""Maps that fit their data when they come into view (e.g. in a tab opened later).

Leaflet measures its container when the map is made. A map drawn inside a hidden tab
measures 0x0, so its ``fitBounds`` picks the minimum zoom and the data shows as a small
blob. :func:`fit_when_shown` adds a script that watches the container and, each time it
goes from no size to a size, tells Leaflet the new size and fits the map's bounds again.
"""

from __future__ import annotations

import json

import folium
from branca.element import MacroElement
from jinja2 import Template


class _FitWhenShown(MacroElement):
    """Leaflet code: re-measure and re-fit the parent map whenever it becomes visible."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
          var map = {{ this._parent.get_name() }};
          var bounds = {{ this.bounds }};
          var box = map.getContainer();
          var hidden = box.clientWidth === 0 || box.clientHeight === 0;
          var fit = function () {
            map.invalidateSize(false);
            map.fitBounds(bounds);
          };
          if (typeof ResizeObserver === "undefined") { return; }
          new ResizeObserver(function () {
            var now = box.clientWidth === 0 || box.clientHeight === 0;
            if (hidden && !now) { fit(); }
            hidden = now;
          }).observe(box);
        })();
        {% endmacro %}
        """
    )

    def __init__(self, bounds: list[list[float]]) -> None:
        super().__init__()
        self._name = "FitWhenShown"
        self.bounds = json.dumps(bounds)


def map_bounds(m: folium.Map) -> list[list[float]] | None:
    """The ``[[south, west], [north, east]]`` the map was fitted to, if any."""
    for child in m._children.values():
        if isinstance(child, folium.FitBounds):
            return [list(map(float, corner)) for corner in child.bounds]
    return None


def fit_when_shown(m: folium.Map, bounds: list[list[float]] | None = None) -> folium.Map:
    """Make ``m`` fit ``bounds`` (default: what it was fitted to) each time it is shown.

    Parameters
    ----------
    m
        A map, e.g. from :func:`layers.maps.base_map`.
    bounds
        ``[[south, west], [north, east]]``; default the map's own ``fit_bounds``.
    """
    bounds = bounds or map_bounds(m)
    if bounds is not None:
        _FitWhenShown(bounds).add_to(m)
    return m
