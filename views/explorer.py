"""Page "Map explorer": resources per kind over district and dong outlines, with filters.

A Streamlit page script (run by ``st.navigation`` in app.py): it defines and calls ``render``.
The map is the component of :mod:`layers.mapview`; its data comes from
:func:`layers.mapdata.view_payload`.
"""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from geo import datasets, queries, vocab
from geo.access import PUBLIC
from geo.errors import AtlasError
from geo.reference import SEOUL_BOUNDS, attribution
from geo.settings import load_settings
from layers import mapdata, mapview
from views.common import (
    csv_download,
    district_names,
    districts,
    map_outlines_file,
    show_error,
    viewer,
)
from views.i18n import lang, name_column, t

MAP_KEY = "explorer_map"
#: The last payload computed for the map: (its inputs, when, payload, id, count).
_MEMO = "explorer_map_memo"
#: The map's width assumed before it has reported its size (pixels).
_FIRST_WIDTH_PX = 900
#: Seconds map data is reused for the same inputs: reruns that do not move the map, and
#: public sessions opening the same view (an import shows on the map within this time).
_PUBLIC_S = 30


#: The filter widgets whose shown choices are words of the interface language.
_WORDED = ("explorer_district", "explorer_kinds", "explorer_categories")


def _relabel_on_language_change() -> None:
    """After a language switch, give the filter widgets their values again.

    Keyed widgets keep their values across the switch, but the browser would go on showing
    the choices in the old language; a value set through the session state is sent to the
    browser with the new labels.
    """
    st.session_state.setdefault("explorer_kinds", list(vocab.KINDS))
    if st.session_state.get("explorer_lang") == lang():
        return
    for key in _WORDED:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]
    st.session_state["explorer_lang"] = lang()


def _filters(d: pd.DataFrame) -> tuple[queries.ResourceFilter, bool]:
    """The filter row; every widget keyed, options as codes, so values survive a language
    switch."""
    _relabel_on_language_change()
    cols = st.columns([1.1, 1.8, 1.8, 1.3, 0.9], vertical_alignment="bottom")
    names = district_names()
    district = cols[0].selectbox(
        t("district"),
        [None, *d["code"]],
        format_func=lambda c: t("all_seoul") if c is None else names[c],
        placeholder=t("all_seoul"),
        key="explorer_district",
    )
    kinds = cols[1].multiselect(
        t("kinds"),
        list(vocab.KINDS),
        format_func=lambda k: vocab.label(vocab.KINDS, k, lang()),
        placeholder=t("choose"),
        key="explorer_kinds",  # all kinds at first: set by _relabel_on_language_change
    )
    cats = vocab.all_categories()
    categories = cols[2].multiselect(
        t("categories"),
        vocab.categories_for(kinds),
        format_func=lambda c: vocab.label(cats, c, lang()),
        placeholder=t("all_categories"),
        key="explorer_categories",
    )
    text = cols[3].text_input(t("search_text"), max_chars=100, key="explorer_text")
    online = cols[4].toggle(t("online_basemap"), value=False, key="explorer_online")
    return queries.ResourceFilter(district, tuple(kinds), tuple(categories), text), online


def _summary_table(counts: dict[str, int], summary: dict | None) -> pd.DataFrame:
    rows = [(vocab.label(vocab.KINDS, k, lang()), n) for k, n in counts.items()]
    if summary:
        rows += [
            (t("program_sites"), summary["program_sites"]),
            (t("grant_total"), summary["grant_mkrw"]),
            (t("open_conflicts"), summary["open_conflicts"]),
        ]
    return pd.DataFrame(rows, columns=[t("kind"), t("count")])


@st.cache_data(ttl=300, show_spinner=False)
def _data_credit(language: str) -> str:
    """The open data publishers for the map's corner (changes only with an import)."""
    return datasets.attribution(language)


