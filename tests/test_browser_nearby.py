"""The nearby page's map (our own component, as on the explorer) in real Chromium with no
network: a result chosen on the map opens its card, a card opened rings its result, a click
on an empty spot searches there without reloading the map, people only at their dong.

Same set-up as ``tests/test_browser.py``: ``streamlit run app.py`` on the test database,
Debian's Chromium through Playwright with every non-loopback request aborted. Screenshots
are kept in ``tests/artifacts/``.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from tests.browser import (
    ARTIFACTS,
    OUR_FRAME,
    MapPageResult,
    offline_page,
    our_map_frame,
    wait_idle,
)

DESKTOP = (1280, 900)
MANGWON = (126.9045, 37.5563)  # the page's default search centre


def _open(page, url: str):
    page.goto(f"{url}/nearby", wait_until="domcontentloaded")
    page.get_by_role("heading", name="근처 자원 찾기").wait_for(timeout=90_000)
    frame = our_map_frame(page, timeout=120)
    wait_idle(page)
    return frame


def _map_element(page):
    return page.frame_locator(f"iframe[src*='{OUR_FRAME}']").locator("#map")


#: A result's marker with no other marker within 16 px (so a click can only be on it), in
#: container pixels of the map, with its row (see layers.mapdata.hit_points).
_LONE_MARKER_JS = """() => { const map = window.map, size = map.getSize();
  const pts = window.maeulMap.resources.getLayers().map((l) =>
    [l, map.latLngToContainerPoint(l.getLatLng())]);
  for (const [l, p] of pts) {
    if (p.x < 50 || p.y < 50 || p.x > size.x - 50 || p.y > size.y - 50) continue;
    if (pts.every(([o, q]) => o === l || p.distanceTo(q) > 16))
      return {x: p.x, y: p.y, id: l.row[8], name: l.row[4], tip: l.row[9]};
  } return null; }"""

_RING_JS = """() => { const S = window.maeulMap;
  if (!S.selectedRing) return null;
  const r = S.selectedRing.getLatLng();
  const m = S.resources.getLayers().find((l) => l.row[8] === S.args.selected);
  return {selected: S.args.selected, ring: [r.lng, r.lat],
          marker: m ? [m.getLatLng().lng, m.getLatLng().lat] : null}; }"""


def _popup(frame) -> str:
    frame.wait_for_selector(".leaflet-popup-content", timeout=30_000)
    return frame.inner_text(".leaflet-popup-content")


def test_a_result_clicked_on_the_map_opens_its_card_and_is_ringed(app_url):
    seen: dict = {}
    result = MapPageResult(url=app_url, screenshot=ARTIFACTS / "nearby_map_click.png")
    with offline_page(result, DESKTOP) as page:
        frame = _open(page, app_url)
        target = frame.evaluate(_LONE_MARKER_JS)
        assert target is not None
        seen["reports_at_start"] = frame.evaluate("() => window.maeulMap.reports")
        _map_element(page).click(position={"x": target["x"], "y": target["y"]})
        seen["popup"] = _popup(frame)
        rank = target["tip"].split(".")[0]
        card = page.locator("[data-testid=stExpander] details[open] summary")
        card.filter(has_text=target["name"]).first.wait_for(timeout=60_000)
        wait_idle(page)
        seen["open"] = card.all_inner_texts()
        frame.wait_for_function(
            f"() => window.maeulMap.args.selected === {target['id']!r}", timeout=30_000
        )
        seen["ring"] = frame.evaluate(_RING_JS)
        seen["caption"] = page.get_by_text(re.compile("검색 중심: ")).first.inner_text()
        page.screenshot(path=result.screenshot, full_page=True)
    assert result.blocked == []
    assert seen["reports_at_start"] == 0  # opening the page cost no rerun of the map's own
    # A Korean popup: "rank. name · distance", then kind · category.
    lines = seen["popup"].splitlines()
    assert lines[0] == target["tip"] and lines[0].startswith(f"{rank}. {target['name']} · ")
    assert lines[0].endswith(" m") or "m (" in lines[0]
    assert "·" in lines[1] and re.search("[가-힣]", lines[1])
    # Its card (and only it) opened in the list; the search stayed where it was.
    assert len(seen["open"]) == 1 and f"{rank}. {target['name']}" in seen["open"][0]
    assert "망원동" in seen["caption"]
    ring = seen["ring"]
    assert ring["selected"] == target["id"] and ring["ring"] == ring["marker"]


def test_a_card_opened_in_the_list_rings_its_result_on_the_map(app_url):
    seen: dict = {}
    result = MapPageResult(url=app_url, screenshot=ARTIFACTS / "nearby_card_ring.png")
    with offline_page(result, DESKTOP) as page:
        frame = _open(page, app_url)
        seen["ring_before"] = frame.evaluate(_RING_JS)
        third = frame.evaluate("() => window.maeulMap.data.rows[2]")
        page.locator("[data-testid=stExpander] summary").filter(has_text="3. ").first.click()
        frame.wait_for_function(
            f"() => window.maeulMap.args.selected === {third[8]!r}", timeout=60_000
        )
        seen["ring"] = frame.evaluate(_RING_JS)
        seen["popup"] = _popup(frame)
        seen["loaded"] = frame.evaluate("() => window.maeulMapLoadedAt")
        page.screenshot(path=result.screenshot, full_page=True)
    assert result.blocked == []
    assert seen["ring_before"] is None  # nothing chosen before the card was opened
    ring = seen["ring"]
    assert ring["ring"] == ring["marker"] == [third[0], third[1]]
    assert seen["popup"].splitlines()[0] == third[9] and third[9].startswith(f"3. {third[4]} · ")


def test_clicking_an_empty_spot_searches_there_without_reloading_the_map(app_url):
    seen: dict = {}
    result = MapPageResult(url=app_url, screenshot=ARTIFACTS / "nearby_spot.png")
    with offline_page(result, DESKTOP) as page:
        frame = _open(page, app_url)
        frame.evaluate("() => { window.probeSetAtLoad = 'still here'; }")
        loaded = frame.evaluate("() => window.maeulMapLoadedAt")
        old = frame.evaluate("() => [window.maeulMap.dataId, window.maeulMap.searchKey]")
        # A point about 600 m west of the centre: no marker there (the markers are
        # drawn on a canvas: a click on one would choose it, not the spot).
        spot = frame.evaluate(
            """() => { const map = window.map, S = window.maeulMap;
              const c = map.latLngToContainerPoint([S.args.search.lat, S.args.search.lon]);
              const near = (p) => S.resources.getLayers().some((l) =>
                map.latLngToContainerPoint(l.getLatLng()).distanceTo(p) < 20);
              for (let dx = 60; dx < c.x - 20; dx += 10) {
                const p = L.point(Math.round(c.x - dx), Math.round(c.y));
                if (!near(p)) { const ll = map.containerPointToLatLng(p);
                  return {x: p.x, y: p.y, lon: ll.lng, lat: ll.lat}; }
              } return null; }"""
        )
        assert spot is not None
        _map_element(page).click(position={"x": spot["x"], "y": spot["y"]})
        page.get_by_text(re.compile("검색 중심: 지도에서 고른 지점")).wait_for(timeout=60_000)
        frame.wait_for_function(
            f"() => window.maeulMap.dataId !== {old[0]!r}"
            f" && window.maeulMap.searchKey !== {old[1]!r}",
            timeout=60_000,
        )
        seen["centre"] = frame.evaluate(
            "() => { const c = window.maeulMap.search[0].getLatLng(); return [c.lng, c.lat]; }"
        )
        seen["probe"] = frame.evaluate("() => window.probeSetAtLoad")
        seen["loaded"] = frame.evaluate("() => window.maeulMapLoadedAt")
        seen["outline_fetches"] = frame.evaluate(
            "() => performance.getEntriesByType('resource')"
            ".filter((e) => e.name.includes('/outlines-')).length"
        )
        page.screenshot(path=result.screenshot, full_page=True)
    assert result.blocked == []
    # The new centre is the spot clicked (within a pixel or two, about 10 m), which lies
    # at least 60 px (about 300 m) west of the old one.
    assert abs(seen["centre"][0] - spot["lon"]) < 1e-4
    assert abs(seen["centre"][1] - spot["lat"]) < 1e-4
    assert seen["centre"][0] < MANGWON[0] - 0.002
    # The same page and Leaflet, the outlines fetched once: only the search was sent.
    assert seen["probe"] == "still here" and seen["loaded"] == loaded
    assert seen["outline_fetches"] == 1


def test_people_are_drawn_only_at_their_dongs_label_point(app_url, engine):
    """A public visitor's map shows a person at the label point of their dong (the query
    layer's ``resources_public``), with no address in the popup, never at their point."""
    seen: dict = {}
    result = MapPageResult(url=app_url, screenshot=ARTIFACTS / "nearby_people.png")
    with offline_page(result, DESKTOP) as page:
        frame = _open(page, app_url)
        seen["people"] = frame.evaluate(
            """() => window.maeulMap.data.rows
                 .filter((r) => window.maeulMap.args.legend[r[2]].code === 'human')"""
        )
    assert result.blocked == []
    assert seen["people"], "the default search finds people (demo data) near 망원동"
    ids = [row[8] for row in seen["people"]]
    with engine.connect() as conn:
        truth = {
            pid: (x, y, lx, ly)
            for pid, x, y, lx, ly in conn.execute(
                sa.text(
                    """SELECT r.public_id::text, ST_X(r.geom), ST_Y(r.geom),
                              ST_X(d.label_point), ST_Y(d.label_point)
                       FROM resources r JOIN dongs d ON d.code = r.dong_code
                       WHERE r.public_id::text = ANY(:ids)"""
                ),
                {"ids": ids},
            )
        }
    assert set(truth) == set(ids)
    for row in seen["people"]:
        x, y, lx, ly = truth[row[8]]
        assert abs(row[0] - lx) < 1e-6 and abs(row[1] - ly) < 1e-6, row
        assert abs(row[0] - x) > 1e-5 or abs(row[1] - y) > 1e-5, row  # not their point
        assert row[6] == "대표 위치 (일반화)", row  # where: generalised, no address
