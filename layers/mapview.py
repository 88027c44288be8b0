"""The Leaflet map of the explorer, nearby and coverage pages as a Streamlit component of
our own (the one layers module that imports streamlit).

The frontend (``layers/mapview_frontend``: plain HTML and JavaScript, no build) loads the
vendored Leaflet once per page session from the app's static files and stays in its iframe
across reruns. The outlines go to the browser once, as a content-named file beside the
component's page (cached by the browser); each rerun sends only the resources of the
current view, and none when the browser already holds that payload (it reports which ones
it holds). A choropleth (the coverage page) is sent only a colour and a tooltip row per
area code: it fills the outlines the browser already holds. The map reports back (and so
reruns the script) only when it needs data it was not sent, or a resource was clicked (on
the nearby page also: an empty spot was clicked); a choropleth never reports back.

The component's files are served from a folder made per process (the frontend copied in,
the vendored-asset prefix written into its page, the outline files written beside it):
Streamlit serves a component's folder as it is and resolves no symlink out of it.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import streamlit.components.v1 as components

from geo.classify import Classification
from geo.reference import SEOUL_BOUNDS
from layers import choropleth, styles
from layers.assets import localize_url

_FRONTEND = Path(__file__).resolve().parent / "mapview_frontend"
_LEAFLET_CDN = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "© OpenStreetMap contributors"


def _serve_folder() -> Path:
    """A private folder with the frontend, its page pointing at the vendored Leaflet."""
    folder = Path(tempfile.mkdtemp(prefix="maeul-map-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    vendor = localize_url(_LEAFLET_CDN).rsplit("/leaflet/", 1)[0]
    page = (_FRONTEND / "index.html").read_text(encoding="utf-8")
    (folder / "index.html").write_text(page.replace("__VENDOR__", vendor), encoding="utf-8")
    shutil.copyfile(_FRONTEND / "map.js", folder / "map.js")
    return folder


_FOLDER = _serve_folder()
_component = components.declare_component("maeul_map", path=str(_FOLDER))


def publish_outlines(text: str) -> str:
    """Write outline JSON beside the component page once; return its (relative) file name.

    The name follows the content, so the browser may keep it as long as it likes and a
    change of the reference data is a new file.
    """
    data = text.encode("utf-8")
    name = f"outlines-{hashlib.blake2b(data, digest_size=8).hexdigest()}.json"
    path = _FOLDER / name
    if not path.exists():
        # Sessions of several users may publish the same file at once: each writes its own
        # temporary file, and the atomic rename makes either copy the one served.
        fd, tmp = tempfile.mkstemp(dir=_FOLDER, prefix=f"{path.stem}-", suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    return name


def _marker_options(kind: str, precision: str) -> dict:
    """:func:`layers.styles.resource_marker` with Leaflet's option names, colour left out."""
    names = {"dash_array": "dashArray", "fill_color": "fillColor", "fill_opacity": "fillOpacity"}
    options = {names.get(k, k): v for k, v in styles.resource_marker(kind, precision).items()}
    options.pop("fillColor" if precision == "exact" else "color")
    return options


def _styles() -> dict:
    """Every colour the map draws with, from :mod:`layers.styles` (the legend uses the same)."""
    any_kind = next(iter(styles.KIND_COLORS))
    return {
        "district": styles.DISTRICT_STYLE,
        "dong": styles.DONG_STYLE,
        "highlight": styles.HIGHLIGHT_STYLE,
        "markers": {p: _marker_options(any_kind, p) for p in ("exact", "dong")},
        "site_color": styles.SITE_COLOR,
        "conflict_color": styles.CONFLICT_COLOR,
        "grid_color": styles.GRID_COLOR,
        "selected": styles.SELECTED_STYLE,
        "search": {"circle": styles.SEARCH_CIRCLE_STYLE, "centre": styles.SEARCH_CENTRE_STYLE},
    }


def last_report(key: str) -> dict:
    """What the map under ``key`` last reported (view, size, held payloads, click, spot),
    or {}.

    ``click`` is ``{"id": public_id, "seq": token}`` of the last resource clicked, ``spot``
    ``{"lon", "lat", "seq"}`` of the last empty spot clicked (maps with ``click_spots``);
    ``seq`` is new for every click, so a page tells a new click from one it handled.
    """
    import streamlit as st

    value = st.session_state.get(key)
    return value if isinstance(value, dict) else {}


