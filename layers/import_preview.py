"""Folium layer of the rows an import would write: new, changed and unchanged records."""

from __future__ import annotations

import folium
import geopandas as gpd

from geo.messages import text

#: Status -> (colour, message of its layer). Okabe-Ito, as in ``layers.styles``.
STATUS_STYLES: dict[str, tuple[str, str]] = {
    "new": ("#009E73", "import_preview.new"),
    "changed": ("#E69F00", "import_preview.changed"),
    "unchanged": ("#999999", "import_preview.unchanged"),
}


def add_import_preview(m: folium.Map, preview: gpd.GeoDataFrame, *, lang: str = "ko") -> None:
    """One visible layer per status, points as small circles, name and row in the tooltip.

    Parameters
    ----------
    m
        Map from :func:`layers.maps.base_map`.
    preview
        ``row``, ``name``, ``status``, ``geom`` (WGS84), as in ``ImportReport.preview``.
    """
    if preview is None or preview.empty:
        return
    df = preview.copy()
    df["label"] = [f"{n} (#{r})" for n, r in zip(df["name"], df["row"], strict=True)]
    for status, (color, key) in STATUS_STYLES.items():
        part = df[df["status"] == status]
        if part.empty:
            continue
        folium.GeoJson(
            part[["label", "geom"]],
            name=text(key, lang, n=len(part)),
            marker=folium.CircleMarker(
                radius=5, weight=1, color="#ffffff", fill=True, fill_color=color, fill_opacity=0.9
            ),
            style_function=lambda _f, c=color: {"color": c, "weight": 2, "fillOpacity": 0.3},
            tooltip=folium.GeoJsonTooltip(["label"], labels=False),
        ).add_to(m)
