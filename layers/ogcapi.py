"""Serve the public layers read-only as OGC API - Features, with pygeoapi over the same PostGIS.

:func:`config` builds pygeoapi's configuration from the atlas's own layer list: resources
come from the ``resources_public`` view only (people at their dong's label point, no address
or contact, no staff-only records), the other layers from their public tables. No password is
written to disk: the config names an environment variable that :func:`serve` sets.

pygeoapi's own HTML pages (``?f=html``) take Leaflet, Bootstrap and Swagger UI from CDNs and
an OpenStreetMap basemap; :func:`offline_pages` points them at the files the project
vendors and at a blank local basemap, so the pages work with no internet like the app. See
docs/ogcapi.md for starting it (``make ogcapi``) and connecting from QGIS.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy.engine import make_url

from geo.db import check_ready, libpq_args
from geo.messages import Msg, Pair
from geo.reference import SEOUL_BOUNDS, attribution
from geo.settings import handed_on, load_settings
from layers.export.read import EXPORT_CRS, LAYERS

#: pygeoapi's PostgreSQL provider, with its per-request CRS lookup done once.
PROVIDER = "layers.ogcapi_provider.PostgreSQLProvider"
#: Threads per gunicorn worker: a request waits on PostgreSQL part of its time.
THREADS = 4
#: Environment variable holding the database password for pygeoapi's config.
PASSWORD_ENV = "MAEUL_OGCAPI_PGPASSWORD"
CONFIG_NAME = "pygeoapi-config.yml"
OPENAPI_NAME = "pygeoapi-openapi.yml"
_CRS_URI = "http://www.opengis.net/def/crs/EPSG/0/{}"
_CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
_NGII_URL = "https://www.ngii.go.kr/"
_OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
_OSM_ATTRIBUTION = "&copy; OpenStreetMap contributors"

VENDOR_DIR = Path(__file__).resolve().parent.parent / "static" / "vendor"
#: Where the service serves ``static/vendor`` and its blank basemap tile.
VENDOR_URL = "/_maeul/vendor"
BLANK_TILE_URL = "/_maeul/blank-tile.png"

_UNPKG = "https://unpkg.com"
#: Dispatch table: asset URL in pygeoapi 0.21's templates -> file under ``static/vendor``.
#: Leaflet 1.9 stands in for pygeoapi's 1.3 and Bootstrap 5.2 for 5.1 (same APIs used).
PAGE_ASSETS: dict[str, str] = {
    f"{_UNPKG}/bootstrap@5.1.3/dist/css/bootstrap.min.css": "bootstrap/css/bootstrap.min.css",
    f"{_UNPKG}/leaflet@1.3.1/dist/leaflet.css": "leaflet/leaflet.css",
    f"{_UNPKG}/leaflet@1.3.1/dist/leaflet.js": "leaflet/leaflet.js",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet/1.3.1/leaflet.js": "leaflet/leaflet.js",
    f"{_UNPKG}/leaflet.markercluster/dist/MarkerCluster.css": "markercluster/MarkerCluster.css",
    f"{_UNPKG}/leaflet.markercluster/dist/MarkerCluster.Default.css": (
        "markercluster/MarkerCluster.Default.css"
    ),
    f"{_UNPKG}/leaflet.markercluster/dist/leaflet.markercluster-src.js": (
        "markercluster/leaflet.markercluster.js"
    ),
    **{
        f"{_UNPKG}/swagger-ui-dist/{name}": f"swagger-ui/{name}"
        for name in (
            "swagger-ui.css",
            "swagger-ui-bundle.js",
            "swagger-ui-standalone-preset.js",
            "favicon-16x16.png",
            "favicon-32x32.png",
        )
    },
}
# Any other script, stylesheet or icon from another host (used by pages this service does not
# offer, such as EDR, coverages, tiles, STAC, ReDoc, and an IE-only shim) is dropped.
_ASSET_TAG = re.compile(
    r"<(?:script|link)\b[^>]*?\b(?:src|href)\s*=\s*[\"']((?:https?:)?//[^\"']*)[\"'][^>]*>"
    r"(?:\s*</script>)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Collection:
    """One published collection: the relation it reads and the properties it shows."""

    table: str
    id_field: str
    properties: tuple[str, ...]
    title_field: str


#: Collection id -> what it serves. Only public relations (resources only via the view;
#: sites and cases via the views without retired records).
COLLECTIONS: dict[str, Collection] = {
    "resources": Collection(
        "resources_public",
        "public_id",
        (
            "kind",
            "category",
            "name",
            "description",
            "address",
            "contact",
            "location_generalised",
            "location_precision",
            "district_code",
            "dong_code",
            "source",
            "is_demo",
        ),
        "name",
    ),
    "program_sites": Collection(
        "active_program_sites",
        "id",
        (
            "name",
            "program_no",
            "stage",
            "year",
            "grant_mkrw",
            "district_code",
            "dong_code",
            "is_demo",
        ),
        "name",
    ),
    "conflict_cases": Collection(
        "active_conflict_cases",
        "id",
        (
            "title",
            "city_project",
            "department",
            "conflict_type",
            "stage",
            "severity",
            "stakeholders",
            "opened_on",
            "closed_on",
            "district_code",
            "dong_code",
            "is_demo",
        ),
        "title",
    ),
    "districts": Collection("districts", "code", ("name_ko", "name_en", "area_km2"), "name_ko"),
    "dongs": Collection(
        "dongs", "code", ("name_ko", "district_code", "area_km2"), "name_ko"
    ),  # label_point (a second geometry) is not published
}


def _both(key: str, **params: object) -> dict[str, str]:
    """A catalog message as pygeoapi's per-language value."""
    msg = Msg(key, **params)
    return {"ko": msg.text("ko"), "en": msg.text("en")}


