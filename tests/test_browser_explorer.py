"""The explorer's own map in real Chromium with no network: borders, legend, labels, popups,
filters that keep their values, and data swapped in without reloading Leaflet.

Same set-up as ``tests/test_browser.py``: ``streamlit run app.py`` on the test database,
Debian's Chromium through Playwright with every non-loopback request aborted. Screenshots
are kept in ``tests/artifacts/``.
"""

from __future__ import annotations

import io

import pytest

from geo import queries
from geo.access import PUBLIC
from tests.browser import (
    ARTIFACTS,
    OUR_FRAME,
    REPO_ROOT,
    MapPageResult,
    offline_page,
    our_map_frame,
    pick_option,
    streamlit_server,
)

DESKTOP = (1440, 900)


@pytest.fixture(scope="module")
def every_marker_url(db_url):
    """The app with a marker budget as large as Seoul's count: each resource is drawn."""
    shown = sum(queries.count_resources(PUBLIC).values())
    env = {"DATABASE_URL": db_url, "MAEUL_MAX_MAP_MARKERS": str(shown)}
    with streamlit_server(REPO_ROOT / "app.py", env=env) as base:
        yield base


def _open(page, url: str):
    page.goto(url, wait_until="domcontentloaded")
    return our_map_frame(page, timeout=120)


def _choose_district(page, name: str) -> None:
    # The list is long: narrow it as a person would.
    pick_option(page, page.get_by_label("자치구"), name, typed=name[:2])


def _remove_kind(page, label: str) -> None:
    """Press the × of a kind's chip in the kinds box."""
    page.get_by_role("button", name=f"Remove {label}").click()


def _chips(page) -> list[str]:
    """The chips of the kinds box, as shown."""
    box = page.locator("[data-testid='stMain'] [data-testid='stMultiSelect']").first
    return box.locator("[aria-label='Selected values'] [data-tag]").evaluate_all(
        "(tags) => tags.map((t) => t.getAttribute('aria-label'))"
    )


def _wait_new_data(frame, old_id: str) -> None:
    frame.wait_for_function(
        f"() => window.maeulMap.dataId && window.maeulMap.dataId !== {old_id!r}",
        timeout=60_000,
    )


#: Points on the district borders in view, as container pixels of the map, after hiding
#: the resources and labels drawn over them (every ring vertex farther than 6 px from
#: the edges of the map and not under a control: legend, zoom buttons, attribution).
_BORDER_POINTS_JS = """() => {
  const S = window.maeulMap, map = window.map;
  map.removeLayer(S.resources);
  S.labels.forEach((l) => map.removeLayer(l));
  const size = map.getSize(), out = [];
  const boxes = [...document.querySelectorAll('.leaflet-control')]
    .map((e) => e.getBoundingClientRect());
  const free = (p) => boxes.every((b) =>
    p.x < b.left - 3 || p.x > b.right + 3 || p.y < b.top - 3 || p.y > b.bottom + 3);
  const walk = (c) => {
    if (typeof c[0] === 'number') {
      const p = map.latLngToContainerPoint([c[1], c[0]]);
      if (p.x > 6 && p.y > 6 && p.x < size.x - 6 && p.y < size.y - 6 && free(p))
        out.push([p.x, p.y]);
    } else { c.forEach(walk); }
  };
  S.outlines.districts.features.forEach((f) => walk(f.geometry.coordinates));
  return out;
}"""


