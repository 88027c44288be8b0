"""Folium layer of the rows an import would write: new, changed and unchanged records."""

from __future__ import annotations

import folium
import geopandas as gpd

#: Status -> (colour, Korean label, English label). Okabe-Ito, as in ``layers.styles``.
STATUS_STYLES: dict[str, tuple[str, str, str]] = {
    "new": ("#009E73", "새로 추가", "new"),
    "changed": ("#E69F00", "변경", "changed"),
    "unchanged": ("#999999", "변경 없음", "unchanged"),
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
    for status, (color, ko, en) in STATUS_STYLES.items():
        part = df[df["status"] == status]
        if part.empty:
            continue
        folium.GeoJson(
            part[["label", "geom"]],
            name=f"{ko if lang == 'ko' else en} ({len(part):,})",
            marker=folium.CircleMarker(
                radius=5, weight=1, color="#ffffff", fill=True, fill_color=color, fill_opacity=0.9
            ),
            style_function=lambda _f, c=color: {"color": c, "weight": 2, "fillOpacity": 0.3},
            tooltip=folium.GeoJsonTooltip(["label"], labels=False),
        ).add_to(m)
