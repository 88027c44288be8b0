"""Point every folium/Leaflet asset at the app's own vendored copy instead of a CDN.

folium declares the JS/CSS each element needs as ``default_js`` / ``default_css`` lists of
``(name, url)`` pairs holding CDN URLs. Both ``Map.get_root().render()`` and streamlit-folium's
``st_folium`` (which reads those lists and loads them into its iframe) use them as they are,
so :func:`localize` rewrites them, element by element, to files that
``scripts/vendor_assets.py`` copied into ``static/vendor/`` and that Streamlit serves at
``/app/static/vendor/``. Any external URL that has no vendored copy raises
:class:`UnvendoredAssetError`, so a new plugin cannot silently reach for a CDN.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TypeVar

import branca.colormap
from branca.element import CssLink, Element, JavascriptLink, MacroElement
from folium import Map
from folium.elements import JSCSSMixin
from folium.raster_layers import TileLayer, WmsTileLayer
from folium.template import Template

from geo.settings import SETTINGS, load_settings

__all__ = [
    "CDN_TO_LOCAL",
    "DEFAULT_PREFIX",
    "LEAFLET_IMAGES",
    "PREFIX_ENV",
    "LeafletIconPath",
    "UnvendoredAssetError",
    "external_asset_urls",
    "localize",
    "localize_url",
]

PREFIX_ENV = "MAEUL_VENDOR_URL"
"""The setting (``geo.settings``) that overrides the URL prefix of the vendored files."""

DEFAULT_PREFIX = SETTINGS[PREFIX_ENV][0]
"""Where Streamlit serves ``static/vendor`` (``[server] enableStaticServing = true``)."""

E = TypeVar("E", bound=Element)

_CDNJS = "https://cdnjs.cloudflare.com/ajax/libs"
_JSDELIVR = "https://cdn.jsdelivr.net"
_FOLIUM_GH = f"{_JSDELIVR}/gh/python-visualization/folium"

CDN_TO_LOCAL: dict[str, str] = {
    # folium.Map
    f"{_JSDELIVR}/npm/leaflet@1.9.3/dist/leaflet.js": "leaflet/leaflet.js",
    f"{_JSDELIVR}/npm/leaflet@1.9.3/dist/leaflet.css": "leaflet/leaflet.css",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/jquery.min.js",
    f"{_JSDELIVR}/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js": (
        "bootstrap/js/bootstrap.bundle.min.js"
    ),
    f"{_JSDELIVR}/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css": (
        "bootstrap/css/bootstrap.min.css"
    ),
    "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css": (
        "glyphicons/css/bootstrap-glyphicons.css"
    ),
    f"{_JSDELIVR}/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css": (
        "fontawesome/css/all.min.css"
    ),
    f"{_CDNJS}/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js": (
        "awesome-markers/leaflet.awesome-markers.js"
    ),
    f"{_CDNJS}/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css": (
        "awesome-markers/leaflet.awesome-markers.css"
    ),
    f"{_FOLIUM_GH}/folium/templates/leaflet.awesome.rotate.min.css": (
        "folium/leaflet.awesome.rotate.min.css"
    ),
    # plugins.MarkerCluster, plugins.FastMarkerCluster
    f"{_CDNJS}/leaflet.markercluster/1.1.0/leaflet.markercluster.js": (
        "markercluster/leaflet.markercluster.js"
    ),
    f"{_CDNJS}/leaflet.markercluster/1.1.0/MarkerCluster.css": "markercluster/MarkerCluster.css",
    f"{_CDNJS}/leaflet.markercluster/1.1.0/MarkerCluster.Default.css": (
        "markercluster/MarkerCluster.Default.css"
    ),
    # plugins.HeatMap (folium's own patched leaflet-heat, shipped in the folium wheel)
    f"{_FOLIUM_GH}@main/folium/templates/leaflet_heat.min.js": ("folium/leaflet_heat.min.js"),
    # plugins.Fullscreen (the npm package has no .min.js; the CDN minifies on the fly)
    f"{_JSDELIVR}/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.min.js": (
        "fullscreen/Control.FullScreen.js"
    ),
    f"{_JSDELIVR}/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.css": (
        "fullscreen/Control.FullScreen.css"
    ),
    # plugins.LocateControl
    f"{_CDNJS}/leaflet-locatecontrol/0.66.2/L.Control.Locate.min.js": (
        "locatecontrol/L.Control.Locate.min.js"
    ),
    f"{_CDNJS}/leaflet-locatecontrol/0.66.2/L.Control.Locate.min.css": (
        "locatecontrol/L.Control.Locate.min.css"
    ),
    # plugins.Draw
    f"{_CDNJS}/leaflet.draw/1.0.2/leaflet.draw.js": "leaflet-draw/leaflet.draw.js",
    f"{_CDNJS}/leaflet.draw/1.0.2/leaflet.draw.css": "leaflet-draw/leaflet.draw.css",
}
"""Dispatch table: CDN URL used by folium 0.20 -> path under ``static/vendor``."""

LEAFLET_IMAGES = "leaflet/images/"
"""Folder under ``static/vendor`` with Leaflet's default marker images."""

_EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
_TAG_URL = re.compile(
    r"<(?:script|link)\b[^>]*?\b(?:src|href)\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE
)


class UnvendoredAssetError(ValueError):
    """A map still needs something from outside the app (a CDN script, a tile server...).

    Attributes
    ----------
    urls : list of str
        The offending URLs (or descriptions), sorted and deduplicated.
    """

    def __init__(self, urls: list[str]) -> None:
        self.urls = sorted(set(urls))
        lines = "\n  ".join(self.urls)
        super().__init__(
            "these map assets are not vendored (the map would need the internet):\n"
            f"  {lines}\n"
            "Add the npm package to package.json, the files to scripts/vendor_assets.py "
            "and the URL to layers.assets.CDN_TO_LOCAL."
        )


