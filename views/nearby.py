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
from layers.legend import add_kind_legend
from views.common import csv_download, keep, outlines, show_error, viewer
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
        "more_filters": ("분류·결과 수", "Categories, number of results"),
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
        "walk_card": ("도보 {m}분", "{m} min walk"),
        "legend": ("유형", "Kinds"),
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
        key=keep("nearby_dong"),
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


#: Radius presets offered beside the slider (metres).
PRESETS_M = (250, 500, 1000)
_RADIUS = "nearby_radius"

#: Phone-sized touch targets (at least 44 px) on this page: buttons, kind pills, result
#: cards, select boxes, the chips' remove buttons and the slider's thumb.
_TOUCH_CSS = """<style>
[data-testid=stMain] button, [data-testid=stMain] summary { min-height: 44px; min-width: 44px; }
[data-testid=stMain] [data-baseweb=select] > div,
[data-testid=stMain] [data-baseweb=input] { min-height: 44px; }
[data-testid=stMain] [data-baseweb=tag] { height: auto; min-height: 44px; }
[data-testid=stMain] [data-baseweb=tag] [role=button] { min-width: 44px; min-height: 44px;
  display: inline-flex; align-items: center; justify-content: center; }
[data-testid=stMain] [data-testid=stSlider] div[style*="translate(-50%, -50%)"] {
  width: 44px !important; height: 44px !important; border-radius: 50%;
  background: radial-gradient(circle, rgb(255, 75, 75) 0 10px, rgba(255, 75, 75, 0.18) 11px);
}
</style>"""


def _use_preset(radius: int) -> None:
    st.session_state[_RADIUS] = radius


def _filters() -> tuple[int, ResourceFilter, int]:
    st.session_state.setdefault(_RADIUS, 1000)
    radius = st.slider(t("radius"), *nb.RADIUS_RANGE_M, step=50, key=keep(_RADIUS))
    presets = st.container(horizontal=True)
    for preset in PRESETS_M:
        presets.button(
            f"{preset:,} m",
            key=f"nearby_preset_{preset}",
            on_click=_use_preset,
            args=(preset,),
            type="primary" if preset == radius else "secondary",
        )
    # The kinds stay in view (big pills); categories and the count fold away, so on a
    # phone the results come soon after.
    st.session_state.setdefault("nearby_kinds", list(vocab.KINDS))
    kinds = st.pills(
        t("kinds"),
        list(vocab.KINDS),
        selection_mode="multi",
        format_func=lambda k: vocab.label(vocab.KINDS, k, lang()),
        key=keep("nearby_kinds"),
    ) or list(vocab.KINDS)
    box = st.expander(t("more_filters"))
    cats = vocab.all_categories()
    categories = box.multiselect(
        t("categories"),
        vocab.categories_for(kinds),
        format_func=lambda c: vocab.label(cats, c, lang()),
        placeholder=t("all_categories"),
        key=keep("nearby_categories"),
    )
    limit = box.number_input(
        t("limit"), min_value=5, max_value=100, value=20, step=5, key=keep("nearby_limit")
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
            t("col_walk"): [_walk(h) for h in hits],
        }
    )


def _walk(hit: nb.Hit) -> str:
    return f"~{hit.walk_min}" if nb.approximate(hit) else str(hit.walk_min)


def _cards(place: nb.Place, hits: list[nb.Hit]) -> None:
    """One card per result, nearest first: name, distance and walking time in its title
    (readable on a phone without scrolling sideways); tap it for the details.

    A card's key holds the search centre: a new place starts with every card closed, so
    the details shown are always those of a result the user opened at this place.
    """
    centre = f"{place.lon:.6f},{place.lat:.6f}"
    for rank, hit in enumerate(hits, start=1):
        title = f"**{rank}. {hit.name}** · {nb.distance_text(hit, lang())} · " + t(
            "walk_card", m=_walk(hit)
        )
        with st.expander(title, key=f"nearby_card_{centre}_{hit.public_id}"):
            _details(hit)


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
    add_kind_legend(m, sorted({h.kind for h in hits}, key=list(vocab.KINDS).index), lang=lang())
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
    if hit.sources:
        st.caption(f"{t('sources')}: {hit.sources}")
    if hit.is_demo:
        st.caption(t("demo"))


def render() -> None:
    """Draw the page."""
    st.title(t("title"))
    st.markdown(_TOUCH_CSS, unsafe_allow_html=True)
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
    # Map and results side by side on a wide screen; on a phone they stack.
    map_col, list_col = st.columns([3, 2])
    with map_col:
        out = _show_map(place, radius, hits)
    click = (out or {}).get("last_clicked")
    spot = (click["lng"], click["lat"]) if click else None
    if spot and spot != st.session_state.get("nearby_click") and nb.in_seoul(*spot):
        st.session_state["nearby_click"] = spot
        st.rerun()
    with list_col:
        if not hits:
            st.info(t("none", r=radius))
            return
        st.caption(t("found", n=len(hits)))
        _cards(place, hits)
        csv_download(
            _table(hits), label=t("download_csv"), file_name="maeul_nearby.csv", key="nearby_csv"
        )


def _show_map(place: nb.Place, radius: int, hits: list[nb.Hit]) -> dict | None:
    return st_folium(
        _map(place, radius, hits),
        height=460,
        use_container_width=True,
        returned_objects=["last_clicked"],
        key="nearby_map",
    )


render()
