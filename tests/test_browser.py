"""The real app in real Chromium with no network: maps draw, nothing leaves localhost.

``streamlit run app.py`` serves the test database; Chromium (Debian's package, driven by
Playwright) aborts every request to a host other than loopback. Screenshots are kept in
``tests/artifacts/``.
"""

from __future__ import annotations

import pytest

from geo import queries
from geo.access import PUBLIC
from tests.browser import (
    REPO_ROOT,
    MapPageResult,
    inspect_map_page,
    our_map_frame,
    sign_in,
    streamlit_server,
)


def _asset_errors(page: MapPageResult) -> list[str]:
    """HTTP errors other than Streamlit probing ``<page>/_stcore/...`` before the root."""
    return [e for e in page.http_errors if "/_stcore/" not in e]


def _js_errors(page: MapPageResult) -> list[str]:
    """Script errors; failed loads are judged by URL in :func:`_asset_errors` instead."""
    return [e for e in page.console_errors if not e.startswith("Failed to load resource")]


@pytest.fixture(scope="module")
def explorer(db_url) -> MapPageResult:
    # A marker budget as large as what all of Seoul holds (the real data is more than the
    # default 5,000): every resource is drawn one by one.
    shown = sum(queries.count_resources(PUBLIC).values())
    env = {"DATABASE_URL": db_url, "MAEUL_MAX_MAP_MARKERS": str(shown)}
    with streamlit_server(REPO_ROOT / "app.py", env=env) as base:
        return inspect_map_page(
            f"{base}/", "explorer", min_features=25 + 467 + shown, timeout=120.0
        )


def test_explorer_map_draws_outlines_and_resources_offline(explorer):
    assert explorer.blocked == []
    assert _asset_errors(explorer) == [] and _js_errors(explorer) == []
    assert explorer.maps == 1
    shown = sum(queries.count_resources(PUBLIC).values())
    # 25 district + 467 dong outlines + one marker per resource.
    assert explorer.features >= 25 + 467 + shown


def test_explorer_works_on_a_phone_screen(app_url):
    phone = inspect_map_page(
        f"{app_url}/", "explorer_phone", viewport=(390, 844), min_features=25 + 467 + 1
    )
    assert phone.blocked == []
    assert phone.maps == 1 and phone.features > 0


def test_programs_page_loads_offline(app_url):
    page = inspect_map_page(
        f"{app_url}/programs", "programs", maps=0, wait_text="마을공동체 35개 지원사업"
    )
    assert page.blocked == []
    assert _asset_errors(page) == []


def test_many_points_are_grouped_not_sent_one_by_one(db_url):
    """With a marker budget below what is in view, the map shows grid cells instead."""
    env = {"DATABASE_URL": db_url, "MAEUL_MAX_MAP_MARKERS": "1000"}
    with streamlit_server(REPO_ROOT / "app.py", env=env) as base:
        page = inspect_map_page(f"{base}/", "explorer_grouped", min_features=25 + 467 + 1)
    in_view = sum(queries.count_resources(PUBLIC).values())
    assert in_view > 1000
    assert page.blocked == []
    # Outlines (25 + 467) plus at most a few hundred cells: far fewer than the points.
    assert 25 + 467 < page.features < 25 + 467 + 1000


def test_zooming_in_from_grouped_cells_shows_each_resource(db_url):
    """Zoom from all of Seoul (grouped) into one neighbourhood: each resource is drawn."""
    import re

    shown: dict[str, int] = {}

    def zoom_into_mangwon(page) -> None:
        page.get_by_text("격자별로 묶어 표시합니다").wait_for(timeout=60_000)
        frame = our_map_frame(page)
        frame.evaluate("() => { window.map.setView([37.5556, 126.9019], 16); }")
        caption = page.get_by_text(re.compile(r"지금 보이는 범위의 자원 [\d,]+건 표시"))
        caption.wait_for(timeout=60_000)
        shown["n"] = int(re.search(r"([\d,]+)건", caption.inner_text())[1].replace(",", ""))
        frame.wait_for_function("() => window.maeulMap.data.mode === 'points'", timeout=60_000)
        shown["markers"] = frame.evaluate("() => window.maeulMap.resources.getLayers().length")
        shown["cells"] = frame.evaluate(
            "() => window.maeulMap.resources.getLayers().filter((l) => l.cell).length"
        )

    env = {"DATABASE_URL": db_url, "MAEUL_MAX_MAP_MARKERS": "1000"}
    with streamlit_server(REPO_ROOT / "app.py", env=env) as base:
        page = inspect_map_page(
            f"{base}/", "explorer_zoomed", steps=zoom_into_mangwon, min_features=25 + 467 + 1
        )
    assert page.blocked == []
    assert _js_errors(page) == []
    # The same map, redrawn for the new view: one marker per resource, no grid cell left.
    assert 0 < shown["n"] <= 1000
    assert shown["markers"] == shown["n"] and shown["cells"] == 0


