"""pygeoapi's PostgreSQL feature provider with its per-request CRS lookup done once.

pygeoapi 0.21's provider asks pyproj for the EPSG code of the storage CRS (``CRS84``) on
every bbox request (``CRS.to_epsg``, a search through PROJ's database that finds none and
falls back to 4326): more than half of a request's CPU. The answer depends only on the
configured storage CRS, so :func:`storage_srid` computes it once per process.
:mod:`layers.ogcapi` names this class in pygeoapi's config (a dotted provider name).
"""

from __future__ import annotations

from functools import lru_cache

from geoalchemy2.functions import ST_Intersects, ST_MakeEnvelope
from pygeoapi.provider.sql import PostgreSQLProvider as _PostgreSQLProvider
from pygeoapi.util import get_crs_from_uri


@lru_cache(maxsize=16)
def storage_srid(uri: str) -> int:
    """The PostGIS SRID of a storage CRS URI (4326 when it has no EPSG code, e.g. CRS84)."""
    return get_crs_from_uri(uri).to_epsg() or 4326


class PostgreSQLProvider(_PostgreSQLProvider):
    """pygeoapi's provider, with the storage SRID of the bbox filter looked up once."""

    def _get_bbox_filter(self, bbox: list[float]):
        if not bbox:
            return True  # no bbox: every row
        envelope = ST_MakeEnvelope(*bbox, storage_srid(self.storage_crs))
        return ST_Intersects(envelope, getattr(self.table_model, self.geom))
