"""The coverage page's choropleth (our own map component, as on the explorer) in real
Chromium with no network: areas filled with the legend's colours, a tooltip naming the area
in the interface language, the view kept when only the measure changes, Seoul fitted when
the level changes, and never a rerun asked by the map; the gap map's dongs filled by gap
class under the walking-distance outline.

Same set-up as ``tests/test_browser.py``: ``streamlit run app.py`` on the test database,
Debian's Chromium through Playwright with every non-loopback request aborted. Screenshots
are kept in ``tests/artifacts/``.
"""

from __future__ import annotations

import re

from geo.coverage import GAP_CLASSES
from tests.browser import ARTIFACTS, OUR_FRAME, MapPageResult, offline_page, wait_idle

DESKTOP = (1440, 900)

#: The choropleth as drawn: level, areas, areas per fill colour, zoom (and whether a zoom
#: is still animating), view, reports sent, when the iframe was loaded, outline shapes.
_AREAS_JS = """() => { const S = window.maeulMap;
  if (!S || !S.areas) return null;
  const out = {level: S.areas.level, n: 0, colors: {}, zoom: S.map.getZoom(),
               reports: S.reports, loaded: window.maeulMapLoadedAt,
               zooming: !!S.map._animatingZoom};
  S.areas.layer.eachLayer((l) => { out.n += 1; const c = l.options.fillColor.toLowerCase();
    out.colors[c] = (out.colors[c] || 0) + 1; });
  out.outline = S.areaOutline ? S.areaOutline.getLayers().length : 0;
  const b = S.map.getBounds();
  out.view = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
  return out; }"""

#: Where a district's name is written, in pixels of the map (its label point).
_LABEL_POINT_JS = """(code) => { const S = window.maeulMap;
  const f = S.outlines.districts.features.find((x) => x.properties.code === code);
  const p = S.map.latLngToContainerPoint([f.properties.ly, f.properties.lx]);
  return {x: p.x, y: p.y}; }"""

MAPO = "11440"


def _frame(page):
    for frame in page.frames:
        if OUR_FRAME in frame.url:
            return frame
    return None


