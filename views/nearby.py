"""Page "Nearby": resources around a place (dong, pasted coordinates or a map click).

A Streamlit page script (run by ``st.navigation`` in app.py): it defines and calls ``render``.
"""

from __future__ import annotations

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import nearby as nb
from geo import vocab
from geo.errors import AtlasError, InvalidInput
from geo.queries import ResourceFilter
from geo.reference import attribution
from layers import maps, styles
from views.common import csv_download, outlines, show_error, viewer
from views.i18n import lang, translator

t = translator(
    {
        "title": ("근처 자원 찾기", "Find resources nearby"),
        "how": ("장소 정하기", "Choose the place"),
        "by_dong": ("동 이름", "Dong name"),
        "dong_placeholder": ("동 이름을 입력하세요 (예: 망원동)", "Type a dong (e.g. 망원동)"),
        "by_coords": ("좌표 붙여넣기 (위도, 경도)", "Paste coordinates (lat, lon)"),
        "click_hint": (
            "지도를 누르면 그 자리를 중심으로 다시 찾습니다.",
            "Click the map to search around that spot.",
        ),
        "radius": ("반경 (m)", "Radius (m)"),
        "more_filters": ("유형·분류·결과 수", "Kinds, categories, number of results"),
        "limit": ("최대 결과 수", "Most results"),
        "centre": ("검색 중심: {label}", "Search centre: {label}"),
        "clicked": ("지도에서 고른 지점", "point chosen on the map"),
        "none": (
            "반경 {r:,} m 안에 조건에 맞는 자원이 없습니다. 반경을 넓혀 보세요.",
            "Nothing matches within {r:,} m. Try a larger radius.",
        ),
        "found": (
            "{n}건 · 거리는 직선거리, 도보 시간은 시속 4.5 km 직선 기준 추정입니다.",
            "{n} found · distances are straight-line; walking times assume 4.5 km/h "
            "in a straight line.",
        ),
        "col_rank": ("순위", "#"),
        "col_name": ("이름", "Name"),
        "col_kind": ("유형", "Kind"),
        "col_category": ("분류", "Category"),
        "col_distance": ("거리", "Distance"),
        "col_walk": ("도보 (분, 추정)", "Walk (min, est.)"),
        "details": ("선택한 자원", "Selected resource"),
        "pick_row": ("표에서 행을 고르면 자세한 정보가 나옵니다.", "Pick a row for details."),
        "address": ("주소", "Address"),
        "contact": ("연락처", "Contact"),
        "description": ("설명", "Description"),
        "where_generalised": (
            "개인정보 보호를 위해 법정동 대표 위치로 표시됩니다.",
            "Shown at the dong's representative point to protect personal data.",
        ),
        "demo": ("데모 기록", "demo record"),
        "search_circle": ("검색 반경", "Search radius"),
        "results_layer": ("검색 결과", "Results"),
    }
)

_DEFAULT = nb.Place(126.9045, 37.5563, "망원동 (마포구)")  # a place, not a person


def _place_inputs() -> nb.Place:
    """The search centre from the last map click, a dong, or pasted coordinates."""
    st.subheader(t("how"))
    places = _dong_places()
    c1, c2 = st.columns(2)
    label = c1.selectbox(
        t("by_dong"),
        places["label"].tolist(),
        index=None,
        placeholder=t("dong_placeholder"),
        key="nearby_dong",
        on_change=_forget_click,
    )
    coords = c2.text_input(t("by_coords"), key="nearby_coords", on_change=_forget_click)
    clicked = st.session_state.get("nearby_click")
    if clicked:
        return nb.Place(clicked[0], clicked[1], t("clicked"))
    if coords.strip():
        return nb.parse_coordinates(coords)
    if label:
        row = places[places["label"] == label].iloc[0]
        return nb.Place(float(row["lon"]), float(row["lat"]), label)
    return _DEFAULT


def _forget_click() -> None:
    st.session_state.pop("nearby_click", None)


@st.cache_data(ttl=3600, show_spinner=False)
def _dong_places() -> pd.DataFrame:
    return nb.dong_places()


def _filters() -> tuple[int, ResourceFilter, int]:
    radius = st.slider(t("radius"), *nb.RADIUS_RANGE_M, value=1000, step=50)
    # Kinds, categories and count fold away, so on a phone the map comes right after.
    box = st.expander(t("more_filters"))
    c1, c2 = box.columns([3, 1])
    kinds = c1.multiselect(
        t("kinds"),
        list(vocab.KINDS),
        default=list(vocab.KINDS),
        format_func=lambda k: vocab.label(vocab.KINDS, k, lang()),
        placeholder=t("choose"),
    )
    limit = c2.number_input(t("limit"), min_value=5, max_value=100, value=20, step=5)
    cats = vocab.all_categories()
    categories = box.multiselect(
        t("categories"),
        vocab.categories_for(kinds),
        format_func=lambda c: vocab.label(cats, c, lang()),
        placeholder=t("all_categories"),
    )
    return radius, ResourceFilter(kinds=tuple(kinds), categories=tuple(categories)), int(limit)