def test_nearby_page_on_a_phone_lists_results_on_the_map(app_url):
    page = inspect_map_page(
        f"{app_url}/nearby", "nearby_phone", viewport=(390, 844), min_features=25 + 467 + 22
    )
    assert page.blocked == []
    assert _asset_errors(page) == [] and _js_errors(page) == []
    # Outlines, the search circle and centre, and the 20 nearest results.
    assert page.features >= 25 + 467 + 2 + 20


@pytest.mark.parametrize("path", ["coverage", "conflicts", "hotspots"])
def test_every_map_page_draws_offline(app_url, path):
    page = inspect_map_page(f"{app_url}/{path}", path)
    assert page.blocked == []
    assert _asset_errors(page) == [] and _js_errors(page) == []
    assert page.maps >= 1 and page.features >= 25  # at least the district outlines


def _choose(page, choices: list[tuple[str, str]], *, until: str) -> None:
    """Pick each (label, option) in its select box until ``until`` shows on the page.

    A choice reruns the page; a list opened during the rerun may close again, so the
    choices are made again (an already chosen one is simply chosen once more).
    """
    from playwright.sync_api import Error

    for _ in range(6):
        for label, option in choices:
            try:
                page.get_by_label(label).click(timeout=10_000)
                page.get_by_role("option", name=option).click(timeout=5_000)
            except Error:
                page.keyboard.press("Escape")
            page.wait_for_timeout(1500)
        try:
            page.get_by_text(until).wait_for(timeout=15_000)
            return
        except Error:
            continue
    raise AssertionError(f"could not choose {choices}")


def test_an_officer_signs_in_and_places_a_new_record_by_clicking_the_map(app_url, mapo_officer):
    """Sign in through the sidebar, open 편집 / Edit, click the map: the point is taken."""
    clicked: dict[str, str] = {}

    def sign_in_and_click(page) -> None:
        sign_in(page, mapo_officer)
        page.get_by_role("link", name="편집").click()
        page.get_by_text("새 기록 추가").click()
        frame = page.frame_locator("iframe[src*='streamlit_folium']").first
        frame.locator(".leaflet-container").wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        frame.locator(".leaflet-container").click()  # the middle of Seoul
        lat = page.get_by_label("위도")
        for _ in range(240):  # the click reruns the page, which fills the form
            if lat.input_value():
                break
            page.wait_for_timeout(250)
        clicked["lat"] = lat.input_value()
        clicked["lon"] = page.get_by_label("경도").input_value()

    page = inspect_map_page(f"{app_url}/", "editor", steps=sign_in_and_click, min_features=25)
    assert page.blocked == []
    assert _js_errors(page) == []
    # The click put a point inside Seoul into the form.
    assert 37.4 < float(clicked["lat"]) < 37.7 and 126.7 < float(clicked["lon"]) < 127.2


def test_an_officer_imports_a_file_through_the_page(
    app_url, engine, mapo_officer, tmp_path, cleanup
):
    """Upload a CP949 CSV, check it (preview map, report), import it: rows elsewhere stay out."""
    import sqlalchemy as sa

    path = tmp_path / "마포_회의실.csv"
    rows = [
        ("망원 주민회의실", 37.5560, 126.9045),
        ("합정 북카페", 37.5495, 126.9140),
        ("역삼 강당", 37.5006, 127.0366),
    ]  # the last is in Gangnam-gu
    path.write_bytes(
        ("시설명,위도,경도\n" + "".join(f"{n},{y},{x}\n" for n, y, x in rows)).encode("cp949")
    )
    seen: dict[str, str] = {}

    def upload_check_and_import(page) -> None:
        sign_in(page, mapo_officer)
        page.get_by_role("link", name="가져오기").click()
        page.locator("input[type=file]").set_input_files(str(path))
        # The file has no kind or category column: one for the whole file.
        kind = [("자원 유형", "공간자원"), ("세부 분류", "회의실·다목적실")]
        _choose(page, kind, until="찾아낸 내용")
        page.get_by_role("button", name="검사 (저장 안 함)").click()
        page.get_by_text("가져올 행 미리보기").wait_for(timeout=60_000)
        page.get_by_role("button", name="가져오기 실행").click()
        page.get_by_text("가져오기 완료").wait_for(timeout=120_000)
        seen["report"] = page.locator("body").inner_text()

    source = cleanup.source("마포_회의실")
    # The preview map: district outlines plus the two rows that will go in.
    page = inspect_map_page(
        f"{app_url}/", "importer", steps=upload_check_and_import, min_features=25 + 2
    )
    with engine.connect() as conn:
        stored = conn.execute(
            sa.text("SELECT name, district_code FROM resources WHERE source = :s"), {"s": source}
        ).all()
    assert page.blocked == [] and _js_errors(page) == []
    # The report's counts: three read, two in, the Gangnam row rejected.
    counts = " ".join(seen["report"].split())
    assert "읽은 행 3 추가 2 갱신 0 변경 없음 0 제외 1" in counts
    # Korean names intact: the CP949 file was decoded without being asked.
    assert sorted(stored) == [("망원 주민회의실", "11440"), ("합정 북카페", "11440")]
