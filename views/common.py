"""Helpers shared by pages: the current viewer, cached reference data, errors, downloads."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo import queries
from geo.access import PUBLIC, Viewer
from geo.auth import SessionEnded, refresh_viewer
from geo.csvsafe import frame_csv
from geo.errors import AtlasError
from geo.logs import log_shown_error, logger
from geo.messages import Msg
from geo.settings import load_settings
from views.i18n import name_column, say

SESSION_KEY = "signed_in"
#: Set when a sign-in expired (a single sign-on session is then ended at the provider too).
EXPIRED_KEY = "sign_in_expired"
#: When the signed-in account was last re-read from the database.
CHECKED_KEY = "sign_in_checked"

_logger = logger(__name__)


def viewer() -> Viewer:
    """The signed-in staff member, or the public; a sign-in expires after a while."""
    signed = st.session_state.get(SESSION_KEY)
    if signed is None:
        return PUBLIC
    who, since = signed
    limit = dt.timedelta(minutes=load_settings().session_minutes)
    now = dt.datetime.now(dt.UTC)
    if now - since > limit:
        st.session_state.pop(SESSION_KEY, None)
        st.session_state[EXPIRED_KEY] = True
        return PUBLIC
    # Re-read the account now and then: deactivated or demoted staff lose their rights
    # within MAEUL_SESSION_RECHECK_S (writes check every time, in geo.auth.check_account).
    checked = st.session_state.get(CHECKED_KEY)
    if checked is None or (now - checked).total_seconds() >= load_settings().session_recheck_s:
        try:
            who = refresh_viewer(who)
        except SessionEnded:
            st.session_state.pop(SESSION_KEY, None)
            st.session_state[EXPIRED_KEY] = True
            return PUBLIC
        st.session_state[SESSION_KEY] = (who, since)
        st.session_state[CHECKED_KEY] = now
    return who


@st.cache_data(ttl=60, show_spinner=False)
def demo_counts(_database_url: str) -> dict[str, int]:
    """Demo records per table for the banner; counted at most once a minute per database.

    The banner is shown on every rerun of every page: without the cache each click would
    count three tables.
    """
    return queries.demo_counts()


#: Outlines drawn on maps are thinned to about this many metres (invisible on screen).
DISPLAY_SIMPLIFY_M = 5


@st.cache_data(ttl=3600, show_spinner=False)
def districts() -> gpd.GeoDataFrame:
    """District outlines for maps, cached: they change only when reference data reloads."""
    return queries.districts(simplify_m=DISPLAY_SIMPLIFY_M)


@st.cache_data(ttl=3600, show_spinner=False, max_entries=32)
def dongs(district_code: str | None = None) -> gpd.GeoDataFrame:
    """Dong outlines (of a district) for maps, cached."""
    return queries.dongs(district_code, simplify_m=DISPLAY_SIMPLIFY_M)


@st.cache_data(ttl=3600, show_spinner=False, max_entries=64)
def outlines(level: str, district_code: str | None = None) -> str:
    """District or dong outlines as GeoJSON text for maps (``layers.maps.base_map``),
    cached: text is cheap to hand out and folium reads it without a GeoDataFrame."""
    return queries.outlines_geojson(level, district_code, simplify_m=DISPLAY_SIMPLIFY_M)


@st.cache_data(ttl=3600, show_spinner=False)
def map_outlines_file() -> str:
    """The name of the file holding all district and dong outlines with label points (one
    JSON text, published beside our own map's page by :func:`layers.mapview.publish_outlines`,
    named after its content): what the map fetches once per browser. Read, hashed and
    written once an hour per process, not on every rerun of a map page."""
    from layers import mapview

    return mapview.publish_outlines(queries.display_outlines_json(simplify_m=DISPLAY_SIMPLIFY_M))


def district_names() -> dict[str, str]:
    """District code -> name in the interface language, in the districts' order."""
    d = districts()
    return dict(zip(d["code"], d[name_column()], strict=True))


def district_label(code: str | None) -> str:
    """The district's name in the interface language (its code if unknown)."""
    return district_names().get(code, str(code or ""))


def show_error(exc: AtlasError) -> None:
    """Show a user-safe message for ``exc`` and stop the page (never a traceback); the
    operator's log gets its detail and traceback."""
    log_shown_error(_logger, exc, "page")
    st.error(say(exc))
    st.stop()


def page_progress(label: str):
    """A :data:`geo.progress.Progress` callable drawing a progress bar on the page, its
    messages in the interface language."""
    bar = st.progress(0.0, text=label)

    def update(fraction: float, message: Msg | str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=f"{label}: {say(message)}")

    return update


def csv_download(df: pd.DataFrame, *, label: str, file_name: str, key: str) -> None:
    """A download button with ``df`` as UTF-8 CSV with BOM (opens in Korean Excel), cells a
    spreadsheet would run as formulas neutralised."""
    data = frame_csv(df)
    st.download_button(label, data, file_name=file_name, mime="text/csv", key=key)


#: Session keys remembering the language each kept widget was last drawn in.
_KEPT_LANG = "_kept_lang."


def keep(key: str) -> str:
    """A widget key whose value survives a switch of the interface language; returns ``key``.

    Use as ``st.multiselect(t("kinds"), codes, format_func=..., key=keep("explorer_kinds"))``
    with options given as codes. A keyed widget keeps its identity when its label changes,
    but select boxes and multiselects hold their value in the browser as the *formatted*
    option: after a switch the old language's text matches no option and the value falls
    back to the default. Read here, before the widget is drawn, the value is still decoded
    with the previous run's options, so it is the codes; written back, it wins over the
    browser's text. Only done on the run the language changed.
    """
    from views.i18n import lang

    current = lang()
    previous = st.session_state.get(_KEPT_LANG + key)
    if previous is not None and previous != current and key in st.session_state:
        st.session_state[key] = st.session_state[key]
    st.session_state[_KEPT_LANG + key] = current
    return key


def tidy_numbers(df: pd.DataFrame, decimals: int = 2) -> pd.DataFrame:
    """``df`` as people read it: counts as integers ("64", not "64.0"), other numbers
    rounded to ``decimals`` (not 25.806451612903224); text columns untouched.

    A float column whose values are all whole numbers is a count (a merge or a missing
    value turned it into floats); it becomes a nullable integer column.
    """
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object:
            present = s.dropna()
            if len(present) and all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in present
            ):
                s = pd.to_numeric(s, errors="coerce")
            else:
                continue
        if pd.api.types.is_float_dtype(s):
            present = s.dropna()
            if len(present) and (present == present.round()).all():
                out[col] = s.round().astype("Int64")
            else:
                out[col] = s.round(decimals)
        elif pd.api.types.is_integer_dtype(s):
            out[col] = s
    return out


def keep_tab(key: str, labels: list[str]) -> str:
    """A key for ``st.tabs(labels, key=..., on_change="rerun")`` whose open tab survives a
    language switch; returns ``key``.

    Stateful tabs hold the open tab's *label*, which the switch changes: the tab is kept
    by its position instead.
    """
    position = "_tab_position." + key
    current = st.session_state.get(key)
    if current in labels:
        st.session_state[position] = labels.index(current)
    elif position in st.session_state and current is not None:
        st.session_state[key] = labels[st.session_state[position]]
    return key
