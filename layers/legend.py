"""A legend drawn inside a Leaflet map (a map control), e.g. the colours of resource kinds.

The legend travels with the map (phone screens show it over the map's corner), is plain
HTML built here and needs no outside asset.
"""

from __future__ import annotations

from html import escape

import folium
from branca.element import MacroElement
from jinja2 import Template

from geo import vocab
from geo.messages import text
from layers import styles


class _Legend(MacroElement):
    """A Leaflet control holding fixed HTML."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
          var legend = L.control({position: {{ this.position|tojson }}});
          legend.onAdd = function () {
            var div = L.DomUtil.create("div", "maeul-map-legend");
            div.innerHTML = {{ this.html|tojson }};
            L.DomEvent.disableClickPropagation(div);
            return div;
          };
          legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, html: str, position: str) -> None:
        super().__init__()
        self._name = "MapLegend"
        self.html = html
        self.position = position


def _swatch(color: str, *, hollow: bool = False) -> str:
    fill = "#ffffff" if hollow else color
    border = f"2px dashed {color}" if hollow else "1px solid #ffffff"
    return (
        "<span style='display:inline-block;width:12px;height:12px;border-radius:50%;"
        f"background:{fill};border:{border};box-shadow:0 0 0 1px #777;margin-right:6px;"
        "vertical-align:middle'></span>"
    )


def kind_legend_html(kinds: list[str], *, lang: str = "ko", title: str = "") -> str:
    """One row per kind: its marker colour and name (and the hollow ring's meaning)."""
    rows = [
        f"<div>{_swatch(styles.KIND_COLORS[k])}{escape(vocab.label(vocab.KINDS, k, lang))}</div>"
        for k in kinds
    ]
    note = text("maps.dong_precision_short", lang)
    rows.append(f"<div>{_swatch('#555555', hollow=True)}{escape(note)}</div>")
    head = f"<strong>{escape(title)}</strong>" if title else ""
    return (
        "<div style='background:rgba(255,255,255,0.92);padding:6px 8px;border-radius:4px;"
        f"font:12px/1.6 sans-serif;box-shadow:0 1px 4px rgba(0,0,0,0.3)'>{head}"
        f"{''.join(rows)}</div>"
    )


def add_kind_legend(
    m: folium.Map, kinds: list[str], *, lang: str = "ko", title: str = "", position="bottomleft"
) -> None:
    """Put the legend of the kinds' marker colours in a corner of ``m``."""
    _Legend(kind_legend_html(kinds, lang=lang, title=title), position).add_to(m)