@st.cache_data(ttl=_PUBLIC_S, max_entries=64, show_spinner=False)
def _public_counts(key: str, _flt: queries.ResourceFilter) -> dict[str, int]:
    """Counts per kind for the public (the same for everyone); ``key``: ``repr`` of the filter
    (the cache hashes it, not the filter object)."""
    return queries.count_resources(PUBLIC, _flt)


def _counts(who, flt: queries.ResourceFilter) -> dict[str, int]:
    """Resources per kind matching ``flt`` as ``who`` may see them."""
    if who == PUBLIC:
        return _public_counts(repr(flt), flt)
    return queries.count_resources(who, flt)


@st.cache_data(ttl=_PUBLIC_S, max_entries=64, show_spinner=False)
def _public_payload(key: str, _flt, view, extent, width_px, limit, language, total):
    """:func:`layers.mapdata.view_payload` for the public, shared by every public session
    (``key``: ``repr`` of the filter)."""
    data, n = mapdata.view_payload(
        PUBLIC, _flt, view, extent=extent, width_px=width_px, limit=limit, lang=language,
        total=total,
    )  # fmt: skip
    return data, mapdata.payload_id(data), n


@st.cache_data(ttl=_PUBLIC_S, max_entries=64, show_spinner=False)
def _public_first_view(key: str, _flt, extent, width_px, limit, language):
    """:func:`layers.mapdata.first_view` for the public, shared by every public session
    (``key``: ``repr`` of the filter)."""
    data, n, counts = mapdata.first_view(
        PUBLIC, _flt, extent, width_px=width_px, limit=limit, lang=language
    )
    return data, mapdata.payload_id(data), n, counts


def _first_view(who, flt, extent) -> tuple[tuple[dict, str, int], dict[str, int]]:
    """The map's data for the filter's whole extent and the counts per kind, from one scan
    where it can (:func:`layers.mapdata.first_view`)."""
    limit = load_settings().max_map_markers
    if who == PUBLIC:
        data, data_id, n, counts = _public_first_view(
            repr(flt), flt, tuple(extent), _FIRST_WIDTH_PX, limit, lang()
        )
    else:
        data, n, counts = mapdata.first_view(
            who, flt, extent, width_px=_FIRST_WIDTH_PX, limit=limit, lang=lang()
        )
        data_id = mapdata.payload_id(data)
    return (data, data_id, n), counts


def _payload(who, flt, view, extent, width_px: int, total: int) -> tuple[dict, str, int]:
    """The map's resources for ``view``: reused while the inputs stay the same (per session,
    and for the public, whose data is the same for all, across sessions)."""
    limit = load_settings().max_map_markers
    inputs = (who, flt, tuple(view), tuple(extent), width_px, limit, lang(), total)
    if who == PUBLIC:
        return _public_payload(repr(flt), flt, *inputs[2:])
    memo = st.session_state.get(_MEMO)
    if memo and memo[0] == inputs and time.monotonic() - memo[1] < _PUBLIC_S:
        return memo[2], memo[3], memo[4]
    data, n = mapdata.view_payload(
        who, flt, view, extent=extent, width_px=width_px, limit=limit, lang=lang(), total=total
    )
    data_id = mapdata.payload_id(data)
    st.session_state[_MEMO] = (inputs, time.monotonic(), data, data_id, n)
    return data, data_id, n


