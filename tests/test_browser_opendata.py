"""Real open data in real Chromium: places in 마포구 name their source; About lists sources.

Same set-up as ``tests/test_browser.py``: ``streamlit run app.py`` on the test database,
Debian's Chromium through Playwright with every non-loopback request aborted.
"""

from __future__ import annotations

import re

from geo.datasets import sources
from tests.browser import REPO_ROOT, inspect_map_page, our_map_frame, streamlit_server

#: Fire a click on the first resource marker in view whose popup names a source, and
#: return the popup's text ('' when none opened).
_OPEN_POPUP_JS = """() => {
  // People are demo data; places (space, heritage) come from the published files.
  const marker = window.maeulMap.resources.getLayers()
    .find((l) => l.row && l.row[7] && l.kind !== 'human');
  if (!marker) { return ''; }
  marker.fire('click', {latlng: marker.getLatLng()}, true);  // propagates to its layer
  const popup = document.querySelector('.leaflet-popup-content');
  return popup ? popup.innerText : '';
}"""


def test_explorer_shows_real_places_in_mapo_with_their_source(db_url):
    seen: dict[str, str] = {}

    def zoom_into_mapo_and_open_a_marker(page) -> None:
        page.get_by_text("격자별로 묶어 표시합니다").wait_for(timeout=60_000)
        frame = our_map_frame(page)
        # 망원동, 마포구: real shelters, libraries and a market around 망원시장.
        frame.evaluate("() => { window.map.setView([37.5560, 126.9060], 17); }")
        caption = page.get_by_text(re.compile(r"지금 보이는 범위의 자원 [\d,]+건 표시"))
        caption.wait_for(timeout=60_000)
        frame.wait_for_function(
            "() => window.maeulMap.data.mode === 'points'"
            " && window.maeulMap.resources.getLayers().length > 0",
            timeout=60_000,
        )
        for _ in range(20):
            text = frame.evaluate(_OPEN_POPUP_JS)
            if text:
                seen["popup"] = text
                break
            page.wait_for_timeout(500)

    env = {"DATABASE_URL": db_url, "MAEUL_MAX_MAP_MARKERS": "1000"}
    with streamlit_server(REPO_ROOT / "app.py", env=env) as base:
        page = inspect_map_page(
            f"{base}/",
            "explorer_mapo_sources",
            steps=zoom_into_mapo_and_open_a_marker,
            min_features=25 + 467 + 1,
        )
    assert page.blocked == []
    popup = seen.get("popup", "")
    assert "출처:" in popup, popup
    titles = set(sources(open_data_only=True)["title_ko"])
    assert any(t in popup for t in titles), popup  # a published dataset, by its title


def test_about_page_lists_every_source(db_url):
    listed: dict[str, str] = {}

    def read_table(page) -> None:
        page.get_by_text("데이터 출처").first.wait_for(timeout=60_000)
        grid = page.locator("[data-testid='stDataFrame']").first
        grid.wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        listed["text"] = page.locator("[data-testid='stMain']").inner_text()
        listed["grid"] = grid.inner_text()

    with streamlit_server(REPO_ROOT / "app.py", env={"DATABASE_URL": db_url}) as base:
        page = inspect_map_page(
            f"{base}/about", "about", maps=0, wait_text="데이터 출처", steps=read_table
        )
    assert page.blocked == []
    assert "KOGL" in listed["text"]
    loaded = sources(open_data_only=True)
    assert len(loaded) >= 7
    # The dataframe is drawn on a canvas (glide grid); its accessible copy holds the cells.
    for title in loaded["title_ko"]:
        assert title in listed["grid"] or title in listed["text"], title
    # A source without a note shows none (no "nan" from an empty cell).
    assert " — nan" not in listed["text"]
