"""Page "Map explorer": resources per kind over district and dong outlines, with filters.

A Streamlit page script (run by ``st.navigation`` in app.py): it defines and calls ``render``.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import queries, vocab
from geo.errors import AtlasError
from geo.reference import attribution
from geo.settings import load_settings
from layers import maps, styles
from views.common import csv_download, districts, dongs, show_error, viewer
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
    )
    cat_options = [c for k in kinds for c in vocab.CATEGORIES[k]]
    cats = vocab.all_categories()
    categories = cols[2].multiselect(
        t("categories"), cat_options, format_func=lambda c: vocab.label(cats, c, lang())
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


def render() -> None:
    """Draw the page."""
    st.title(t("page_explorer"))
    who = viewer()
    try:
        d = districts()
        flt = _filters(d)
        online = st.toggle(t("online_basemap"), value=False)
        limit = load_settings().max_map_markers
        found = queries.resources(who, flt, limit=limit + 1)
        counts = queries.count_resources(who, flt)
        summary = queries.district_summary(who, flt.district_code) if flt.district_code else None
        area_dongs = dongs(flt.district_code)
        sites = queries.program_sites(flt.district_code)
        open_conflicts = queries.conflicts(flt.district_code, open_only=True)
    except AtlasError as exc:
        show_error(exc)
    total = sum(counts.values())
    shown = found.iloc[:limit]
    if len(found) > limit:
        st.warning(t("too_many", shown=limit))
    st.caption(t("shown_of", shown=len(shown), total=total) + " · " + t("privacy_note"))

    focus = d[d["code"] == flt.district_code] if flt.district_code else None
    m = maps.base_map(
        d,
        area_dongs,
        attribution=attribution(lang()),
        lang=lang(),
        online_tiles=online,
        focus=focus,
    )
    maps.add_resources(m, shown, lang=lang())
    maps.add_points(m, sites, name=t("layer_sites"), color=styles.SITE_COLOR, label_field="name")
    maps.add_points(
        m,
        open_conflicts,
        name=t("layer_conflicts"),
        color=styles.CONFLICT_COLOR,
        label_field="title",
    )
    map_col, side = st.columns([3, 1])
    with map_col:
        st_folium(
            maps.finish(m, online_tiles=online),
            height=560,
            use_container_width=True,
            returned_objects=[],
            key="explorer_map",
        )
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
