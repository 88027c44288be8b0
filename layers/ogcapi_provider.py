"""pygeoapi's PostgreSQL feature provider, with a bbox filter an index can serve.

Two changes to pygeoapi 0.21's provider, both measured in docs/benchmarks.md (scale out):

- It asks pyproj for the EPSG code of the storage CRS (``CRS84``) on every bbox request
  (``CRS.to_epsg``, a search through PROJ's database that finds none and falls back to
  4326): more than half of a request's CPU. The answer depends only on the configured
  storage CRS, so :func:`storage_srid` computes it once per process.
- Its bbox filter is ``ST_Intersects(box, geom)`` on the geometry, and the public
  resources' geometry (``resources_public.geom`` is ``pub_geom``) has no geometry index,
  only a geography one (``ix_resources_pub_geog``, which the public nearby search and map
  box use; migration 0014 dropped the geometry index nobody used). The filter adds the
  geography box test that index serves, and keeps the exact geometry test, as the map
  box filter of :mod:`geo.queries` does. Both the page and its ``numberMatched`` count
  were sequential scans of ``resources`` before.

:mod:`layers.ogcapi` names this class in pygeoapi's config (a dotted provider name).
"""

from __future__ import annotations

from functools import lru_cache

import sqlalchemy as sa
from geoalchemy2.functions import ST_Intersects, ST_MakeEnvelope
from pygeoapi.provider.sql import PostgreSQLProvider as _PostgreSQLProvider
from pygeoapi.util import get_crs_from_uri


@lru_cache(maxsize=16)
def storage_srid(uri: str) -> int:
    """The PostGIS SRID of a storage CRS URI (4326 when it has no EPSG code, e.g. CRS84)."""
    return get_crs_from_uri(uri).to_epsg() or 4326


def has_geography_box(bbox: list[float], srid: int) -> bool:
    """Whether a bbox has a geography form: lon/lat, less than a hemisphere wide."""
    w, s, e, n = bbox
    return srid == 4326 and -180 <= w < e <= 180 and -90 <= s < n <= 90 and e - w < 180


def bbox_filter(geom: sa.ColumnElement, bbox: list[float], srid: int) -> sa.ColumnElement:
    """Rows of ``geom`` meeting ``bbox``: the geography box test the public geography index
    serves (``geography(pub_geom)``, the very expression of ``ix_resources_pub_geog``; a
    cast with a type modifier would not match it), then the exact geometry test."""
    envelope = ST_MakeEnvelope(*bbox, srid)
    exact = ST_Intersects(envelope, geom)
    if not has_geography_box(bbox, srid):
        return exact  # a box of a hemisphere or more: no index helps anyway
    return sa.and_(sa.func.geography(geom).op("&&")(sa.func.geography(envelope)), exact)


class PostgreSQLProvider(_PostgreSQLProvider):
    """pygeoapi's provider: SRID looked up once, bbox served by the geography index."""

    def _get_bbox_filter(self, bbox: list[float]):
        if not bbox:
            return True  # no bbox: every row
        return bbox_filter(
            getattr(self.table_model, self.geom), bbox, storage_srid(self.storage_crs)
        )
