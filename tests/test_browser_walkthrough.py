"""The three users' tasks of issue 15, walked again as new users, in Chromium with no network.

- a planner at 1440x900: coverage, gaps, conflict hotspots;
- an activist on a 390x844 phone (touch, a phone's browser): resources near a place;
- 마포구's district officer: import a file (``test_browser_firsthour``), edit, export
  layer files for their GIS.

Each step that needed a workaround in the walk of 2026-12-02 (docs/walkthrough.md) is
checked here on the way through the task.
"""

from __future__ import annotations

import re
import zipfile

from tests.browser import (
    FOLIUM_FRAME,
    REPO_ROOT,
    MapPageResult,
    offline_page,
    pick_option,
    sign_in,
    wait_idle,
)


def _body(page) -> str:
    return page.locator("[data-testid=stMain]").inner_text()


def _metrics(page) -> dict[str, str]:
    """The page's metrics, label -> value, as drawn."""
    out = {}
    for metric in page.locator("[data-testid=stMetric]").all():
        label, value = [line for line in metric.inner_text().split("\n") if line.strip()][:2]
        out[label.strip()] = value.strip()
    return out


def _go(page, link: str) -> None:
    page.locator("[data-testid=stSidebar]").get_by_role("link", name=link, exact=True).click()


def test_a_planner_reads_coverage_gaps_and_hotspots(app_url):
    """Hotspots: the sparse warning proposed resolution 7, which was again too sparse
    (then 6); it now names the finest grid the cases support and offers it as a button."""
    result = MapPageResult(url=app_url, screenshot=REPO_ROOT / "tests/artifacts/walk.png")
    seen: dict[str, object] = {}
    with offline_page(result, (1440, 900)) as page:
        page.goto(f"{app_url}/", wait_until="domcontentloaded")
        page.locator("h1").first.wait_for(timeout=120_000)
        _go(page, "사업 현황")
        page.get_by_role("heading", name="사업 현황").wait_for(timeout=120_000)
        wait_idle(page)
        page.get_by_role("tab", name="공백 분석").click()
        page.get_by_text("법정동 공백 유형").wait_for(timeout=120_000)
        wait_idle(page)
        seen["gaps"] = _body(page)
        _go(page, "갈등 집중지")
        page.get_by_role("heading", name="갈등 집중지").wait_for(timeout=120_000)
        wait_idle(page)
        seen["before"] = _body(page)
        seen["cells_before"] = _metrics(page)["셀 수"]
        button = page.get_by_role("button", name=re.compile(r"H3 해상도 \d\(으\)로 분석"))
        seen["button"] = button.inner_text()
        button.click()
        wait_idle(page)
        seen["after"] = _body(page)
        seen["cells_after"] = _metrics(page)["셀 수"]
        page.screenshot(path=REPO_ROOT / "tests/artifacts/walk_planner_hotspots.png")
    assert result.blocked == []
    assert "법정동 공백 유형" in seen["gaps"] and "지원 대비 자원 부족" in seen["gaps"]
    proposed = re.search(r"H3 해상도 (\d)", seen["button"])[1]
    assert f"자료에 맞는 가장 작은 셀은 H3 해상도 {proposed}" in seen["before"]
    # One click: the proposed grid is analysed, and it is not called too sparse.
    assert "너무 성깁니다" in seen["before"] and "너무 성깁니다" not in seen["after"]
    assert f"{proposed} (~" in seen["after"]  # the settings show the grid analysed
    cells = [int(str(seen[k]).replace(",", "")) for k in ("cells_before", "cells_after")]
    assert cells[1] < cells[0]