@st.fragment
def _map(who, flt: queries.ResourceFilter, base: dict, online: bool) -> None:
    """The map: resources of the current view; it reruns alone when the map asks for data.

    Up to ``MAEUL_MAX_MAP_MARKERS`` resources are drawn one by one; beyond, they are
    counted per grid cell in PostGIS (:func:`layers.mapdata.view_payload`).
    """
    focus_id, focus_box, extent = base["focus"]
    report = mapview.last_report(MAP_KEY)
    same_focus = report.get("focus") == focus_id and report.get("view")
    view = tuple(report["view"]) if same_focus else focus_box
    width_px = int((report.get("size") or [_FIRST_WIDTH_PX])[0]) if same_focus else _FIRST_WIDTH_PX
    try:
        if not same_focus and base.get("first"):  # read with the counts
            data, data_id, n = base["first"]
        else:
            total = sum(base["counts"].values())
            data, data_id, n = _payload(who, flt, view, extent, width_px, total)
    except AtlasError as exc:
        show_error(exc)
    grouped = data["mode"] == "grid"
    at_dong = not grouped and any(row[3] for row in data["rows"])
    mapview.explorer_map(
        key=MAP_KEY,
        outlines=map_outlines_file(),
        data=data,
        data_id=data_id,
        focus=(focus_id, focus_box),
        extent=extent,
        district=flt.district_code,
        legend=mapdata.legend(lang(), base["counts"]),
        texts={
            "districts": t("layer_districts"),
            "dongs": t("layer_dongs"),
            "sites": t("layer_sites"),
            "conflicts": t("layer_conflicts"),
            "grid": t("map_grid_legend"),
            "dong_short": t("map_dong_short"),
        },
        sites=base["sites"],
        conflicts=base["conflicts"],
        attribution=" | ".join(filter(None, [attribution(lang()), _data_credit(lang())])),
        lang=lang(),
        online=online,
    )
    mode = t("grouped", n=n) if grouped else t("shown_of", shown=n, total=n)
    notes = [mode, t("privacy_note")] + ([t("dong_precision_note")] if at_dong else [])
    st.caption(" · ".join(notes))
    click = (mapview.last_report(MAP_KEY).get("click") or {}).get("id")
    chosen = [r for r in data["rows"] if not grouped and r[8] == click] if click else []
    if chosen:
        row = chosen[0]
        kind = vocab.label(vocab.KINDS, list(vocab.KINDS)[row[2]], lang())
        st.markdown(f"**{t('map_selected')}**: " + " · ".join(filter(None, [row[4], kind, row[5]])))


def render() -> None:
    """Draw the page."""
    st.title(t("page_explorer"))
    who = viewer()
    try:
        d = districts()
        flt, online = _filters(d)
        if flt.district_code:
            box = tuple(round(float(v), 5) for v in d[d["code"] == flt.district_code].total_bounds)
            focus = (flt.district_code, box, box)
        else:
            focus = ("seoul", SEOUL_BOUNDS, SEOUL_BOUNDS)
        # A map not yet moved shows the whole filter: its data and the counts in one scan.
        first = None
        if mapview.last_report(MAP_KEY).get("focus") != focus[0]:
            first, counts = _first_view(who, flt, focus[2])
        else:
            counts = _counts(who, flt)
        sites = mapdata.shapes(queries.program_sites(flt.district_code), "name")
        open_conflicts = mapdata.shapes(
            queries.conflicts(flt.district_code, open_only=True), "title"
        )
    except AtlasError as exc:
        show_error(exc)

    map_col, side = st.columns([3, 1])
    with map_col:
        base = {
            "focus": focus,
            "sites": sites,
            "conflicts": open_conflicts,
            "counts": counts,
            "first": first,
        }
        _map(who, flt, base, online)
    with side:  # after the map: its frame loads while the summary is read
        try:
            summary = (
                queries.district_summary(who, flt.district_code) if flt.district_code else None
            )
        except AtlasError as exc:
            show_error(exc)
        title = t("summary_title", name=summary[name_column()]) if summary else t("seoul_summary")
        st.subheader(title)
        table = _summary_table(counts, summary)
        # Metrics only: the same figures as a table (st.dataframe) made the browser load
        # about 1.6 MB more script before it drew the map beside them (benchmarks.md).
        for label, value in table.itertuples(index=False):
            st.metric(label, f"{value:,.0f}")
        csv_download(
            table,
            label=t("download_csv"),
            key="summary_csv",
            file_name=f"maeul_summary_{flt.district_code or 'seoul'}.csv",
        )


render()