def _drawn(page, done=lambda s: True, timeout_ms: int = 120_000) -> dict:
    """The choropleth's state once ``done(state)`` holds."""
    for _ in range(timeout_ms // 250):
        frame = _frame(page)
        try:
            state = frame.evaluate(_AREAS_JS) if frame else None
        except Exception:  # loading, or replaced by a rerun
            state = None
        if state and done(state):
            return state
        page.wait_for_timeout(250)
    raise AssertionError("the choropleth was not drawn as expected")


def _legend(page) -> dict[str, int]:
    """Areas per colour, as the legend beside the map lists them."""
    out = {}
    for row in page.locator(".maeul-legend tr").all():
        rgb = row.locator("span").first.evaluate("(e) => getComputedStyle(e).backgroundColor")
        color = "#" + "".join(f"{int(v):02x}" for v in re.findall(r"\d+", rgb)[:3])
        out[color] = int(row.locator("td").last.inner_text().replace(",", ""))
    return out


def _open(page, url: str) -> dict:
    page.goto(f"{url}/coverage", wait_until="domcontentloaded")
    page.get_by_role("heading", name="사업 현황").wait_for(timeout=90_000)
    wait_idle(page)
    return _drawn(page, lambda s: s["n"] == 25)


def _hover(page, code: str) -> str:
    """Move the mouse onto a district's label point; the tooltip's text."""
    frame = _frame(page)
    point = frame.evaluate(_LABEL_POINT_JS, code)
    iframe = page.locator(f"iframe[src*='{OUR_FRAME}']")
    iframe.scroll_into_view_if_needed()
    box = iframe.bounding_box()
    page.mouse.move(box["x"] + point["x"] - 8, box["y"] + point["y"] - 8)
    page.mouse.move(box["x"] + point["x"], box["y"] + point["y"] + 4, steps=4)
    frame.wait_for_selector(".leaflet-tooltip", timeout=30_000)
    return frame.inner_text(".leaflet-tooltip")


def _switch_language(page, name: str) -> None:
    page.locator("[data-testid=stSidebar]").get_by_text(name, exact=True).click()
    wait_idle(page)


def test_districts_are_filled_with_the_legend_colours_and_named_in_both_languages(app_url):
    seen: dict = {}
    result = MapPageResult(url=app_url, screenshot=ARTIFACTS / "coverage_choropleth.png")
    with offline_page(result, DESKTOP) as page:
        seen["first"] = _open(page, app_url)
        seen["legend"] = _legend(page)
        seen["tip_ko"] = _hover(page, MAPO)
        _switch_language(page, "English")
        page.get_by_role("heading", name="Coverage").wait_for(timeout=60_000)
        wait_idle(page)
        page.mouse.move(5, 5)  # off the map: the Korean tooltip closes
        seen["tip_en"] = _hover(page, MAPO)
        seen["after"] = _drawn(page)
        page.screenshot(path=result.screenshot)
    assert result.blocked == []
    first = seen["first"]
    assert first["level"] == "district" and first["n"] == 25
    # Every class colour fills as many districts as the legend says, and nothing else.
    assert first["colors"] == seen["legend"]
    assert len(first["colors"]) >= 3
    assert "마포구" in seen["tip_ko"] and "자치구" in seen["tip_ko"]
    assert "대상지 수" in seen["tip_ko"]
    assert "Mapo-gu" in seen["tip_en"] and "District" in seen["tip_en"]
    assert "마포구" not in seen["tip_en"]  # the district's name too is in English
    assert seen["after"]["reports"] == 0  # the map asked the server for nothing


def test_the_view_stays_when_the_classes_change_and_seoul_is_fitted_for_the_dongs(app_url):
    seen: dict = {}
    result = MapPageResult(url=app_url, screenshot=ARTIFACTS / "coverage_dongs.png")
    with offline_page(result, DESKTOP) as page:
        first = _open(page, app_url)
        seen["first"] = first
        zoom_in = page.frame_locator(f"iframe[src*='{OUR_FRAME}']").locator(
            ".leaflet-control-zoom-in"
        )
        zoom_in.click()
        _drawn(page, lambda s: s["zoom"] >= first["zoom"] + 1 and not s["zooming"])
        zoom_in.click()  # once the first zoom has ended, as a person clicks again
        seen["zoomed"] = _drawn(page, lambda s: s["zoom"] >= first["zoom"] + 2 and not s["zooming"])
        page.locator("input[type=range][aria-label='계급 수']").focus()
        page.keyboard.press("ArrowLeft")  # 5 -> 4 classes
        wait_idle(page)
        seen["four"] = _drawn(page, lambda s: len(s["colors"]) <= 4)
        seen["legend_four"] = _legend(page)
        page.get_by_text("법정동", exact=True).first.click()
        wait_idle(page)
        seen["dongs"] = _drawn(page, lambda s: s["level"] == "dong")
        seen["legend_dongs"] = _legend(page)
        page.screenshot(path=result.screenshot)
    assert result.blocked == []
    zoomed, four, dongs = seen["zoomed"], seen["four"], seen["dongs"]
    # Fewer classes: new colours on the same map, at the view the user chose.
    assert four["colors"] == seen["legend_four"] and four["colors"] != seen["first"]["colors"]
    assert four["zoom"] == zoomed["zoom"] and four["view"] == zoomed["view"]
    assert four["loaded"] == seen["first"]["loaded"]
    # The dong level: every dong filled as its legend says, Seoul fitted again.
    assert dongs["n"] == 467 and dongs["colors"] == seen["legend_dongs"]
    west, south, east, north = dongs["view"]
    assert west < 126.77 and south < 37.44 and east > 127.18 and north > 37.69
    assert dongs["zoom"] < zoomed["zoom"]
    assert dongs["reports"] == 0


def test_the_gap_map_fills_every_dong_by_gap_class_under_the_walking_distance_outline(app_url):
    seen: dict = {}
    result = MapPageResult(url=app_url, screenshot=ARTIFACTS / "coverage_gaps.png")
    with offline_page(result, DESKTOP) as page:
        _open(page, app_url)
        page.get_by_role("tab", name="공백 분석").click()
        page.get_by_text("법정동 공백 유형").first.wait_for(timeout=120_000)
        wait_idle(page)
        seen["gaps"] = _drawn(page, lambda s: s["level"] == "dong" and s["outline"] > 0)
        seen["legend"] = _legend(page)
        seen["tip"] = _hover(page, MAPO)
        page.screenshot(path=result.screenshot)
    assert result.blocked == []
    gaps = seen["gaps"]
    assert gaps["n"] == 467 and gaps["colors"] == seen["legend"]
    assert gaps["reports"] == 0
    assert gaps["outline"] >= 1  # the area within 500 m of a site, over the dongs
    # The dong under 마포구's name: its gap class, resources and sites.
    tip = seen["tip"]
    assert "유형: " in tip and "대상지 수: " in tip and "자원 (선택 유형): " in tip
    assert any(f"유형: {korean}" in tip for korean, _, _ in GAP_CLASSES.values())