def _table(hits: list[nb.Hit]) -> pd.DataFrame:
    cats = vocab.all_categories()
    return pd.DataFrame(
        {
            t("col_rank"): range(1, len(hits) + 1),
            t("col_name"): [h.name for h in hits],
            t("col_kind"): [vocab.label(vocab.KINDS, h.kind, lang()) for h in hits],
            t("col_category"): [vocab.label(cats, h.category, lang()) for h in hits],
            t("col_distance"): [nb.distance_text(h, lang()) for h in hits],
            t("col_walk"): [
                f"~{h.walk_min}" if h.location_precision == "dong" else str(h.walk_min)
                for h in hits
            ],
        }
    )


def _map(place: nb.Place, radius: int, hits: list[nb.Hit]) -> folium.Map:
    lat_pad, lon_pad = radius / 110_540, radius / 88_000
    focus_bounds = (
        place.lon - lon_pad,
        place.lat - lat_pad,
        place.lon + lon_pad,
        place.lat + lat_pad,
    )
    m = maps.base_map(
        outlines("district"),
        outlines("dong"),
        attribution=attribution(lang()),
        lang=lang(),
        bounds=focus_bounds,
    )
    folium.Circle(
        [place.lat, place.lon],
        radius=radius,
        color="#333333",
        weight=1.5,
        fill=True,
        fill_opacity=0.05,
        tooltip=t("search_circle"),
    ).add_to(m)
    folium.CircleMarker(
        [place.lat, place.lon],
        radius=7,
        color="#000000",
        weight=3,
        fill=True,
        fill_color="#FFFFFF",
        tooltip=place.label,
    ).add_to(m)
    group = folium.FeatureGroup(name=t("results_layer"))
    for rank, h in enumerate(hits, start=1):
        folium.CircleMarker(
            [h.lat, h.lon],
            **(styles.resource_marker(h.kind, h.location_precision) | {"radius": 7}),
            tooltip=f"{rank}. {h.name} · {nb.distance_text(h, lang())}",
        ).add_to(group)
    group.add_to(m)
    return maps.finish(m)


def _details(hit: nb.Hit) -> None:
    st.markdown(
        f"**{hit.name}** · {vocab.label(vocab.KINDS, hit.kind, lang())} · "
        f"{nb.distance_text(hit, lang())}"
    )
    if hit.location_precision == "dong":
        st.caption(t("dong_precision_note"))
    if hit.description:
        st.write(f"{t('description')}: {hit.description}")
    if hit.location_generalised:
        st.caption(t("where_generalised"))
    if hit.address:
        st.write(f"{t('address')}: {hit.address}")
    if hit.contact:
        st.write(f"{t('contact')}: {hit.contact}")
    if hit.is_demo:
        st.caption(t("demo"))


def render() -> None:
    """Draw the page."""
    st.title(t("title"))
    try:
        place = _place_inputs()
        radius, flt, limit = _filters()
        hits = nb.nearby(viewer(), place, radius_m=radius, flt=flt, limit=limit)
    except InvalidInput as exc:
        st.warning(exc.user_msg)
        st.stop()
    except AtlasError as exc:
        show_error(exc)
    st.caption(t("centre", label=place.label) + " · " + t("click_hint"))
    out = st_folium(
        _map(place, radius, hits),
        height=460,
        use_container_width=True,
        returned_objects=["last_clicked"],
        key="nearby_map",
    )
    click = (out or {}).get("last_clicked")
    spot = (click["lng"], click["lat"]) if click else None
    if spot and spot != st.session_state.get("nearby_click") and nb.in_seoul(*spot):
        st.session_state["nearby_click"] = spot
        st.rerun()
    if not hits:
        st.info(t("none", r=radius))
        return
    st.caption(t("found", n=len(hits)))
    table = _table(hits)
    picked = st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="nearby_table",
    )
    csv_download(table, label=t("download_csv"), file_name="maeul_nearby.csv", key="nearby_csv")
    rows = picked.selection.rows if picked else []
    st.subheader(t("details"))
    if rows:
        _details(hits[rows[0]])
    else:
        st.caption(t("pick_row"))


render()