def test_borders_around_a_chosen_district_are_drawn_whole(every_marker_url):
    """Bug 3: choosing 마포구 drew the neighbours' borders as scattered dashes (a later
    district's fill covered an earlier one's border). Every border vertex in view must
    be drawn in the border's dark colour."""
    from PIL import Image

    result = MapPageResult(url=every_marker_url, screenshot=ARTIFACTS / "explorer_mapo.png")
    with offline_page(result, DESKTOP) as page:
        frame = _open(page, f"{every_marker_url}/")
        old = frame.evaluate("() => window.maeulMap.dataId")
        _choose_district(page, "마포구")
        page.get_by_text("마포구 요약").wait_for(timeout=60_000)
        _wait_new_data(frame, old)
        page.wait_for_timeout(800)
        points = frame.evaluate(_BORDER_POINTS_JS)
        page.wait_for_timeout(300)
        box = page.locator(f"iframe[src*='{OUR_FRAME}']").first
        shot = Image.open(io.BytesIO(box.screenshot())).convert("L")
        page.screenshot(path=result.screenshot, full_page=True)
    assert result.blocked == []
    assert len(points) > 200  # the borders of 마포구 and its neighbours

    def dark(x: float, y: float) -> bool:  # the border's colour (#333) within 1 px
        near = [shot.getpixel((int(x) + dx, int(y) + dy)) for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
        return min(near) < 110

    missing = [p for p in points if not dark(*p)]
    assert len(missing) <= len(points) // 50, (len(missing), len(points), missing[:10])


def test_legend_colours_are_the_marker_colours_and_labels_show(every_marker_url):
    seen: dict = {}
    result = MapPageResult(url=every_marker_url, screenshot=ARTIFACTS / "explorer_legend.png")
    with offline_page(result, DESKTOP) as page:
        frame = _open(page, f"{every_marker_url}/")
        seen["legend"] = frame.evaluate(
            """() => Object.fromEntries([...document.querySelectorAll('.mm-chip[data-kind]')]
                 .map((c) => [c.dataset.kind, getComputedStyle(c).backgroundColor]))"""
        )
        # The colour each drawn marker carries: the fill of a dot, the ring of a hollow
        # dong-level marker, in the browser's rgb() form.
        seen["markers"] = frame.evaluate(
            """() => { const probe = document.createElement('span');
              document.body.append(probe); const out = {};
              for (const l of window.maeulMap.resources.getLayers()) {
                probe.style.color = l.row[3] ? l.options.color : l.options.fillColor;
                const c = getComputedStyle(probe).color;
                (out[l.kind] = out[l.kind] || new Set()).add(c);
              }
              probe.remove();
              return Object.fromEntries(Object.entries(out).map(([k, s]) => [k, [...s]])); }"""
        )
        seen["district_labels"] = frame.evaluate(
            "() => [...document.querySelectorAll('.mm-district')].map((e) => e.innerText)"
        )
        frame.evaluate("() => window.map.setView([37.5560, 126.9060], 15.5)")
        frame.wait_for_function(
            "() => [...document.querySelectorAll('.mm-dong')]"
            ".some((e) => e.innerText === '망원동')",
            timeout=30_000,
        )
        seen["dong_labels"] = frame.evaluate(
            "() => [...document.querySelectorAll('.mm-dong')].map((e) => e.innerText)"
        )
        page.screenshot(path=result.screenshot, full_page=True)
    assert result.blocked == []
    drawn = {k: v for k, v in seen["markers"].items()}
    assert set(drawn) >= {"human", "space", "heritage"}  # what the test data holds
    for kind, colours in drawn.items():
        assert colours == [seen["legend"][kind]], (kind, colours, seen["legend"])
    assert len(set(seen["legend"].values())) == 4  # four kinds, four colours
    assert {"마포구", "강남구", "종로구"} <= set(seen["district_labels"])
    assert "망원동" in seen["dong_labels"]


def test_clicking_a_marker_opens_its_popup(every_marker_url):
    seen: dict = {}
    result = MapPageResult(url=every_marker_url, screenshot=ARTIFACTS / "explorer_popup.png")
    with offline_page(result, DESKTOP) as page:
        frame = _open(page, f"{every_marker_url}/")
        frame.evaluate("() => window.map.setView([37.5560, 126.9060], 16)")
        page.wait_for_timeout(800)
        # A marker with no other within 14 px, so the click can only be on it.
        target = frame.evaluate(
            """() => { const map = window.map, size = map.getSize();
              const pts = window.maeulMap.resources.getLayers().map((l) =>
                [l, map.latLngToContainerPoint(l.getLatLng())]);
              for (const [l, p] of pts) {
                if (p.x < 60 || p.y < 60 || p.x > size.x - 200 || p.y > size.y - 60) continue;
                if (pts.every(([o, q]) => o === l || p.distanceTo(q) > 14))
                  return {x: p.x, y: p.y, name: l.row[4], reports: window.maeulMap.reports};
              } return null; }"""
        )
        assert target is not None
        page.frame_locator(f"iframe[src*='{OUR_FRAME}']").locator("#map").click(
            position={"x": target["x"], "y": target["y"]}
        )
        frame.wait_for_selector(".leaflet-popup-content", timeout=10_000)
        seen["popup"] = frame.inner_text(".leaflet-popup-content")
        # The click is reported: the page names the chosen resource under the map.
        chosen = page.locator("[data-testid='stMarkdownContainer']", has_text="선택한 자원")
        chosen.wait_for(timeout=60_000)
        seen["selected"] = chosen.inner_text()
        page.screenshot(path=result.screenshot, full_page=True)
    assert result.blocked == []
    lines = seen["popup"].splitlines()
    assert lines[0] == target["name"]
    assert any("·" in line for line in lines[1:])  # kind · category, in Korean
    assert target["name"] in seen["selected"]


def test_filter_change_swaps_features_without_reloading_leaflet(every_marker_url):
    seen: dict = {}
    result = MapPageResult(url=every_marker_url, screenshot=ARTIFACTS / "explorer_filter.png")
    with offline_page(result, DESKTOP) as page:
        frame = _open(page, f"{every_marker_url}/")
        page.wait_for_timeout(1500)
        seen["reports_at_start"] = frame.evaluate("() => window.maeulMap.reports")
        frame.evaluate("() => { window.probeSetAtLoad = 'still here'; }")
        loaded = frame.evaluate("() => window.maeulMapLoadedAt")
        old = frame.evaluate("() => window.maeulMap.dataId")
        before = frame.evaluate("() => window.maeulMap.resources.getLayers().length")
        _remove_kind(page, "인문자원")
        page.get_by_role("button", name="Remove 인문자원").wait_for(state="detached")
        _remove_kind(page, "기타")
        frame.wait_for_function(
            f"() => window.maeulMap.dataId !== {old!r} && window.maeulMap.resources"
            ".getLayers().every((l) => l.kind === 'human' || l.kind === 'space')",
            timeout=60_000,
        )
        seen["probe"] = frame.evaluate("() => window.probeSetAtLoad")
        seen["loaded"] = frame.evaluate("() => window.maeulMapLoadedAt")
        seen["kinds"] = frame.evaluate(
            "() => [...new Set(window.maeulMap.resources.getLayers().map((l) => l.kind))].sort()"
        )
        seen["after"] = frame.evaluate("() => window.maeulMap.resources.getLayers().length")
        page.screenshot(path=result.screenshot, full_page=True)
    assert result.blocked == []
    assert seen["reports_at_start"] == 0  # the map asked for nothing: no rerun of its own
    assert seen["probe"] == "still here" and seen["loaded"] == loaded  # same page, same Leaflet
    assert seen["kinds"] == ["human", "space"]
    expected = queries.count_resources(PUBLIC, queries.ResourceFilter(kinds=("human", "space")))
    assert seen["after"] == sum(expected.values()) < before


def test_filters_keep_their_values_across_the_language_switch(every_marker_url):
    """Bug 2 (explorer): 마포구 and one kind fewer, then English: both stay."""
    seen: dict = {}
    result = MapPageResult(url=every_marker_url, screenshot=ARTIFACTS / "explorer_english.png")
    with offline_page(result, DESKTOP) as page:
        _open(page, f"{every_marker_url}/")
        _choose_district(page, "마포구")
        page.get_by_text("마포구 요약").wait_for(timeout=60_000)
        _remove_kind(page, "공간자원")
        page.get_by_role("button", name="Remove 공간자원").wait_for(state="detached")
        page.wait_for_timeout(1500)
        page.get_by_text("English").click()
        page.get_by_role("heading", name="Map explorer").wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        seen["district"] = page.get_by_role("combobox", name="District").input_value()
        seen["kinds"] = _chips(page)
        page.screenshot(path=result.screenshot, full_page=True)
    assert result.blocked == []
    assert seen["district"] == "Mapo-gu"
    assert seen["kinds"] == ["Human", "Heritage", "Other"]


@pytest.mark.parametrize(
    ("viewport", "name"), [(DESKTOP, "explorer_desktop"), ((390, 844), "explorer_phone_map")]
)
def test_the_map_starts_near_the_top(every_marker_url, viewport, name):
    """At 1440x900 the whole map is in the first screen (it started 445 px down, half of
    it below the fold); on a phone it spans the screen's width."""
    result = MapPageResult(url=every_marker_url, screenshot=ARTIFACTS / f"{name}.png")
    with offline_page(result, viewport) as page:
        _open(page, f"{every_marker_url}/")
        page.wait_for_timeout(1000)
        box = page.locator(f"iframe[src*='{OUR_FRAME}']").first.bounding_box()
        page.screenshot(path=result.screenshot)
    assert result.blocked == [] and result.console_errors == []
    if viewport == DESKTOP:
        assert box["y"] + box["height"] <= viewport[1], box
    else:
        assert box["width"] >= viewport[0] - 60, box
