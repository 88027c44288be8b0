"""A localized folium map renders in real Chromium with every non-loopback request blocked.

The page (tests/data/offline_map_page.py) runs under ``streamlit run`` with the repository's
``.streamlit/config.toml`` and ``static/vendor``; Chromium aborts any request whose host is
not loopback. A negative control runs the same page without ``localize()`` and checks that
the harness does see folium's CDN requests and a blank map.
"""

from __future__ import annotations

import pytest

from tests.browser import (
    REPO_ROOT,
    MapNotDrawn,
    MapPageResult,
    inspect_map_page,
    recording_proxy,
    stage_page,
    streamlit_server,
)

PAGE = REPO_ROOT / "tests" / "data" / "offline_map_page.py"


@pytest.fixture(scope="module")
def offline_page(tmp_path_factory: pytest.TempPathFactory) -> MapPageResult:
    """Serve the localized page and inspect it once for the tests here."""
    if not (REPO_ROOT / "static" / "vendor" / "leaflet" / "leaflet.js").is_file():
        pytest.fail("static/vendor is empty: run `python scripts/vendor_assets.py` first")
    script = stage_page(PAGE, tmp_path_factory.mktemp("offline_page"))
    with streamlit_server(script) as base:
        return inspect_map_page(base, "offline_map_page")


def test_no_request_leaves_localhost(offline_page: MapPageResult) -> None:
    assert offline_page.blocked == []


def test_map_draws_polygon_markers_clusters_and_heatmap(offline_page: MapPageResult) -> None:
    assert offline_page.maps == 1
    assert offline_page.features >= 1  # the GeoJson polygon
    assert offline_page.markers >= 3  # lone markers (plain, awesome) + cluster bubble
    assert offline_page.clusters >= 1  # MarkerCluster's JS and CSS work
    assert offline_page.canvases >= 1  # the HeatMap's canvas


def test_every_local_file_served_and_no_js_error(offline_page: MapPageResult) -> None:
    assert offline_page.http_errors == []  # e.g. a marker image or font missing
    assert offline_page.console_errors == []


def test_screenshot_written(offline_page: MapPageResult) -> None:
    assert offline_page.screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_harness_catches_cdn_assets(tmp_path) -> None:
    """Without localize() the page asks CDNs for Leaflet, which are blocked: no map."""
    script = stage_page(PAGE, tmp_path)
    with (
        streamlit_server(script, env={"OFFLINE_PAGE_SKIP_LOCALIZE": "1"}) as base,
        pytest.raises(MapNotDrawn) as caught,
    ):
        inspect_map_page(base, "offline_map_page_cdn", timeout=20)
    blocked = caught.value.result.blocked
    assert any("leaflet" in url and url.startswith("https://") for url in blocked), blocked


def test_the_app_server_itself_sends_nothing_outside(db_url) -> None:
    """Start the real app with a recording proxy as its only way out: nothing uses it.

    A headless Streamlit would ask checkip.amazonaws.com for the machine's public IP at
    start unless ``browser.serverAddress`` is set.
    """
    with recording_proxy() as (proxy_env, seen):
        env = {"DATABASE_URL": db_url, **proxy_env}
        # Bound to every interface, as `make run` does (a single address skips the lookup).
        with streamlit_server(REPO_ROOT / "app.py", env=env, address=None) as base:
            page = inspect_map_page(f"{base}/", "explorer_behind_proxy", min_features=25)
    assert page.blocked == []
    assert seen == []