def _connection(database_url: str) -> dict:
    url = make_url(database_url)
    return {
        "host": url.host or "127.0.0.1",
        "port": url.port or 5432,
        "dbname": url.database,
        "user": url.username,
        "password": f"${{{PASSWORD_ENV}:-}}",
        "search_path": ["public"],
    }


def config(
    *, host: str, port: int, database_url: str | None = None, online_tiles: bool = False
) -> dict:
    """pygeoapi's configuration for the public layers (password left to the environment).

    Reads go to ``DATABASE_READ_URL`` when a replica is configured (the service only
    reads). ``online_tiles`` puts OpenStreetMap under the HTML pages' maps (needs the internet);
    by default they draw on a blank local tile.
    """
    data = _connection(database_url or load_settings().database_read_url)
    crs = [_CRS84, *(_CRS_URI.format(c) for c in EXPORT_CRS)]
    resources = {}
    for name, col in COLLECTIONS.items():
        ko, en = LAYERS[name].label
        resources[name] = {
            "type": "collection",
            "title": {"ko": ko, "en": en},
            "description": _both("ogcapi.collection", layer=Pair(ko, en.lower())),
            "keywords": ["Seoul", "서울", "마을공동체", name],
            "extents": {"spatial": {"bbox": list(SEOUL_BOUNDS), "crs": _CRS84}},
            "providers": [
                {
                    "type": "feature",
                    "name": PROVIDER,
                    "data": data,
                    "table": col.table,
                    "id_field": col.id_field,
                    "geom_field": "geom",
                    "title_field": col.title_field,
                    "properties": list(col.properties),
                    "crs": crs,
                    "storage_crs": _CRS84,
                }
            ],
        }
    url = f"http://{host}:{port}"
    return {
        "server": {
            "bind": {"host": host, "port": port},
            "url": url,
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "languages": ["ko-KR", "en-US"],
            "pretty_print": False,
            "limits": {"default_items": 100, "max_items": 10000},
            # Only pygeoapi's own HTML pages use this; QGIS and JSON clients never do.
            "map": (
                {"url": _OSM_TILES, "attribution": _OSM_ATTRIBUTION}
                if online_tiles
                else {"url": BLANK_TILE_URL, "attribution": ""}
            ),
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": _both("ogcapi.title"),
                "description": _both(
                    "ogcapi.description", boundaries=Pair(attribution("ko"), attribution("en"))
                ),
                "keywords": ["Seoul", "village community", "마을공동체"],
                "keywords_type": "theme",
                "terms_of_service": _NGII_URL,
                "url": url,
            },
            # pygeoapi requires URLs here: the boundary data's publisher (NGII).
            "license": {"name": attribution("en"), "url": _NGII_URL},
            "provider": {"name": "Maeul Atlas (마을 아틀라스)"},
            "contact": {"name": "Maeul Atlas"},
        },
        "resources": resources,
    }