def test_an_activist_finds_resources_near_a_place_on_a_phone(app_url):
    """On a phone's browser the sidebar folds away after a page is chosen; a person shown
    at the dong point read "0 m · 도보 1분" from a search at that dong."""
    result = MapPageResult(url=app_url, screenshot=REPO_ROOT / "tests/artifacts/walk.png")
    seen: dict[str, object] = {}
    with offline_page(result, (390, 844), phone=True) as page:
        page.goto(f"{app_url}/", wait_until="domcontentloaded")
        page.locator("h1").first.wait_for(timeout=120_000)
        wait_idle(page)
        page.locator("[data-testid=stExpandSidebarButton]").tap()
        page.locator("[data-testid=stSidebar]").get_by_role("link", name="근처 찾기").tap()
        page.get_by_role("heading", name="근처 자원 찾기").wait_for(timeout=120_000)
        wait_idle(page)
        seen["sidebar_left_open"] = page.locator(
            "[data-testid=stSidebarCollapseButton]"
        ).is_visible()
        pick_option(page, page.get_by_label("동 이름"), re.compile("서교동"), typed="서교동")
        wait_idle(page)
        page.get_by_text(re.compile("검색 중심: 서교동")).wait_for(timeout=60_000)
        page.get_by_role("button", name="500 m", exact=True).tap()
        wait_idle(page)
        cards = page.locator("[data-testid=stExpander] summary").filter(
            has_text=re.compile(r"\d+\. ")
        )
        seen["cards"] = cards.all_inner_texts()
        first = cards.first
        first.scroll_into_view_if_needed()
        seen["box"] = first.bounding_box()
        page.screenshot(path=REPO_ROOT / "tests/artifacts/walk_activist_nearby.png")
    assert result.blocked == []
    assert seen["sidebar_left_open"] is False
    titles = [" ".join(c.split()) for c in seen["cards"]]
    assert titles and all(" · 0 m · " not in c for c in titles), titles
    assert any("(동 단위 위치)" in c for c in titles)
    box = seen["box"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390


#: Every marker of the import preview, in pixels from the map's edges (left, top, right,
#: bottom), from the streamlit-folium frame's Leaflet map.
_MARKER_MARGINS_JS = """() => {
  const m = window.map, size = m.getSize(), out = [];
  m.eachLayer((l) => {
    if (l instanceof L.CircleMarker) {
      const p = m.latLngToContainerPoint(l.getLatLng());
      out.push([p.x, p.y, size.x - p.x, size.y - p.y]);
    }
  });
  return out;
}"""

#: A published file as a district officer would upload it (all of Seoul's markets).
MARKETS_XLSX = "/work/shared/opendata/10_서울시 전통시장 현황(2025.7.31.기준).xlsx"


def _preview_margins(page) -> list[list[float]]:
    """Pixel margins of the preview's markers once the preview map has drawn them."""
    for _ in range(240):
        for frame in page.frames:
            if FOLIUM_FRAME not in frame.url:
                continue
            try:
                margins = frame.evaluate(_MARKER_MARGINS_JS)
            except Exception:  # not drawn yet, or detached by a rerun
                continue
            if margins:
                return margins
        page.wait_for_timeout(250)
    raise AssertionError("the preview map drew no row")


def test_an_officer_imports_edits_and_exports_their_district(app_url, mapo_officer, tmp_path):
    """Import: the preview of a published file's 마포구 rows cut a row off at its corner;
    it now shows every row whole. Edit: one market from three published files listed as
    three identical lines; now each names its source. Export: a district bundle is named
    after its CRS too."""
    import shutil

    upload = tmp_path / "서울시 전통시장 현황.xlsx"
    shutil.copyfile(MARKETS_XLSX, upload)
    result = MapPageResult(url=app_url, screenshot=REPO_ROOT / "tests/artifacts/walk.png")
    seen: dict[str, object] = {}
    with offline_page(result, (1440, 900)) as page:
        page.goto(f"{app_url}/", wait_until="domcontentloaded")
        page.locator("h1").first.wait_for(timeout=120_000)
        sign_in(page, mapo_officer)
        _go(page, "가져오기")
        page.locator("input[type=file]").set_input_files(str(upload))
        page.get_by_role("button", name="검사 (저장 안 함)").click()
        page.get_by_text("가져올 행 미리보기").wait_for(timeout=180_000)
        wait_idle(page)
        seen["added"] = _metrics(page)["추가"]
        seen["margins"] = _preview_margins(page)
        _go(page, "편집")
        page.get_by_role("heading", name="기록 편집").wait_for(timeout=120_000)
        wait_idle(page)
        page.get_by_label("이름으로 찾기").fill("망원시장")
        page.keyboard.press("Enter")
        wait_idle(page)
        page.get_by_role("combobox", name="기록").click()
        options = page.get_by_role("option").filter(has_text="망원시장 · 마포구")
        options.first.wait_for(timeout=30_000)
        seen["options"] = options.all_inner_texts()
        page.keyboard.press("Escape")
        _go(page, "내보내기")
        page.get_by_role("heading", name="내보내기").wait_for(timeout=120_000)
        wait_idle(page)
        page.get_by_role("button", name="묶음 만들기").click()
        button = page.get_by_role("button", name=re.compile(r"내려받기: .*\.zip"))
        button.wait_for(timeout=180_000)
        seen["bundle"] = button.inner_text()
        with page.expect_download(timeout=60_000) as caught:
            button.click()
        caught.value.save_as(tmp_path / "bundle.zip")
    assert result.blocked == []
    # Every row that would go in is drawn whole inside the preview (markers are 6 px).
    assert len(seen["margins"]) == int(str(seen["added"]).replace(",", "")) > 0
    assert min(min(m) for m in seen["margins"]) >= 6, seen["margins"]
    exact = [o for o in seen["options"] if re.match(r"#\d+ 망원시장 · 마포구", o)]
    assert len(exact) > 1 and len(set(o.split(" ", 1)[1] for o in exact)) == len(exact)
    assert seen["bundle"].endswith("maeul_11440_mapo-gu_epsg5186.zip")
    names = zipfile.ZipFile(tmp_path / "bundle.zip").namelist()
    assert "maeul_11440_mapo-gu.gpkg" in names and "README.txt" in names
