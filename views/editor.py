"""Page "Edit": staff add, change, retire and restore records, and read each record's history.

A Streamlit page script (run by ``st.navigation`` in app.py). Every write goes through
``geo.editing``, which checks the signed-in user's rights itself: a district officer sees
and changes their own district only, a planner reads but does not edit.
"""

from __future__ import annotations

import datetime as dt

import folium
import streamlit as st
from streamlit_folium import st_folium

from geo import editing
from geo.access import allowed, scope
from geo.errors import AtlasError
from geo.reference import attribution
from layers import maps
from views.common import csv_download, district_label, keep, outlines, show_error, viewer
from views.i18n import lang, pick, translator

t = translator("editor")

_POINT = "editor_point"
_CLICK = "editor_click"


def _label(pair: tuple[str, str]) -> str:
    return pick(pair)


def _input(f: editing.EditField, current, key: str):
    """The widget for one field, filled with ``current``."""
    label = _label(f.label) + (" *" if f.required else "")
    if f.kind == "choice":
        names = f.choices()
        codes = list(names)
        index = codes.index(current) if current in codes else 0
        return st.selectbox(
            label, codes, index=index, format_func=lambda c: _label(names[c]), key=keep(key)
        )
    if f.kind == "longtext":
        return st.text_area(label, value=current or "", max_chars=editing.MAX_TEXT, key=key)
    if f.kind == "int":
        value = int(current) if current is not None else dt.date.today().year
        return st.number_input(
            label, value=value, min_value=int(f.minimum), max_value=int(f.maximum), key=key
        )
    if f.kind == "number":
        value = float(current) if current is not None else 0.0
        return st.number_input(label, value=value, min_value=float(f.minimum), key=key)
    if f.kind == "date":
        return st.date_input(
            label, value=current or dt.date.today(), max_value=dt.date.today(), key=key
        )
    if f.kind == "list":
        return st.text_input(label, value=", ".join(current or []), max_chars=1000, key=key)
    return st.text_input(label, value=current or "", max_chars=editing.MAX_TEXT, key=key)


def _location_map(point: tuple[float, float] | None) -> None:
    """The map: a click moves the point (kept in the session for the form below)."""
    m = maps.base_map(outlines("district"), attribution=attribution(lang()), lang=lang())
    if point is not None:
        folium.Marker([point[1], point[0]]).add_to(m)
        m.location = [point[1], point[0]]
    out = st_folium(
        maps.finish(m),
        height=380,
        use_container_width=True,
        returned_objects=["last_clicked"],
        key="editor_map",
    )
    click = (out or {}).get("last_clicked")
    spot = (round(click["lng"], 7), round(click["lat"], 7)) if click else None
    if spot and spot != st.session_state.get(_CLICK):
        st.session_state[_CLICK] = spot
        _set_point(spot)
        st.rerun()


def _set_point(point: tuple[float, float] | None) -> None:
    """Move the marker and fill the coordinate inputs (set before they are drawn)."""
    st.session_state[_POINT] = point
    st.session_state["editor_lon"] = point[0] if point else None
    st.session_state["editor_lat"] = point[1] if point else None


def _form(table: str, record: dict | None) -> None:
    spec = editing.EDITABLE[table]
    rid = record["id"] if record else None
    if st.session_state.get("editor_record") != (table, rid):
        st.session_state["editor_record"] = (table, rid)
        _set_point((record["lon"], record["lat"]) if record else None)
    point = st.session_state.get(_POINT)
    st.caption(t("location"))
    _location_map(point)
    with st.form(f"edit-{table}-{rid}"):
        c1, c2 = st.columns(2)
        # Filled through the session state (a map click, the chosen record), never `value`.
        lat = c1.number_input(t("lat"), value=None, format="%.6f", key="editor_lat")
        lon = c2.number_input(t("lon"), value=None, format="%.6f", key="editor_lon")
        values = {
            f.name: _input(f, record.get(f.name) if record else None, f"ed-{table}-{rid}-{f.name}")
            for f in spec.fields
        }
        if st.form_submit_button(t("save"), type="primary"):
            try:
                new_id = editing.save_record(
                    viewer(), table, values, lon=lon, lat=lat, record_id=rid
                )
            except AtlasError as exc:
                show_error(exc)
            st.session_state["editor_flash"] = t("saved", id=new_id)
            st.session_state["editor_record"] = None
            st.rerun()