def explorer_map(
    *,
    key: str,
    outlines: str,
    data: dict,
    data_id: str,
    focus: tuple[str, tuple[float, float, float, float]],
    extent: tuple[float, float, float, float],
    district: str | None,
    legend: list[dict],
    texts: dict[str, str],
    sites: dict,
    conflicts: dict,
    attribution: str,
    lang: str,
    online: bool = False,
    height: int = 520,
) -> dict:
    """Draw (or update) the map; return its last report (see :func:`last_report`).

    Parameters
    ----------
    key
        Widget key: the map's identity, kept across reruns (the iframe is not reloaded).
    outlines
        File name from :func:`publish_outlines` (``{"districts": ..., "dongs": ...}``).
    data, data_id
        Resources of the view (:mod:`layers.mapdata`: ``mode``, ``rows``, ``bbox``) and
        their :func:`layers.mapdata.payload_id`; not sent when the browser holds them.
    focus
        ``(id, bounds)``: the map fits ``bounds`` whenever ``id`` changes.
    extent
        The box everything the filter can show lies in (the district's or Seoul's).
    district
        Code of the district drawn highlighted, if any.
    legend
        :func:`layers.mapdata.legend`: kinds with label, colour and count.
    texts
        Layer names and legend notes in the interface language (``districts``, ``dongs``,
        ``sites``, ``conflicts``, ``grid``, ``dong_short``).
    sites, conflicts
        Small GeoJSON layers (:func:`layers.mapdata.shapes`), hidden until chosen.
    online
        OpenStreetMap tiles underneath (needs internet; off by default).
    """
    return _draw(
        key=key,
        outlines=outlines,
        data=data,
        data_id=data_id,
        focus={"id": focus[0], "bounds": list(focus[1])},
        extent=list(extent),
        district=district,
        legend=legend,
        texts=texts,
        sites=sites,
        conflicts=conflicts,
        attribution=attribution,
        lang=lang,
        online=bool(online),
        height=int(height),
    )


#: The nearby page's markers are larger than the explorer's (few of them, tapped on phones).
NEARBY_MARKER_RADIUS = 7


def nearby_map(
    *,
    key: str,
    outlines: str,
    data: dict,
    data_id: str,
    search: dict,
    selected: str | None,
    legend: list[dict],
    texts: dict[str, str],
    attribution: str,
    lang: str,
    height: int = 460,
) -> dict:
    """The nearby page's map: search centre and radius, the results, the chosen one ringed.

    The view fits the search circle whenever the centre or radius changes. A click on a
    result reports its ``click``; a click on an empty spot reports a ``spot`` (the page's
    new search centre). Returns the last report (see :func:`last_report`).

    Parameters
    ----------
    data, data_id
        The results (:func:`layers.mapdata.hit_points`) and their payload id.
    search
        ``lon``, ``lat``, ``radius`` (metres), ``label`` (the centre's tooltip) and
        ``circle_label`` (the circle's).
    selected
        ``public_id`` of the result drawn ringed, its popup open when it changes.
    legend
        :func:`layers.mapdata.legend` with ``only_counted``: the kinds among the results.
    texts
        ``districts``, ``dongs``, ``dong_short``, ``grid`` and ``legend`` (the legend's title).
    """
    lat_pad, lon_pad = search["radius"] / 110_540, search["radius"] / 88_250
    box = [
        search["lon"] - lon_pad,
        search["lat"] - lat_pad,
        search["lon"] + lon_pad,
        search["lat"] + lat_pad,
    ]
    return _draw(
        key=key,
        outlines=outlines,
        data=data,
        data_id=data_id,
        focus={"id": f"{search['lon']:.6f},{search['lat']:.6f},{search['radius']}", "bounds": box},
        legend=legend,
        texts=texts,
        attribution=attribution,
        lang=lang,
        height=int(height),
        search=search,
        selected=selected,
        click_spots=True,
        marker_radius=NEARBY_MARKER_RADIUS,
    )


