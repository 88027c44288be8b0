"""Interface text in Korean (default) and English, chosen by the sidebar toggle."""

from __future__ import annotations

import re
from collections.abc import Callable

import streamlit as st

LANGS = {"ko": "한국어", "en": "English"}

STRINGS: dict[str, tuple[str, str]] = {
    "app_title": ("마을 아틀라스", "Maeul Atlas"),
    "app_subtitle": ("서울 마을공동체 자원 지도", "Seoul village-community resource atlas"),
    "language": ("언어 / Language", "언어 / Language"),
    "page_explorer": ("자원 지도", "Map explorer"),
    "page_programs": ("지원사업", "Programs"),
    "page_nearby": ("근처 찾기", "Nearby"),
    "page_coverage": ("사업 현황", "Coverage"),
    "page_conflicts": ("갈등 관리", "Conflicts"),
    "page_hotspots": ("갈등 집중지", "Hotspots"),
    "page_export": ("내보내기", "Export"),
    "page_import": ("가져오기", "Import"),
    "page_editor": ("편집", "Edit"),
    "page_admin": ("관리", "Administration"),
    "page_about": ("데이터 출처", "About the data"),
    "demo_banner": (
        "인적자원·사업지·갈등 사례는 예시 데이터입니다: 인적자원 {resources:,}건, 사업지 "
        "{program_sites:,}건, 갈등 {conflict_cases:,}건은 시연용으로 생성된 가상의 기록이며 실제 "
        "현황이 아닙니다. 공간·인문자원은 공개 데이터입니다 ('데이터 출처' 참고).",
        "People, program sites and conflict cases are demo data: {resources:,} people, "
        "{program_sites:,} program sites and {conflict_cases:,} conflicts are generated for "
        "demonstration and are not real. Space and heritage resources are published open "
        "data (see 'About the data').",
    ),
    "sources": ("출처", "Sources"),
    "attribution": ("출처", "Sources"),
    "district": ("자치구", "District"),
    "all_seoul": ("서울 전체", "All of Seoul"),
    "kinds": ("자원 유형", "Resource kinds"),
    "categories": ("세부 분류", "Categories"),
    "all_categories": ("모든 분류", "All categories"),
    "choose": ("선택하세요", "Choose"),
    "all": ("전체", "All"),
    "search_text": ("이름·설명 검색", "Search name or description"),
    "online_basemap": ("온라인 배경지도 (인터넷 필요)", "Online basemap (needs internet)"),
    "shown_of": (
        "지금 보이는 범위의 자원 {shown:,}건 표시",
        "{shown:,} resources in view, each shown",
    ),
    "grouped": (
        "지금 보이는 범위의 자원 {n:,}건이 많아 격자별로 묶어 표시합니다. 확대하면 개별 자원이 보입니다.",
        "{n:,} resources in view: grouped per grid cell. Zoom in to see each one.",
    ),
    "dong_precision_note": (
        "속이 빈 점선 원: 동 단위 위치 (주소만 있어 법정동 대표 지점에 표시, 정확한 위치 아님)",
        "Hollow dashed circles: dong-level location (address only, shown at the legal dong's "
        "label point, not exact)",
    ),
    "privacy_note": (
        "인적자원(사람)은 개인정보 보호를 위해 법정동 대표 위치에 표시되며 연락처는 공개되지 않습니다.",
        "People (human resources) are shown at their dong's representative point, "
        "without contact details, to protect personal data.",
    ),
    "summary_title": ("{name} 요약", "Summary of {name}"),
    "seoul_summary": ("서울 전체 요약", "Summary of Seoul"),
    "program_sites": ("지원사업 대상지", "Program sites"),
    "grant_total": ("지원금 합계 (백만원)", "Grants (million KRW)"),
    "open_conflicts": ("진행 중 갈등", "Open conflicts"),
    "count": ("건수", "Count"),
    "download_csv": ("CSV 내려받기", "Download CSV"),
    "kind": ("유형", "Kind"),
    "programs_title": ("마을공동체 35개 지원사업", "The 35 village-community support programs"),
    "programs_caption": (
        "출처: 서울혁신기획관 주요업무 (2012. 7.) 「마을공동체 35개 지원 사업 현황」",
        "Source: Seoul Innovation Bureau work plan (July 2012), table of the 35 programs",
    ),
    "programs_total": (
        "35개 사업 예산 합계 {items:,}백만원 (원문 합계 표기 {published:,}백만원: 항목별 반올림 차이)",
        "Sum of the 35 budgets: {items:,} million KRW (the source prints {published:,}: "
        "rounding of the line items)",
    ),
    "offices": ("추진 실·국·본부", "Offices"),
    "divisions": ("추진 부서", "Divisions"),
    "budget": ("예산 (백만원)", "Budget (million KRW)"),
    "col_no": ("연번", "No."),
    "col_name": ("사업명", "Program"),
    "col_office": ("실·국·본부", "Office"),
    "col_division": ("부서", "Division"),
    "col_summary": ("사업개요", "Summary"),
    "col_budget": ("사업비 (백만원)", "Budget (million KRW)"),
    "col_sites": ("대상지 수", "Sites"),
    "col_granted": ("지원금 (백만원)", "Granted (million KRW)"),
    "layer_districts": ("자치구 경계", "District boundaries"),
    "layer_dongs": ("법정동 경계", "Legal dong boundaries"),
    "layer_sites": ("지원사업 대상지", "Program sites"),
    "layer_conflicts": ("진행 중 갈등", "Open conflicts"),
    "generalised": ("대표 위치 (일반화)", "generalised location"),
    "map_grid_legend": ("자원 수 (격자별 묶음)", "Resources per grid cell"),
    "map_dong_short": ("동 단위 위치 (정확한 위치 아님)", "dong-level location (not exact)"),
    "map_selected": ("선택한 자원", "Selected resource"),
}


