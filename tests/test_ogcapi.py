"""The OGC API - Features service: real pygeoapi on a free loopback port, real PostGIS."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import shapely
import sqlalchemy as sa

from layers.ogcapi import COLLECTIONS, PAGE_ASSETS, VENDOR_DIR, VENDOR_URL, localize_page
from tests.browser import ARTIFACTS, MapPageResult, free_port, offline_page, recording_proxy
from tests.conftest import add_resources

ROOT = Path(__file__).resolve().parent.parent
SOURCE = "test-ogcapi"
PERSON = ("테스트 공개API 작가", (126.9045, 37.5560), "010-5555-1234")  # 망원동, Mapo-gu
HIDDEN = ("테스트 공개API 비공개실", (126.9050, 37.5565))


@pytest.fixture(scope="module")
def people(engine, module_cleanup):
    """A person with a contact and a staff-only room, removed afterwards."""
    module_cleanup.source(SOURCE)
    module_cleanup.run()  # what an interrupted run left
    rows = (
        ("human", "artist", PERSON[0], PERSON[2], PERSON[1], "public"),
        ("space", "hall", HIDDEN[0], "02-1", HIDDEN[1], "staff"),
    )
    with engine.begin() as conn:
        add_resources(
            conn,
            SOURCE,
            [
                dict(kind=k, category=c, name=n, contact=ct, visibility=v, lon=x, lat=y)
                | {"address": "서울특별시 마포구 망원동 9"}
                for k, c, n, ct, (x, y), v in rows
            ],
        )


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read().decode("utf-8"))


@pytest.fixture(scope="module")
def outbound():
    """A recording proxy as the service's only way out: (its environment, what it saw)."""
    with recording_proxy() as proxy:
        yield proxy


@pytest.fixture(scope="module")
def service(db_url, people, outbound, tmp_path_factory):
    """``python -m layers ogcapi`` on a free 127.0.0.1 port; yields its base URL."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "layers", "ogcapi", "--port", str(port),
         "--workdir", str(tmp_path_factory.mktemp("ogcapi"))],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": db_url, **outbound[0]},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # until it answers, or it stops
            if proc.poll() is not None:
                pytest.fail(f"ogcapi exited: {proc.stdout.read().decode()}", pytrace=False)
            try:
                _get(f"{base}/conformance?f=json")
                break
            except OSError:
                time.sleep(0.2)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait()


def test_collections_are_the_public_layers(service):
    ids = {c["id"] for c in _get(f"{service}/collections?f=json")["collections"]}
    assert ids == set(COLLECTIONS)


def test_people_appear_only_generalised_and_without_contact(service, engine):
    items = _get(f"{service}/collections/resources/items?f=json&source={SOURCE}&limit=50")
    names = [f["properties"]["name"] for f in items["features"]]
    assert names == [PERSON[0]]  # the staff-only room is not served
    person = items["features"][0]
    assert person["properties"]["contact"] is None
    assert person["properties"]["address"] is None
    assert person["properties"]["location_generalised"] is True
    point = shapely.geometry.shape(person["geometry"])
    with engine.connect() as conn:
        label = conn.execute(
            sa.text("SELECT ST_AsText(label_point) FROM dongs WHERE name_ko = '망원동'")
        ).scalar_one()
    assert point.distance(shapely.Point(PERSON[1])) > 0.0005  # >50 m from where they are
    assert point.distance(shapely.from_wkt(label)) < 1e-9  # their dong's label point
    raw = urllib.request.urlopen(
        f"{service}/collections/resources/items?f=json&kind=human&limit=10000", timeout=60
    ).read()
    assert PERSON[2].encode() not in raw and b"@example.org" not in raw  # no contact at all


def test_items_of_a_layer_match_the_database_and_a_korean_crs(service, engine):
    with engine.connect() as conn:
        n = conn.execute(sa.text("SELECT count(*) FROM dongs WHERE district_code = '11440'"))
        n = n.scalar_one()
    items = _get(f"{service}/collections/dongs/items?f=json&district_code=11440&limit=1000")
    assert items["numberMatched"] == n == len(items["features"])
    assert {"망원동", "상암동"} <= {f["properties"]["name_ko"] for f in items["features"]}
    crs = "http://www.opengis.net/def/crs/EPSG/0/5186"
    one = _get(f"{service}/collections/districts/items/11440?f=json&crs={crs}")
    minx, miny, maxx, maxy = shapely.geometry.shape(one["geometry"]).bounds
    # EPSG:5186 in its own axis order (northing, easting), metres around Mapo-gu
    assert 540_000 < minx < maxx < 560_000 and 180_000 < miny < maxy < 200_000


def test_every_page_asset_has_a_vendored_copy():
    """Each CDN file pygeoapi's pages name is served from static/vendor, nothing else remains."""
    import pygeoapi

    assert all((VENDOR_DIR / local).is_file() for local in PAGE_ASSETS.values())
    templates = Path(pygeoapi.__file__).parent / "templates"
    for name in ("_base.html", "collections/items/index.html", "openapi/swagger.html"):
        page = localize_page((templates / name).read_text(encoding="utf-8"))
        assert "unpkg.com" not in page and "cdnjs" not in page, name
    swagger = localize_page((templates / "openapi/swagger.html").read_text(encoding="utf-8"))
    assert f'src="{VENDOR_URL}/swagger-ui/swagger-ui-bundle.js"' in swagger


