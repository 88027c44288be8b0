"""Page "About the data": every source with its records, edition, licence and import counts.

A Streamlit page script (run by ``st.navigation`` in app.py): it defines and calls ``render``.
Thin over :func:`geo.datasets.sources`.
"""

from __future__ import annotations

import streamlit as st

from geo import datasets
from geo.errors import AtlasError
from views.common import csv_download, show_error
from views.i18n import lang, translator

t = translator(
    {
        "title": ("데이터 출처", "About the data"),
        "intro": (
            "공간·인문자원은 아래의 공개 데이터를 게시된 그대로 가져온 것입니다. 같은 장소가 "
            "여러 자료에 있으면 (같은 이름, 50 m 이내) 지도에는 한 번, 모든 출처와 함께 "
            "표시합니다. 인적자원·지원사업 대상지·갈등 사례는 공개 데이터가 없어 예시 "
            "데이터입니다.",
            "Space and heritage resources are the published open data below, imported as "
            "published. A place listed in several files (same name, within 50 m) is shown "
            "once on maps, with all its sources. People, program sites and conflict cases "
            "have no public data: they are demo data.",
        ),
        "licence": ("이용 조건", "Licence"),
        "col_title": ("자료", "Dataset"),
        "col_publisher": ("게시 기관", "Publisher"),
        "col_edition": ("기준일·판", "Date / edition"),
        "col_records": ("현재 기록", "Records now"),
        "col_read": ("읽은 행", "Rows read"),
        "col_in_seoul": ("서울 안", "In Seoul"),
        "col_outside": ("서울 밖", "Outside Seoul"),
        "col_dong": ("동 단위 위치", "Located at dong"),
        "col_linked": ("다른 출처와 연결", "Linked to other sources"),
        "col_file": ("파일", "File"),
        "col_found": ("찾은 곳", "Found at"),
        "col_note": ("참고", "Note"),
        "col_imported": ("가져온 때", "Imported"),
        "other_sources": ("그 밖의 출처", "Other sources"),
        "none": ("아직 가져온 공개 데이터가 없습니다.", "No open data imported yet."),
        "download": ("출처 목록 CSV", "Sources as CSV"),
        "counts": (
            "현재 {n:,}건 (서울 밖 {outside:,}행, 동 단위 위치 {dong:,}건)",
            "{n:,} records now ({outside:,} rows outside Seoul, {dong:,} located at dong)",
        ),
        "linked_n": (", 다른 출처와 연결 {n:,}건", ", {n:,} linked to other sources"),
    }
)

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
    df["title"] = df["title_ko" if lang() == "ko" else "title_en"]
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
