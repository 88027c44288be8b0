"""Page "Programs": the 35 support programs with budgets, sites and grants so far.

A Streamlit page script (run by ``st.navigation`` in app.py): it defines and calls ``render``.
"""

from __future__ import annotations

import streamlit as st

from geo import queries
from geo.errors import AtlasError
from loaders.programs import PUBLISHED_TOTAL_MKRW
from views.common import csv_download, show_error
from views.i18n import t

_COLUMNS = {
    "no": "col_no",
    "name": "col_name",
    "office": "col_office",
    "division": "col_division",
    "summary": "col_summary",
    "budget_mkrw": "col_budget",
    "sites": "col_sites",
    "granted_mkrw": "col_granted",
}


def render() -> None:
    """Draw the page."""
    st.title(t("programs_title"))
    st.caption(t("programs_caption"))
    try:
        df = queries.programs()
    except AtlasError as exc:
        show_error(exc)
    cols = st.columns(3)
    cols[0].metric(t("budget"), f"{int(df['budget_mkrw'].sum()):,}")
    cols[1].metric(t("offices"), df["office"].nunique())
    cols[2].metric(t("divisions"), df[["office", "division"]].drop_duplicates().shape[0])
    st.info(t("programs_total", items=int(df["budget_mkrw"].sum()), published=PUBLISHED_TOTAL_MKRW))
    shown = df.rename(columns={k: t(v) for k, v in _COLUMNS.items()})
    st.dataframe(shown, hide_index=True, width="stretch")
    csv_download(shown, label=t("download_csv"), file_name="maeul_programs.csv", key="programs_csv")


render()
