"""Serve the public layers read-only as OGC API - Features, with pygeoapi over the same PostGIS.

:func:`config` builds pygeoapi's configuration from the atlas's own layer list: resources
come from the ``resources_public`` view only (people at their dong's label point, no address
or contact, no staff-only records), the other layers from their public tables. No password is
written to disk: the config names an environment variable that :func:`serve` sets. See
docs/ogcapi.md for starting it (``make ogcapi``) and connecting from QGIS.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy.engine import make_url

from geo.db import check_ready
from geo.exports import EXPORT_CRS, LAYERS
from geo.reference import SEOUL_BOUNDS, attribution
from geo.settings import load_settings

#: Environment variable holding the database password for pygeoapi's config.
PASSWORD_ENV = "MAEUL_OGCAPI_PGPASSWORD"
CONFIG_NAME = "pygeoapi-config.yml"
OPENAPI_NAME = "pygeoapi-openapi.yml"
_CRS_URI = "http://www.opengis.net/def/crs/EPSG/0/{}"
_CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
_NGII_URL = "https://www.ngii.go.kr/"


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
        "id",
        (
            "kind",
            "category",
            "name",
            "description",
            "address",
            "contact",
            "location_generalised",
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


def config(*, host: str, port: int, database_url: str | None = None) -> dict:
    """pygeoapi's configuration for the public layers (password left to the environment)."""
    data = _connection(database_url or load_settings().database_url)
    crs = [_CRS84, *(_CRS_URI.format(c) for c in EXPORT_CRS)]
    resources = {}
    for name, col in COLLECTIONS.items():
        ko, en = LAYERS[name].label
        resources[name] = {
            "type": "collection",
            "title": {"ko": ko, "en": en},
            "description": {
                "ko": f"마을 아틀라스 {ko} (공개, 읽기 전용)",
                "en": f"Maeul Atlas {en.lower()} (public, read-only)",
            },
            "keywords": ["Seoul", "서울", "마을공동체", name],
            "extents": {"spatial": {"bbox": list(SEOUL_BOUNDS), "crs": _CRS84}},
            "providers": [
                {
                    "type": "feature",
                    "name": "PostgreSQL",
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
            "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "attribution": ""},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": {"ko": "마을 아틀라스 공개 레이어", "en": "Maeul Atlas public layers"},
                "description": {
                    "ko": "서울 마을공동체 자원·지원사업·공공갈등 (읽기 전용). "
                    + attribution("ko"),
                    "en": "Seoul village-community resources, programs and conflicts "
                    "(read-only). " + attribution("en"),
                },
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
    workdir: Path, *, host: str, port: int, database_url: str | None = None
) -> tuple[Path, Path]:
    """Write the config and its OpenAPI document into ``workdir``; return both paths."""
    from pygeoapi.openapi import generate_openapi_document

    url = database_url or load_settings().database_url
    workdir.mkdir(parents=True, exist_ok=True)
    cfg_path = workdir / CONFIG_NAME
    cfg_path.write_text(
        yaml.safe_dump(config(host=host, port=port, database_url=url), allow_unicode=True),
        encoding="utf-8",
    )
    os.environ[PASSWORD_ENV] = make_url(url).password or ""
    openapi_path = workdir / OPENAPI_NAME
    openapi_path.write_text(generate_openapi_document(cfg_path, "yaml"), encoding="utf-8")
    return cfg_path, openapi_path


def serve(*, host: str = "127.0.0.1", port: int = 5000, workdir: Path | None = None) -> None:
    """Check the database, write the config and run pygeoapi on ``host:port`` until stopped."""
    check_ready()
    workdir = workdir or Path(tempfile.gettempdir(), "maeul-ogcapi")
    cfg_path, openapi_path = write_config(workdir, host=host, port=port)
    os.environ["PYGEOAPI_CONFIG"] = str(cfg_path.resolve())
    os.environ["PYGEOAPI_OPENAPI"] = str(openapi_path.resolve())
    from pygeoapi.flask_app import APP  # reads the two variables when imported

    print(f"OGC API - Features: http://{host}:{port}/collections", flush=True)
    APP.run(host=host, port=port, threaded=True, use_reloader=False, debug=False)
