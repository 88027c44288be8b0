"""Page "Nearby": resources around a place (dong, pasted coordinates or a map click).

A Streamlit page script (run by ``st.navigation`` in app.py): it defines and calls ``render``.
The map is the component of :mod:`layers.mapview` (as on the explorer): a click on an empty
spot searches there, a click on a result opens its card, an opened card rings its marker.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo import nearby as nb
from geo import vocab
from geo.errors import AtlasError, InvalidInput
from geo.queries import ResourceFilter
from geo.reference import attribution
from layers import mapdata, mapview
from views.common import csv_download, keep, map_outlines_file, show_error, viewer
from views.i18n import lang, say, translator

t = translator("nearby")

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


MAP_KEY = "nearby_map"
#: The ``seq`` of the last map click (on a spot, on a result) this page acted on.
_HANDLED = "nearby_map_handled"
#: A result clicked on the map, to be opened once the search is known.
_PICKED = "nearby_picked"
#: The chosen result: (search centre, public_id); it counts only at that centre.
_SELECTED = "nearby_selected"


def _take_map_clicks() -> None:
    """Act on what the map reported since the last run (it reruns the page only for a
    click): an empty spot in Seoul becomes the search centre, a result is picked."""
    report = mapview.last_report(MAP_KEY)
    handled = st.session_state.setdefault(_HANDLED, {})
    spot, click = report.get("spot"), report.get("click")
    if spot and spot.get("seq") != handled.get("spot"):
        handled["spot"] = spot.get("seq")
        if nb.in_seoul(spot["lon"], spot["lat"]):
            st.session_state["nearby_click"] = (spot["lon"], spot["lat"])
    if click and click.get("seq") != handled.get("click"):
        handled["click"] = click.get("seq")
        st.session_state[_PICKED] = click.get("id")


def _centre_key(place: nb.Place) -> str:
    return f"{place.lon:.6f},{place.lat:.6f}"


def _card_key(centre: str, public_id: str) -> str:
    return f"nearby_card_{centre}_{public_id}"


def _selected(place: nb.Place, hits: list[nb.Hit]) -> str | None:
    """The chosen result at this place: one picked on the map (its card opened), or the
    last card opened."""
    centre = _centre_key(place)
    picked = st.session_state.pop(_PICKED, None)
    if picked and any(h.public_id == picked for h in hits):
        st.session_state[_SELECTED] = (centre, picked)
        st.session_state[_card_key(centre, picked)] = True
    chosen = st.session_state.get(_SELECTED)
    return chosen[1] if chosen and chosen[0] == centre else None


def _card_toggled(centre: str, public_id: str) -> None:
    """A card opened is the chosen result; closing the chosen one leaves none."""
    if st.session_state.get(_card_key(centre, public_id)):
        st.session_state[_SELECTED] = (centre, public_id)
    elif st.session_state.get(_SELECTED) == (centre, public_id):
        st.session_state.pop(_SELECTED, None)


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
    the details shown are always those of a result the user opened at this place. Opening
    a card reruns the page, which rings the result on the map.
    """
    centre = _centre_key(place)
    for rank, hit in enumerate(hits, start=1):
        title = f"**{rank}. {hit.name}** · {nb.distance_text(hit, lang())} · " + t(
            "walk_card", m=_walk(hit)
        )
        with st.expander(
            title,
            key=_card_key(centre, hit.public_id),
            on_change=_card_toggled,
            args=(centre, hit.public_id),
        ):
            _details(hit)


def _show_map(place: nb.Place, radius: int, hits: list[nb.Hit], selected: str | None) -> None:
    """The search circle and the results on our own map (:func:`layers.mapview.nearby_map`):
    on a rerun the browser gets only what changed."""
    data = mapdata.hit_points(hits, lang=lang())
    counts: dict[str, int] = {}
    for h in hits:
        counts[h.kind] = counts.get(h.kind, 0) + 1
    mapview.nearby_map(
        key=MAP_KEY,
        outlines=map_outlines_file(),
        data=data,
        data_id=mapdata.payload_id(data),
        search={
            "lon": place.lon,
            "lat": place.lat,
            "radius": radius,
            "label": place.label,
            "circle_label": t("search_circle"),
        },
        selected=selected,
        legend=mapdata.legend(lang(), counts, only_counted=True),
        texts={
            "districts": t("layer_districts"),
            "dongs": t("layer_dongs"),
            "grid": t("map_grid_legend"),
            "dong_short": t("map_dong_short"),
            "legend": t("legend"),
        },
        attribution=attribution(lang()),
        lang=lang(),
    )


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
    _take_map_clicks()
    try:
        place = _place_inputs()
        radius, flt, limit = _filters()
        hits = nb.nearby(viewer(), place, radius_m=radius, flt=flt, limit=limit)
    except InvalidInput as exc:
        st.warning(say(exc))
        st.stop()
    except AtlasError as exc:
        show_error(exc)
    st.caption(t("centre", label=place.label) + " · " + t("click_hint"))
    # Map and results side by side on a wide screen; on a phone they stack.
    map_col, list_col = st.columns([3, 2])
    with map_col:
        _show_map(place, radius, hits, _selected(place, hits))
    with list_col:
        if not hits:
            st.info(t("none", r=radius))
            return
        st.caption(t("found", n=len(hits)))
        _cards(place, hits)
        csv_download(
            _table(hits), label=t("download_csv"), file_name="maeul_nearby.csv", key="nearby_csv"
        )


render()