def _retire(table: str, record: dict) -> None:
    if record["retired_at"] is not None:
        st.warning(
            t("retired_info", at=f"{record['retired_at']:%Y-%m-%d %H:%M}", by=record["retired_by"])
        )
    restore = record["retired_at"] is not None
    if st.button(t("restore") if restore else t("retire"), key="editor_retire"):
        try:
            editing.retire_record(viewer(), table, int(record["id"]), restore=restore)
        except AtlasError as exc:
            show_error(exc)
        st.session_state["editor_flash"] = t("restored") if restore else t("retired")
        st.session_state["editor_record"] = None
        st.rerun()


def _history(table: str, record_id: int) -> None:
    st.subheader(t("history"))
    try:
        hist = editing.record_history(viewer(), table, record_id)
    except AtlasError as exc:
        show_error(exc)
    hist = _history_table(table, hist)
    st.dataframe(hist, hide_index=True, width="stretch")
    csv_download(
        hist,
        label=t("download_csv"),
        file_name=f"maeul_{table}_{record_id}_history.csv",
        key="editor_history_csv",
    )


#: Change operations as people say them (their keys).
_OPERATIONS = {"INSERT": "op_insert", "UPDATE": "op_update", "DELETE": "op_delete"}


def _history_table(table: str, hist):
    """The history with headers in the interface language, field names as their labels
    and coded values (categories, kinds, stages) as their names."""
    fields = {f.name: f for f in editing.EDITABLE[table].fields}
    out = hist.copy()

    def value(field: str, text):
        f = fields.get(field)
        if f is None or f.kind != "choice" or text in (None, ""):
            return text
        names = f.choices()
        return _label(names[text]) if text in names else text

    out["old"] = [value(f, v) for f, v in zip(out["field"], out["old"], strict=True)]
    out["new"] = [value(f, v) for f, v in zip(out["field"], out["new"], strict=True)]
    out["operation"] = [t(_OPERATIONS[op]) if op in _OPERATIONS else op for op in out["operation"]]
    out["field"] = [
        _label(fields[f].label) if f in fields else t("geom_field") if f == "geom" else f
        for f in out["field"]
    ]
    return out.rename(columns={c: t(f"h_{c}") for c in out.columns})


def render() -> None:
    """Draw the page."""
    st.title(t("title"))
    st.caption(t("intro"))
    who = viewer()
    if not allowed(who, "edit"):
        st.info(t("no_rights"))
        return
    if scope(who, "edit") == "own":
        st.caption(t("own_district", district=district_label(who.district_code)))
    if flash := st.session_state.pop("editor_flash", None):
        # A toast stays in the corner of the screen wherever the user has scrolled to:
        # the save button is far below the top of the page.
        st.toast(flash, icon=":material/check_circle:", duration="long")
    table = st.radio(
        t("table"),
        list(editing.EDITABLE),
        format_func=lambda k: _label(editing.EDITABLE[k].label),
        horizontal=True,
        key=keep("editor_table"),
    )
    if table == "conflict_cases":
        st.caption(t("conflicts_add"))
        mode = "edit"
    else:
        mode = st.radio(
            t("mode"),
            ["edit", "add"],
            format_func=lambda m: t(f"mode_{m}"),
            horizontal=True,
            key=keep("editor_mode"),
        )
    if mode == "add":
        _form(table, None)
        return
    c1, c2 = st.columns([3, 1])
    text = c1.text_input(t("search"), max_chars=100, key="editor_search")
    with_retired = c2.checkbox(t("with_retired"), key="editor_with_retired")
    try:
        found = editing.find_records(who, table, text=text, include_retired=with_retired)
    except AtlasError as exc:
        show_error(exc)
    if found.empty:
        st.info(t("none_found"))
        return
    labels = {
        int(r.id): f"#{r.id} {r.title} · {r.district or ''}"
        + (f" · {pick((r.source_ko, r.source_en))}" if r.source_ko else "")
        + (f" ({t('retired_mark')})" if r.retired else "")
        for r in found.itertuples()
    }
    rid = st.selectbox(
        t("record"),
        [None, *labels],
        format_func=lambda i: labels.get(i, t("pick")),
        key=keep("ed_pick"),
    )
    if rid is None:
        return
    try:
        record = editing.get_record(who, table, rid)
    except AtlasError as exc:
        show_error(exc)
    _retire(table, record)
    _form(table, record)
    _history(table, rid)


render()
