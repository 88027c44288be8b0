"""Page "About the data": every source with its records, edition, licence and import counts.

A Streamlit page script (run by ``st.navigation`` in app.py): it defines and calls ``render``.
Thin over :func:`geo.datasets.sources`.
"""

from __future__ import annotations

import streamlit as st

from geo import datasets
from geo.errors import AtlasError
from views.common import csv_download, show_error
from views.i18n import pick, translator

t = translator("about")

_OPEN_COLUMNS = {
    "title": "col_title",
    "publisher": "col_publisher",
    "edition": "col_edition",
    "records": "col_records",
    "read": "col_read",
    "in_seoul": "col_in_seoul",
    "outside": "col_outside",
    "dong_precision": "col_dong",
    "linked": "col_linked",
    "file_name": "col_file",
    "found_at": "col_found",
    "note": "col_note",
    "imported_at": "col_imported",
}


def _line(row) -> str:
    """One source as a list item: title, publisher, edition, records, outside, dong, links."""
    parts = [p for p in (row.publisher, row.edition) if p]
    counts = t("counts", n=row.records, outside=row.outside, dong=row.dong_precision)
    counts += t("linked_n", n=row.linked) if row.linked else ""
    note = f" — {row.note}" if isinstance(row.note, str) and row.note.strip() else ""
    return f"- **{row.title}** · {' · '.join(parts)} · {counts}{note}"


def render() -> None:
    """Draw the page."""
    st.title(t("title"))
    st.write(t("intro"))
    st.caption(f"{t('licence')}: {datasets.LICENCE_NOTE}")
    try:
        df = datasets.sources()
    except AtlasError as exc:
        show_error(exc)
    df["title"] = df[pick(("title_ko", "title_en"))]
    open_data = df[df["is_open_data"]]
    if open_data.empty:
        st.info(t("none"))
    else:
        st.markdown("\n".join(_line(row) for row in open_data.itertuples()))
        table = open_data[list(_OPEN_COLUMNS)].rename(
            columns={k: t(v) for k, v in _OPEN_COLUMNS.items()}
        )
        st.dataframe(table, hide_index=True, width="stretch")
        csv_download(table, label=t("download"), file_name="maeul_sources.csv", key="about_csv")
    other = df[~df["is_open_data"]]
    if len(other):
        st.subheader(t("other_sources"))
        st.dataframe(
            other[["title", "records"]].rename(
                columns={"title": t("col_title"), "records": t("col_records")}
            ),
            hide_index=True,
            width="stretch",
        )


render()