def _offline(url: str, name: str, ready_js: str) -> tuple[int, MapPageResult]:
    """Open ``url`` in Chromium that reaches only loopback; wait until ``ready_js`` > 0."""
    result = MapPageResult(url=url, screenshot=ARTIFACTS / f"{name}.png")
    with offline_page(result) as page:
        page.goto(url, wait_until="domcontentloaded", timeout=60_000)
        try:
            page.wait_for_function(ready_js, timeout=60_000)
        finally:
            page.screenshot(path=result.screenshot, full_page=True)
        return page.evaluate(ready_js), result


def test_html_pages_work_with_no_internet(service, engine):
    """Items on a map and the API explorer, drawn from files the service serves itself."""
    with engine.connect() as conn:
        n = conn.execute(sa.text("SELECT count(*) FROM dongs WHERE district_code = '11440'"))
        n = n.scalar_one()
    drawn, items = _offline(
        f"{service}/collections/dongs/items?f=html&district_code=11440&limit=1000",
        "ogcapi_items",
        "() => document.querySelectorAll('.leaflet-overlay-pane path').length",
    )
    assert drawn == n  # every Mapo-gu dong outlined on the map
    operations, api = _offline(
        f"{service}/openapi?f=html",
        "ogcapi_openapi",
        "() => document.querySelectorAll('.swagger-ui .opblock').length",
    )
    assert operations > 0
    for page in (items, api):
        assert page.blocked == []
        assert page.http_errors == []


def test_the_service_itself_sends_nothing_outside(service, outbound):
    """After every request above (JSON, HTML pages, Swagger UI), no request left the host."""
    _get(f"{service}/collections/resources/items?f=json&limit=10")
    assert outbound[1] == []


def test_a_bbox_page_holds_what_lies_in_the_box_served_by_gunicorn(service, engine):
    """What QGIS asks for the view: the public resources in a box, from the production
    server (gunicorn), with the storage SRID looked up once (layers.ogcapi_provider)."""
    box = (126.96, 37.55, 127.00, 37.58)
    bbox = ",".join(map(str, box))
    with urllib.request.urlopen(
        f"{service}/collections/resources/items?f=json&bbox={bbox}&limit=10000", timeout=60
    ) as response:
        assert response.headers["Server"].startswith("gunicorn")
        items = json.load(response)
    with engine.connect() as conn:
        expected = set(
            conn.execute(
                sa.text(
                    "SELECT public_id::text FROM resources_public "
                    "WHERE ST_Intersects(geom, ST_MakeEnvelope(:w, :s, :e, :n, 4326))"
                ),
                dict(zip("wsen", box, strict=True)),
            ).scalars()
        )
    assert expected  # central Seoul is not empty
    assert {f["id"] for f in items["features"]} == expected
    assert items["numberMatched"] == len(expected)
    for feature in items["features"]:
        x, y = feature["geometry"]["coordinates"]
        assert box[0] <= x <= box[2] and box[1] <= y <= box[3]


def test_a_world_bbox_has_every_public_resource(service, engine):
    """A box as wide as the world (no geography form, so no index test) misses nothing."""
    with urllib.request.urlopen(
        f"{service}/collections/resources/items?f=json&bbox=-180,-90,180,90&limit=1", timeout=60
    ) as response:
        items = json.load(response)
    with engine.connect() as conn:
        total = conn.execute(sa.text("SELECT count(*) FROM resources_public")).scalar_one()
    assert total > 0
    assert items["numberMatched"] == total


def test_the_bbox_filter_can_use_the_public_geography_index(engine):
    """The provider's bbox test is the index's own expression: with sequential scans
    priced out, PostgreSQL answers a bbox page from ``ix_resources_pub_geog``. (A cast to
    ``geography(GEOMETRY,-1)`` looked the same and scanned the whole table.)"""
    from geoalchemy2 import Geometry

    from layers.ogcapi_provider import bbox_filter

    view = sa.table("resources_public", sa.column("geom", Geometry("POINT", 4326)))
    query = sa.select(sa.func.count()).select_from(view)
    query = query.where(bbox_filter(view.c.geom, [126.96, 37.55, 127.00, 37.58], 4326))
    sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.begin() as conn:
        conn.execute(sa.text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(conn.execute(sa.text(f"EXPLAIN {sql}")).scalars())
    assert "ix_resources_pub_geog" in plan, plan