def write_config(
    workdir: Path,
    *,
    host: str,
    port: int,
    database_url: str | None = None,
    online_tiles: bool = False,
) -> tuple[Path, Path]:
    """Write the config and its OpenAPI document into ``workdir``; return both paths."""
    from pygeoapi.openapi import generate_openapi_document

    url = database_url or load_settings().database_read_url
    workdir.mkdir(parents=True, exist_ok=True)
    cfg_path = workdir / CONFIG_NAME
    cfg_path.write_text(
        yaml.safe_dump(
            config(host=host, port=port, database_url=url, online_tiles=online_tiles),
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    os.environ[PASSWORD_ENV] = make_url(url).password or ""
    # No password in the URL: pygeoapi's libpq reads the app's password file (if any).
    if "passfile" in libpq_args():
        os.environ["PGPASSFILE"] = libpq_args()["passfile"]
    openapi_path = workdir / OPENAPI_NAME
    openapi_path.write_text(generate_openapi_document(cfg_path, "yaml"), encoding="utf-8")
    return cfg_path, openapi_path


def localize_page(html: str, *, own: tuple[str, ...] = ()) -> str:
    """Point a pygeoapi HTML page's CDN assets at ``static/vendor``; drop any other.

    Parameters
    ----------
    html : str
        A page as pygeoapi rendered it.
    own : tuple of str
        This service's base URLs (e.g. ``http://127.0.0.1:5000/``): tags pointing there stay.

    Returns
    -------
    str
        The page with every :data:`PAGE_ASSETS` URL served locally under :data:`VENDOR_URL`
        and no other ``<script>``/``<link>`` that names another host.
    """
    for cdn, local in PAGE_ASSETS.items():
        html = html.replace(cdn, f"{VENDOR_URL}/{local}")

    def keep_own(match: re.Match) -> str:
        return match[0] if match[1].startswith(own) else ""

    return _ASSET_TAG.sub(keep_own, html)


def _blank_tile() -> bytes:
    """A 256 px PNG tile in the maps' background colour (the offline basemap)."""
    import io

    from PIL import Image

    from layers.styles import BACKGROUND

    out = io.BytesIO()
    Image.new("RGB", (256, 256), BACKGROUND).save(out, format="PNG")
    return out.getvalue()


def offline_pages(app, base_url: str) -> None:
    """Make pygeoapi's Flask ``app`` serve its HTML pages with no request leaving the host.

    ``base_url`` is the service's URL in its config (``server.url``).

    Adds :data:`VENDOR_URL` (files from ``static/vendor``) and :data:`BLANK_TILE_URL`, and
    rewrites every HTML response with :func:`localize_page`.
    """
    from flask import Response, request, send_from_directory
    from werkzeug.datastructures import Headers

    tile = _blank_tile()

    def vendor(name: str):
        return send_from_directory(VENDOR_DIR, name, max_age=86400)

    def blank_tile():
        return Response(tile, mimetype="image/png", headers={"Cache-Control": "max-age=86400"})

    def localize(response):
        # pygeoapi replaces the headers with a plain dict, which Flask's helpers cannot read.
        response.headers = Headers(response.headers)
        if response.mimetype == "text/html" and not response.direct_passthrough:
            own = (request.host_url, base_url)
            response.set_data(localize_page(response.get_data(as_text=True), own=own))
        return response

    app.add_url_rule(f"{VENDOR_URL}/<path:name>", "maeul_vendor", vendor)
    app.add_url_rule(BLANK_TILE_URL, "maeul_blank_tile", blank_tile)
    app.after_request(localize)


def wsgi_app():
    """pygeoapi's Flask app for the config :func:`write_config` wrote (named by the
    ``PYGEOAPI_*`` variables), serving its HTML pages offline; the WSGI entry of the
    server's workers."""
    from pygeoapi.flask_app import APP  # reads PYGEOAPI_CONFIG and PYGEOAPI_OPENAPI

    offline_pages(APP, handed_on(BASE_URL_ENV))
    return APP


#: Environment variable holding the service's own URL (for :func:`offline_pages`).
BASE_URL_ENV = "MAEUL_OGCAPI_BASE_URL"


def _close_connections() -> None:
    """Close every pooled database connection of this process (the readiness check's, and
    those pygeoapi opened to describe the tables for the OpenAPI document): a connection
    inherited by several forked workers would carry their messages mixed up."""
    import gc

    from sqlalchemy.engine import Engine

    for obj in gc.get_objects():
        if isinstance(obj, Engine):
            obj.dispose()


def _gunicorn(host: str, port: int, workers: int) -> None:
    """Run :func:`wsgi_app` under gunicorn: ``workers`` processes of :data:`THREADS`
    threads each, until stopped (Ctrl+C or SIGTERM)."""
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self) -> None:
            options = {
                "bind": f"{host}:{port}",
                "workers": workers,
                "worker_class": "gthread",
                "threads": THREADS,
                "timeout": 120,
                "keepalive": 5,
                # A worker is replaced after this many requests: memory cannot creep.
                "max_requests": 20000,
                "max_requests_jitter": 2000,
                "accesslog": None,
                "loglevel": "warning",
                "proc_name": "maeul-ogcapi",
            }
            for key, value in options.items():
                self.cfg.set(key, value)
            _close_connections()  # before the workers fork

        def load(self):
            return wsgi_app()

    Server().run()


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 5000,
    workdir: Path | None = None,
    online_tiles: bool = False,
    workers: int | None = None,
    dev: bool = False,
) -> None:
    """Check the database, write the config and serve pygeoapi on ``host:port`` until
    stopped: under gunicorn with ``workers`` processes (default ``MAEUL_OGCAPI_WORKERS``,
    one per core), or with ``dev`` on Flask's development server (one process).

    Its HTML pages use only files served by itself, on a blank basemap unless
    ``online_tiles`` (OpenStreetMap, needs the internet).
    """
    check_ready()
    workdir = workdir or Path(tempfile.gettempdir(), "maeul-ogcapi")
    cfg_path, openapi_path = write_config(workdir, host=host, port=port, online_tiles=online_tiles)
    os.environ["PYGEOAPI_CONFIG"] = str(cfg_path.resolve())
    os.environ["PYGEOAPI_OPENAPI"] = str(openapi_path.resolve())
    os.environ[BASE_URL_ENV] = f"http://{host}:{port}/"
    workers = workers or load_settings().ogcapi_workers
    server = "Flask development server" if dev else f"gunicorn, {workers} workers"
    print(f"OGC API - Features: http://{host}:{port}/collections ({server})", flush=True)
    if dev:
        wsgi_app().run(host=host, port=port, threaded=True, use_reloader=False, debug=False)
    else:
        _gunicorn(host, port, workers)


#: The command's one line of help (``maeul --help`` lists it too).
HELP = "serve the public layers as OGC API - Features"


def add_command(sub: argparse._SubParsersAction) -> Callable[[argparse.Namespace], None]:
    """Add ``ogcapi`` to ``sub`` (``maeul ogcapi``, ``python -m layers ogcapi``); returns
    the function that runs it."""
    p = sub.add_parser("ogcapi", help=HELP)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--workdir", help="where the config and OpenAPI go (default: a temp dir)")
    p.add_argument(
        "--online-tiles",
        action="store_true",
        help="OpenStreetMap under the HTML pages' maps (needs the internet; default: none)",
    )
    p.add_argument(
        "--workers", type=int, help="gunicorn processes (default MAEUL_OGCAPI_WORKERS: cores)"
    )
    p.add_argument(
        "--dev", action="store_true", help="Flask's development server instead of gunicorn"
    )

    def run(args: argparse.Namespace) -> None:
        serve(
            host=args.host,
            port=args.port,
            workdir=Path(args.workdir) if args.workdir else None,
            online_tiles=args.online_tiles,
            workers=args.workers,
            dev=args.dev,
        )

    return run
