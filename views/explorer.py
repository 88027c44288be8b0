"""Page "Map explorer": resources per kind over district and dong outlines, with filters.

A Streamlit page script (run by ``st.navigation`` in app.py): it defines and calls ``render``.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import queries, vocab
from geo.errors import AtlasError
from geo.reference import SEOUL_BOUNDS, attribution
from geo.settings import load_settings
from layers import maps, styles
from views.common import csv_download, districts, outlines, show_error, viewer
from views.i18n import lang, t


def _filters(d: pd.DataFrame) -> queries.ResourceFilter:
    cols = st.columns([1.2, 2, 2, 1.5])
    options = [None, *d["code"]]
    names = dict(zip(d["code"], d["name_ko" if lang() == "ko" else "name_en"], strict=True))
    district = cols[0].selectbox(
        t("district"), options, format_func=lambda c: t("all_seoul") if c is None else names[c]
    )
    kinds = cols[1].multiselect(
        t("kinds"),
        list(vocab.KINDS),
        default=list(vocab.KINDS),
        format_func=lambda k: vocab.label(vocab.KINDS, k, lang()),
        placeholder=t("choose"),
    )
    cat_options = vocab.categories_for(kinds)
    cats = vocab.all_categories()
    categories = cols[2].multiselect(
        t("categories"),
        cat_options,
        format_func=lambda c: vocab.label(cats, c, lang()),
        placeholder=t("all_categories"),
    )
    text = cols[3].text_input(t("search_text"), max_chars=100)
    return queries.ResourceFilter(district, tuple(kinds), tuple(categories), text)


def _summary_table(counts: dict[str, int], summary: dict | None) -> pd.DataFrame:
    rows = [(vocab.label(vocab.KINDS, k, lang()), n) for k, n in counts.items()]
    if summary:
        rows += [
            (t("program_sites"), summary["program_sites"]),
            (t("grant_total"), summary["grant_mkrw"]),
            (t("open_conflicts"), summary["open_conflicts"]),
        ]
    return pd.DataFrame(rows, columns=[t("kind"), t("count")])


def _view_bbox(out: dict | None) -> tuple[tuple[float, float, float, float], int] | None:
    """The map view streamlit-folium reported: ((w, s, e, n), zoom), rounded to ~1 m."""
    bounds = (out or {}).get("bounds") or {}
    sw, ne = bounds.get("_southWest") or {}, bounds.get("_northEast") or {}
    if sw.get("lat") is None or ne.get("lat") is None:
        return None
    box = (sw["lng"], sw["lat"], ne["lng"], ne["lat"])
    return tuple(round(v, 5) for v in box), int(out.get("zoom") or 11)


def _base_map(flt: queries.ResourceFilter, focus, online: bool, sites, open_conflicts):
    """Outlines, program sites and open conflicts: what does not follow the view."""
    m = maps.base_map(
        outlines("district"),
        outlines("dong", flt.district_code),
        attribution=attribution(lang()),
        lang=lang(),
        online_tiles=online,
        focus=focus,
    )
    maps.add_points(m, sites, name=t("layer_sites"), color=styles.SITE_COLOR, label_field="name")
    maps.add_points(
        m,
        open_conflicts,
        name=t("layer_conflicts"),
        color=styles.CONFLICT_COLOR,
        label_field="title",
    )
    return maps.finish(m, online_tiles=online)


@st.fragment
def _map(who, flt: queries.ResourceFilter, base: dict, online: bool, start_bbox) -> None:
    """The map: a fixed base, and resources for the current view swapped in on pan/zoom.

    ``base`` holds :func:`_base_map`'s arguments: the map is built anew on every run,
    because streamlit-folium renames the elements of the map it draws and adds the swapped
    layers to it, so a map drawn once cannot be drawn again (its layer switcher would
    point at names that no longer exist and the map would not draw).

    Only this fragment reruns when the view changes (panning never reruns the page). Up
    to ``MAEUL_MAX_MAP_MARKERS`` resources in view are drawn one by one; beyond, they are
    counted per grid cell in PostGIS, the cell size following the zoom. The swapped layers
    stay out of the layer switcher (streamlit-folium's dynamic control raced with the map
    script under load); kinds are chosen with the filter above the map.
    """
    map_key = f"explorer_map::{flt.district_code}::{online}"
    # streamlit-folium keeps the last reported view under the key (its on_change runs
    # before this fragment reruns), so the data can follow the view in the same run.
    bbox, zoom = _view_bbox(st.session_state.get(map_key)) or (start_bbox, 11)
    limit = load_settings().max_map_markers
    in_view = dataclasses.replace(flt, bbox=bbox)
    try:
        n = sum(queries.count_resources(who, in_view).values())
        at_dong = False
        if n <= limit:
            shown = queries.resources(who, in_view)
            at_dong = "location_precision" in shown and bool(
                (shown["location_precision"] == "dong").any()
            )
            groups = maps.resource_groups(shown, lang=lang())
        else:
            cell = 3_000_000 / 2**zoom  # about 24 px at Seoul's latitude
            grid = queries.resource_grid(who, in_view, cell_m=cell)
            groups = [maps.grid_group(grid, lang=lang())]
    except AtlasError as exc:
        show_error(exc)
    mode = t("shown_of", shown=n, total=n) if n <= limit else t("grouped", n=n)
    st.caption(
        mode + " · " + t("privacy_note") + (" · " + t("dong_precision_note") if at_dong else "")
    )
    st_folium(
        _base_map(flt, online=online, **base),
        height=560,
        use_container_width=True,
        key=map_key,
        feature_group_to_add=groups,
        returned_objects=["bounds", "zoom"],
    )


def render() -> None:
    """Draw the page."""
    st.title(t("page_explorer"))
    who = viewer()
    try:
        d = districts()
        flt = _filters(d)
        online = st.toggle(t("online_basemap"), value=False)
        counts = queries.count_resources(who, flt)
        summary = queries.district_summary(who, flt.district_code) if flt.district_code else None
        sites = queries.program_sites(flt.district_code)
        open_conflicts = queries.conflicts(flt.district_code, open_only=True)
    except AtlasError as exc:
        show_error(exc)

    focus = d[d["code"] == flt.district_code] if flt.district_code else None
    start_bbox = tuple(focus.total_bounds) if focus is not None else SEOUL_BOUNDS
    map_col, side = st.columns([3, 1])
    with map_col:
        base = {"focus": focus, "sites": sites, "open_conflicts": open_conflicts}
        _map(who, flt, base, online, start_bbox)
    with side:
        title = (
            t("summary_title", name=summary["name_ko" if lang() == "ko" else "name_en"])
            if summary
            else t("seoul_summary")
        )
        st.subheader(title)
        table = _summary_table(counts, summary)
        for label, value in table.itertuples(index=False):
            st.metric(label, f"{value:,.0f}")
        st.dataframe(table, hide_index=True, width="stretch")
        csv_download(
            table,
            label=t("download_csv"),
            key="summary_csv",
            file_name=f"maeul_summary_{flt.district_code or 'seoul'}.csv",
        )


render()
