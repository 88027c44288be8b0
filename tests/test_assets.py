"""layers.assets and scripts/vendor_assets.py: folium maps use only vendored, existing files."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType
from typing import ClassVar

import branca.colormap
import folium
import pytest
import streamlit_folium
from folium import plugins
from folium.elements import JSCSSMixin

from layers.assets import (
    CDN_TO_LOCAL,
    DEFAULT_PREFIX,
    LEAFLET_IMAGES,
    PREFIX_ENV,
    LeafletIconPath,
    UnvendoredAssetError,
    external_asset_urls,
    localize,
    localize_url,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
VENDOR = REPO_ROOT / "static" / "vendor"
# The folium elements the app may use; each must be fully vendored.
USED_CLASSES: list[type[JSCSSMixin]] = [
    folium.Map,
    plugins.MarkerCluster,
    plugins.FastMarkerCluster,
    plugins.HeatMap,
    plugins.Fullscreen,
    plugins.LocateControl,
    plugins.Draw,
]
TRIANGLE = {
    "type": "Polygon",
    "coordinates": [[[126.9, 37.5], [127.0, 37.5], [127.0, 37.6], [126.9, 37.5]]],
}
_CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")


def _load_vendor_script() -> ModuleType:
    path = REPO_ROOT / "scripts" / "vendor_assets.py"
    spec = importlib.util.spec_from_file_location("vendor_assets", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def vendored() -> Path:
    """static/vendor, failing (not skipping) when it was never filled."""
    if not (VENDOR / "leaflet" / "leaflet.js").is_file():
        pytest.fail(
            "static/vendor is empty: run `npm ci --ignore-scripts` and "
            "`python scripts/vendor_assets.py` (make install does both)"
        )
    return VENDOR


def _full_map() -> folium.Map:
    """A map with every element of USED_CLASSES, a GeoJson layer and awesome markers."""
    m = folium.Map(location=(37.5665, 126.978), zoom_start=12, tiles=None, maxZoom=18)
    folium.GeoJson(TRIANGLE).add_to(m)
    cluster = plugins.MarkerCluster().add_to(m)
    folium.Marker((37.55, 126.97), icon=folium.Icon(icon="home", angle=45)).add_to(cluster)
    folium.Marker((37.56, 126.98), icon=folium.Icon(prefix="fa", icon="tree")).add_to(cluster)
    plugins.FastMarkerCluster([(37.57, 126.99)]).add_to(m)
    plugins.HeatMap([(37.55, 126.97, 1.0), (37.56, 126.98, 0.5)]).add_to(m)
    plugins.Fullscreen().add_to(m)
    plugins.LocateControl().add_to(m)
    plugins.Draw().add_to(m)
    return m


def test_every_mapping_points_at_a_vendored_file(vendored: Path) -> None:
    missing = [path for path in CDN_TO_LOCAL.values() if not (vendored / path).is_file()]
    assert missing == []
    assert (vendored / LEAFLET_IMAGES / "marker-icon.png").is_file()


def test_every_css_url_resolves_to_a_vendored_file(vendored: Path) -> None:
    broken = []
    for css in vendored.rglob("*.css"):
        for ref in _CSS_URL.findall(css.read_text("utf-8")):
            if ref.startswith(("data:", "#")):
                continue
            assert not re.match(r"^(\w+:)?//", ref), f"{css} refers to {ref}"
            if not (css.parent / ref.split("?")[0].split("#")[0]).is_file():
                broken.append(f"{css.relative_to(vendored)} -> {ref}")
    assert broken == []


@pytest.mark.parametrize("cls", USED_CLASSES, ids=lambda c: c.__name__)
def test_used_folium_classes_are_fully_mapped(cls: type[JSCSSMixin]) -> None:
    urls = [url for _, url in [*cls.default_js, *cls.default_css]]
    assert urls, f"{cls.__name__} declares no assets: has folium changed?"
    assert [url for url in urls if url not in CDN_TO_LOCAL] == []


def test_localized_map_html_has_no_external_asset(vendored: Path) -> None:
    html = localize(_full_map()).get_root().render()
    assert external_asset_urls(html) == []
    local = re.findall(r"<(?:script|link)\b[^>]*(?:src|href)=\"(/app/static/vendor/[^\"]+)", html)
    assert len(set(local)) == len(set(CDN_TO_LOCAL.values()))
    for url in local:
        assert (vendored / url.removeprefix(f"{DEFAULT_PREFIX}/")).is_file(), url


def test_unlocalized_map_html_is_caught() -> None:
    html = _full_map().get_root().render()
    assert any("leaflet.js" in url for url in external_asset_urls(html))


def test_icon_path_is_set_before_any_marker() -> None:
    html = localize(_full_map()).get_root().render()
    set_at = html.index('L.Icon.Default.imagePath = "/app/static/vendor/leaflet/images/"')
    assert set_at < html.index("L.marker(")


def test_st_folium_receives_only_local_links(monkeypatch: pytest.MonkeyPatch) -> None:
    """What streamlit-folium sends its iframe: script/link URLs and the map script."""
    sent: dict = {}
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **kw: sent.update(kw))
    streamlit_folium.st_folium(localize(_full_map()), returned_objects=[])
    links = [*sent["js_links"], *sent["css_links"]]
    assert links and all(url.startswith(f"{DEFAULT_PREFIX}/") for url in links), links
    assert sent["script"].index("L.Icon.Default.imagePath") < sent["script"].index("L.marker(")


def test_unknown_plugin_url_raises() -> None:
    class Unvendored(JSCSSMixin):
        default_js: ClassVar = [("x", "https://cdn.example.org/x.js")]
        default_css: ClassVar = [("x_css", "//cdn.example.org/x.css")]

    m = folium.Map(tiles=None)
    m.add_child(Unvendored())
    plugins.MiniMap().add_to(m)  # folium plugin not vendored
    with pytest.raises(UnvendoredAssetError) as caught:
        localize(m)
    assert "https://cdn.example.org/x.js" in caught.value.urls
    assert "//cdn.example.org/x.css" in caught.value.urls
    assert any("leaflet-minimap" in url for url in caught.value.urls)
    assert "https://cdn.example.org/x.js" in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_remote_tiles_and_colormaps_raise() -> None:
    with pytest.raises(UnvendoredAssetError, match=r"tile layer https://tile\.openstreetmap"):
        localize(folium.Map())  # folium's default basemap
    assert localize(folium.Map(), allow_remote_tiles=True)
    m = folium.Map(tiles=None)
    branca.colormap.LinearColormap(["white", "red"]).add_to(m)
    with pytest.raises(UnvendoredAssetError, match="LinearColormap"):
        localize(m)


def test_prefix_from_keyword_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "https://code.jquery.com/jquery-3.7.1.min.js"
    assert localize_url(url) == f"{DEFAULT_PREFIX}/jquery/jquery.min.js"
    assert localize_url(url, prefix="/atlas/app/static/vendor/") == (
        "/atlas/app/static/vendor/jquery/jquery.min.js"
    )
    monkeypatch.setenv(PREFIX_ENV, "/x/vendor")
    assert localize_url(url) == "/x/vendor/jquery/jquery.min.js"
    html = localize(folium.Map(tiles=None)).get_root().render()
    assert '<script src="/x/vendor/leaflet/leaflet.js"></script>' in html
    assert '"/x/vendor/leaflet/images/"' in html
    assert localize_url("/already/local.js") == "/already/local.js"


def test_localize_is_idempotent_and_leaves_folium_classes_alone() -> None:
    m = localize(localize(_full_map()))
    assert sum(isinstance(c, LeafletIconPath) for c in m._children.values()) == 1
    assert external_asset_urls(m.get_root().render()) == []
    assert folium.Map.default_js[0][1].startswith("https://")  # class lists untouched
    fresh = folium.Map(tiles=None).get_root().render()
    assert external_asset_urls(fresh)


def test_vendor_script_is_idempotent(tmp_path: Path) -> None:
    vendor_assets = _load_vendor_script()
    first = vendor_assets.vendor(tmp_path)
    assert first and all(change.startswith("write ") for change in first)
    (tmp_path / "stray.js").write_text("old")
    (tmp_path / ".stamp").write_text("")
    assert vendor_assets.vendor(tmp_path) == ["delete stray.js"]
    assert vendor_assets.vendor(tmp_path) == []
    assert (tmp_path / ".stamp").exists()
    assert vendor_assets.vendor(VENDOR, check=True) == [], "static/vendor is stale"


def test_glyphicons_css_is_cut_from_bootstrap3(vendored: Path) -> None:
    css = (vendored / "glyphicons/css/bootstrap-glyphicons.css").read_text("utf-8")
    assert '@font-face {\n  font-family: "Glyphicons Halflings"' in css
    assert ".glyphicon-home:before" in css and ".glyphicon-info-sign:before" in css
    assert "body" not in css and ".btn" not in css
