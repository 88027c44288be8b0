"""Helpers shared by pages: the current viewer, cached reference data, errors, downloads."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo import queries
from geo.access import PUBLIC, Viewer
from geo.errors import AtlasError


def viewer() -> Viewer:
    """The signed-in user; the public until accounts exist."""
    return st.session_state.get("viewer", PUBLIC)


@st.cache_data(ttl=3600, show_spinner=False)
def districts() -> gpd.GeoDataFrame:
    """Districts, cached: they change only when reference data is reloaded."""
    return queries.districts()


@st.cache_data(ttl=3600, show_spinner=False)
def dongs(district_code: str | None = None) -> gpd.GeoDataFrame:
    """Dongs (of a district), cached."""
    return queries.dongs(district_code)


def show_error(exc: AtlasError) -> None:
    """Show a user-safe message for ``exc`` and stop the page (never a traceback)."""
    st.error(exc.user_msg)
    st.stop()


def page_progress(label: str):
    """A :data:`geo.progress.Progress` callable drawing a progress bar on the page."""
    bar = st.progress(0.0, text=label)

    def update(fraction: float, message: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=f"{label}: {message}")

    return update


def csv_download(df: pd.DataFrame, *, label: str, file_name: str, key: str) -> None:
    """A download button with exactly ``df`` as UTF-8 CSV with BOM (opens in Korean Excel)."""
    data = df.to_csv(index=False).encode("utf-8-sig")
    st.download_button(label, data, file_name=file_name, mime="text/csv", key=key)