def _prefix(prefix: str | None) -> str:
    """Return the URL prefix to use: argument, else ``$MAEUL_VENDOR_URL``, else default."""
    chosen = prefix if prefix is not None else load_settings().vendor_url
    return chosen.rstrip("/")


def _is_external(url: str) -> bool:
    """Tell whether ``url`` points at another host (``https://...``, ``//host/...``)."""
    return bool(_EXTERNAL.match(url.strip()))


def localize_url(url: str, *, prefix: str | None = None) -> str:
    """Map one asset URL to its vendored copy.

    Parameters
    ----------
    url : str
        A URL from a ``default_js`` / ``default_css`` list.
    prefix : str, optional
        URL prefix of ``static/vendor``; defaults to ``$MAEUL_VENDOR_URL`` or
        :data:`DEFAULT_PREFIX`.

    Returns
    -------
    str
        The local URL; a URL that is already local (relative or same-host) is returned as is.

    Raises
    ------
    UnvendoredAssetError
        If ``url`` is external and not in :data:`CDN_TO_LOCAL`.
    """
    local = CDN_TO_LOCAL.get(url)
    if local is not None:
        return f"{_prefix(prefix)}/{local}"
    if _is_external(url):
        raise UnvendoredAssetError([url])
    return url


class LeafletIconPath(MacroElement):
    """Set ``L.Icon.Default.imagePath`` before any marker of the map is drawn.

    Leaflet finds its default marker images through ``leaflet.css``; streamlit-folium adds
    that stylesheet only after the scripts, right before the map script runs, so Leaflet
    falls back to ``<dir of leaflet.css>`` + ``marker-icon.png`` (no ``images/``) and every
    default marker is a broken image, CDN or not. :func:`localize` puts this element first.

    Parameters
    ----------
    path : str
        URL of the folder holding ``marker-icon.png``, ending with ``/``.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            L.Icon.Default.imagePath = {{ this.path|tojson }};
        {% endmacro %}
        """
    )

    def __init__(self, path: str) -> None:
        super().__init__()
        self._name = "LeafletIconPath"
        self.path = path


def _set_icon_path(m: Map, path: str) -> None:
    """Make a :class:`LeafletIconPath` the first child of ``m`` (once)."""
    for child in m._children.values():
        if isinstance(child, LeafletIconPath):
            child.path = path
            return
    element = LeafletIconPath(path)
    m.add_child(element, name="leaflet_icon_path")
    m._children.move_to_end("leaflet_icon_path", last=False)


def _walk(element: Element) -> Iterator[Element]:
    """Yield ``element`` and all its descendants, depth first."""
    yield element
    for child in list(element._children.values()):
        yield from _walk(child)


def localize(m: E, *, prefix: str | None = None, allow_remote_tiles: bool = False) -> E:
    """Rewrite the JS/CSS of a folium map and everything in its figure to vendored files.

    Each element's ``default_js`` / ``default_css`` is replaced by a new instance-level list
    (the class-level lists folium shares between instances are never mutated), and so are
    the URLs of ``JavascriptLink`` / ``CssLink`` elements already in the figure. Each map
    also gets a first child, :class:`LeafletIconPath`, so default markers find their images
    inside streamlit-folium's iframe. Calling it again is harmless.

    Parameters
    ----------
    m : folium.Map
        The map (any branca element works; its whole root figure is processed).
    prefix : str, optional
        URL prefix under which ``static/vendor`` is served; defaults to
        ``$MAEUL_VENDOR_URL`` or ``/app/static/vendor``.
    allow_remote_tiles : bool, default False
        Accept tile layers whose tiles come from another host (they need the internet).

    Returns
    -------
    folium.Map
        ``m`` itself, modified in place.

    Raises
    ------
    UnvendoredAssetError
        Listing every external URL left: assets missing from :data:`CDN_TO_LOCAL`, remote
        tile layers (unless allowed) and branca colormaps, whose d3 both branca and
        streamlit-folium hard-code to CDNs.
    """
    missing: list[str] = []

    def local(url: str) -> str:
        try:
            return localize_url(url, prefix=prefix)
        except UnvendoredAssetError as err:
            missing.extend(err.urls)
            return url

    icon_path = f"{_prefix(prefix)}/{LEAFLET_IMAGES}"
    for el in list(_walk(m.get_root())):
        if isinstance(el, Map):
            _set_icon_path(el, icon_path)
        if isinstance(el, JSCSSMixin):
            el.default_js = [(name, local(url)) for name, url in el.default_js]
            el.default_css = [(name, local(url)) for name, url in el.default_css]
        elif isinstance(el, (JavascriptLink, CssLink)):
            el.url = local(el.url)
        elif isinstance(el, branca.colormap.ColorMap):
            missing.append(
                f"branca {type(el).__name__} legend (needs d3 from a CDN; show "
                "colormap._repr_html_() outside the map instead)"
            )
        if not allow_remote_tiles:
            tiles = getattr(el, "tiles", None) if isinstance(el, TileLayer) else None
            if isinstance(el, WmsTileLayer):
                tiles = el.url
            if isinstance(tiles, str) and _is_external(tiles):
                missing.append(f"tile layer {tiles}")
    if missing:
        raise UnvendoredAssetError(missing)
    return m


def external_asset_urls(html: str) -> list[str]:
    """List the external URLs of ``<script src>`` and ``<link href>`` tags in ``html``.

    Parameters
    ----------
    html : str
        A rendered page, e.g. ``m.get_root().render()``.

    Returns
    -------
    list of str
        External URLs in document order (empty when the page is self-contained).
    """
    return [url for url in _TAG_URL.findall(html) if _is_external(url)]
