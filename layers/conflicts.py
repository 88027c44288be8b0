"""Folium layers of the conflict register: cases by stage, early-warning zones and items."""

from __future__ import annotations

import folium
import geopandas as gpd

from geo import vocab

#: Marker colour per conflict stage, from planned (light) to closed (grey).
STAGE_COLORS: dict[str, str] = {
    "prevention_plan": "#E69F00",
    "impact_analysis": "#D55E00",
    "review_meeting": "#B2182B",
    "mediation_council": "#67001F",
    "closed": "#7F7F7F",
}
#: Colour of early-warning items by kind.
ITEM_COLORS: dict[str, str] = {"program_site": "#0072B2", "planned_project": "#E69F00"}
ZONE_COLOR = "#B2182B"


def add_cases(m: folium.Map, cases: gpd.GeoDataFrame, *, lang: str = "ko") -> None:
    """One toggleable layer per stage; points as circles, areas as outlined shapes."""
    if cases.empty:
        return
    df = cases.copy()
    df["stage_label"] = [vocab.label(vocab.CONFLICT_STAGES, s, lang) for s in df["stage"]]
    df["type_label"] = [vocab.label(vocab.CONFLICT_TYPES, c, lang) for c in df["conflict_type"]]
    df["severity_label"] = [vocab.label(vocab.SEVERITY, int(s), lang) for s in df["severity"]]
    fields = ["id", "title", "stage_label", "type_label", "severity_label"]
    for stage in vocab.CONFLICT_STAGES:
        group = df[df["stage"] == stage]
        if group.empty:
            continue
        color = STAGE_COLORS[stage]
        folium.GeoJson(
            group[[*fields, "geom"]],
            name=f"{vocab.label(vocab.CONFLICT_STAGES, stage, lang)} ({len(group):,})",
            marker=folium.CircleMarker(
                radius=6, weight=1, color="#ffffff", fill=True, fill_color=color, fill_opacity=0.9
            ),
            style_function=lambda _f, c=color: {"color": c, "weight": 2, "fillOpacity": 0.25},
            tooltip=folium.GeoJsonTooltip(["title"], labels=False),
            popup=folium.GeoJsonPopup(fields, labels=False),
        ).add_to(m)


def add_warning(
    m: folium.Map,
    zones: gpd.GeoDataFrame,
    nearby: gpd.GeoDataFrame,
    *,
    names: dict[str, str],
) -> None:
    """Warning zones around active conflicts and the items inside them, one layer each.

    ``names`` gives layer names for ``zones``, ``program_site`` and ``planned_project``.
    """
    if not zones.empty:
        folium.GeoJson(
            zones[["id", "title", "geom"]],
            name=f"{names['zones']} ({len(zones):,})",
            style_function=lambda _f: {
                "color": ZONE_COLOR,
                "weight": 1.5,
                "dashArray": "4 4",
                "fillColor": ZONE_COLOR,
                "fillOpacity": 0.12,
            },
            tooltip=folium.GeoJsonTooltip(["title"], labels=False),
        ).add_to(m)
    if nearby.empty:
        return
    items = nearby.drop_duplicates(["kind", "item_id"]).copy()
    items["distance"] = [f"{d:,.0f} m" for d in items["distance_m"]]
    for kind, color in ITEM_COLORS.items():
        group = items[items["kind"] == kind]
        if group.empty:
            continue
        folium.GeoJson(
            group[["name", "detail", "conflict_title", "distance", "geom"]],
            name=f"{names[kind]} ({len(group):,})",
            marker=folium.CircleMarker(
                radius=6, weight=2, color=color, fill=True, fill_color="#ffffff", fill_opacity=1
            ),
            style_function=lambda _f, c=color: {"color": c, "weight": 2, "fillOpacity": 0.3},
            tooltip=folium.GeoJsonTooltip(["name", "distance"], labels=False),
            popup=folium.GeoJsonPopup(
                ["name", "detail", "conflict_title", "distance"], labels=False
            ),
        ).add_to(m)