def lang() -> str:
    """The current interface language code."""
    return st.session_state.get("lang", "ko")


def t(key: str, **fmt) -> str:
    """Text for ``key`` in the current language, formatted with ``fmt``."""
    return _pick(STRINGS[key], fmt)


def translator(table: dict[str, tuple[str, str]]) -> Callable[..., str]:
    """A ``t`` for a page's own string table (falling back to the shared one).

    Pages with many strings keep them in their own module::

        t = translator({"title": ("근처 찾기", "Nearby")})
    """

    def page_t(key: str, **fmt) -> str:
        return _pick(table[key] if key in table else STRINGS[key], fmt)

    return page_t


def _pick(pair: tuple[str, str], fmt: dict) -> str:
    text = pair[0] if lang() == "ko" else pair[1]
    return text.format(**fmt) if fmt else text


_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_LATIN = re.compile(r"[A-Za-z]")


def in_lang(text: str, code: str | None = None) -> str:
    """The part of a ``"한국어 / English"`` message in the interface language.

    Messages from ``geo``, ``loaders`` and ``layers`` (progress, notes, warnings) carry
    both languages joined by ``" / "``; a page shows one. The split is the first ``" / "``
    after which no Korean follows, so a slash inside the Korean part is kept. Text with no
    such split is returned as it is.
    """
    code = code or lang()
    parts = text.split(" / ")
    splits = [(" / ".join(parts[:i]), " / ".join(parts[i:])) for i in range(1, len(parts))]
    splits = [(left, right) for left, right in splits if _HANGUL.search(left)]
    for left, right in splits:
        if not _HANGUL.search(right):
            return left if code == "ko" else right
    # An English half may quote a Korean word ("names like ○○경로당"): mostly Latin letters.
    for left, right in splits:
        if len(_HANGUL.findall(right)) * 4 <= len(_LATIN.findall(right)):
            return left if code == "ko" else right
    return text