#: How a choropleth's areas are drawn (their borders, the fills' opacity, on hover).
AREA_STYLE = {"color": "#555555", "weight": 0.5, "fillOpacity": 0.8}
AREA_HOVER = {"color": "#000000", "weight": 2}
#: A shape over a choropleth: the walking-distance reach of the coverage page's gap map.
OUTLINE_STYLE = {"color": "#E69F00", "weight": 1.5, "fillColor": "#E69F00", "fillOpacity": 0.15}


def area_payload(
    codes: Sequence[str],
    classes: Classification | Sequence[str],
    tips: Sequence[Sequence[str]],
) -> dict:
    """What a choropleth's rerun sends: a fill colour and a tooltip row per area code.

    Parameters
    ----------
    codes
        Area codes (district or dong), in the order of the classified values.
    classes
        The classes of the values: each area gets its class's colour, an area without a
        value :data:`layers.choropleth.NO_DATA_COLOR` (:func:`choropleth.fill_colors`);
        or the colour of each area itself (e.g. of its gap class).
    tips
        One row of tooltip values per area (same order), shown beside the tooltip labels.

    Returns
    -------
    dict
        ``{"fills": {code: colour}, "tips": {code: [text, ...]}}``.
    """
    if isinstance(classes, Classification):
        colors = choropleth.fill_colors(classes)
    else:
        colors = [str(c) for c in classes]
    codes = [str(c) for c in codes]
    if not len(codes) == len(colors) == len(tips):
        raise ValueError("one colour and one tooltip row per area code")
    return {
        "fills": dict(zip(codes, colors, strict=True)),
        "tips": {c: [str(v) for v in row] for c, row in zip(codes, tips, strict=True)},
    }


def area_map(
    *,
    key: str,
    outlines: str,
    level: str,
    areas: dict,
    tip_labels: Sequence[str],
    texts: dict[str, str],
    attribution: str,
    lang: str,
    outline: dict | None = None,
    height: int = 520,
) -> None:
    """A choropleth: the ``level``'s areas (``"district"`` or ``"dong"``) of the outlines
    file filled with :func:`area_payload`'s colours, a tooltip per area, district names.

    The view fits Seoul when the level changes (the first draw included) and is kept when
    only the colours change. The map never reports back (it reruns nothing).

    Parameters
    ----------
    tip_labels
        The labels of the tooltip rows' values.
    texts
        Layer names: ``districts``, ``dongs``, ``areas`` (the metric), ``outline``.
    outline
        A small GeoJSON shape drawn lightly over the areas (the gap map's walking-distance
        reach, :data:`OUTLINE_STYLE`), or None.
    """
    _draw(
        key=key,
        outlines=outlines,
        data=None,
        data_id="",
        focus={"id": f"areas-{level}", "bounds": list(SEOUL_BOUNDS)},
        legend=[],
        texts=texts,
        attribution=attribution,
        lang=lang,
        height=int(height),
        areas={
            "level": level,
            "fills": areas["fills"],
            "tips": areas["tips"],
            "no_data": choropleth.NO_DATA_COLOR,
            "labels": list(tip_labels),
            "style": AREA_STYLE,
            "hover": AREA_HOVER,
            "outline": outline,
            "outline_style": OUTLINE_STYLE,
        },
    )


#: What a map leaves out unless it says otherwise: all of Seoul, no district highlighted, no
#: program sites or conflicts, no online basemap (the nearby and coverage maps).
_PLAIN = {
    "extent": list(SEOUL_BOUNDS),
    "district": None,
    "sites": None,
    "conflicts": None,
    "online": False,
}


def _draw(*, key: str, data: dict | None, data_id: str, **args: Any) -> dict:
    """Send one run's arguments (over :data:`_PLAIN`) to the map under ``key`` (the
    resources only when the browser does not hold ``data_id``); return its last report."""
    held = set(last_report(key).get("have") or [])
    value = _component(
        **(_PLAIN | args),
        data=None if data_id in held else data,
        data_id=data_id,
        styles=_styles(),
        tiles={"url": OSM_TILES, "attribution": OSM_ATTRIBUTION},
        key=key,
        default=None,
    )
    return value if isinstance(value, dict) else {}
