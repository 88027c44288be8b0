"""Korean CRS registry, .prj repair and detection from values (geo/crs.py)."""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa
from pyproj import CRS

from geo import crs as kcrs
from tests.import_fixtures import (
    BESSEL_TM_PRJ,
    EPSG_5174_PROJ,
    KOREAN_1985_TOWGS84,
    distances_m,
    outside_points,
    project,
    true_points,
)

PROJECTED = [c for c in kcrs.KOREAN_CRS.values() if c.projected]


@pytest.mark.parametrize("entry", kcrs.KOREAN_CRS.values(), ids=lambda c: str(c.epsg))
def test_registry_matches_proj(entry):
    crs = CRS.from_epsg(entry.epsg)
    a = crs.ellipsoid.semi_major_metre
    assert np.isclose(a, kcrs.BESSEL_A if entry.ellipsoid == "bessel" else kcrs.GRS80_A, atol=1)
    if entry.projected:
        params = kcrs._tm_params(crs)
        assert params is not None
        assert kcrs._same_params(params, entry)


@pytest.mark.parametrize("entry", PROJECTED, ids=lambda c: str(c.epsg))
def test_postgis_and_pyproj_transform_korean_systems_alike(entry, engine):
    """Columns are transformed in SQL, geometries in Python: both must agree."""
    lon, lat = (entry.lon_0 or 127.0) + 0.1, 37.55
    x, y = project([lon], [lat], entry.epsg)
    with engine.connect() as conn:
        plon, plat = conn.execute(
            sa.text(
                "SELECT ST_X(g), ST_Y(g) FROM (SELECT ST_Transform(ST_SetSRID("
                "ST_MakePoint(:x, :y), :srid), 4326) AS g) t"
            ),
            {"x": float(x[0]), "y": float(y[0]), "srid": entry.epsg},
        ).one()
    qlon, qlat = kcrs.to_wgs84(x, y, entry.epsg)
    assert distances_m([plon], [plat], qlon, qlat)[0] < 0.01
    assert distances_m([plon], [plat], [lon], [lat])[0] < 0.01


def test_epsg_5174_carries_the_korean_1985_datum_shift():
    pts = true_points(5, seed=21)
    x, y = project(pts["lon"], pts["lat"], EPSG_5174_PROJ)
    lon, lat = kcrs.to_wgs84(x, y, 5174)
    assert distances_m(lon, lat, pts["lon"], pts["lat"]).max() < 0.5


def test_a_bessel_tm_prj_without_datum_shift_becomes_epsg_5174():
    fixed = kcrs.repair(BESSEL_TM_PRJ)
    assert fixed.epsg == 5174
    assert "Bessel" in str(fixed.note) and "300-400 m" in str(fixed.note)
    # As written, PROJ can only guess the datum: the points would land ~360 m off.
    pts = true_points(3, seed=22)
    x, y = project(pts["lon"], pts["lat"], EPSG_5174_PROJ)
    from pyproj import Transformer

    naive = Transformer.from_crs(CRS.from_wkt(BESSEL_TM_PRJ), 4326, always_xy=True)
    nlon, nlat = naive.transform(x, y)
    assert distances_m(nlon, nlat, pts["lon"], pts["lat"]).min() > 300


@pytest.mark.parametrize(
    "declared, epsg",
    [
        ("+proj=tmerc +lat_0=38 +lon_0=127 +k=1 +x_0=200000 +y_0=500000 +ellps=bessel", 2097),
        (
            "+proj=tmerc +lat_0=38 +lon_0=127.0028902777778 +k=1 +x_0=200000 +y_0=500000 "
            "+ellps=bessel +towgs84=0,0,0,0,0,0,0",
            5174,
        ),
        ("+proj=tmerc +lat_0=38 +lon_0=127 +k=1 +x_0=200000 +y_0=600000 +ellps=GRS80", 5186),
        (
            "+proj=tmerc +lat_0=38 +lon_0=127.5 +k=0.9996 +x_0=1000000 +y_0=2000000 +ellps=GRS80",
            5179,
        ),
        (CRS.from_epsg(5181).to_wkt(), 5181),
        ("EPSG:4326", 4326),
    ],
)
def test_declared_systems_resolve_to_their_epsg_code(declared, epsg):
    assert kcrs.repair(declared).epsg == epsg


def test_a_bessel_tm_with_its_own_shift_is_kept_as_written():
    fixed = kcrs.repair(EPSG_5174_PROJ)
    assert fixed.note is None
    assert fixed.crs is not None and KOREAN_1985_TOWGS84.split(",")[0] in fixed.crs.to_wkt()


@pytest.mark.parametrize(
    "true_crs, expected",
    [(EPSG_5174_PROJ, 5174), (5186, 5186), (5179, 5179), (4326, 4326), (5187, 5187)],
)
@pytest.mark.parametrize("swapped", [False, True])
def test_detect_picks_the_system_that_puts_points_in_seoul(true_crs, expected, swapped):
    pts = true_points(40, seed=23)
    x, y = project(pts["lon"], pts["lat"], true_crs)
    if swapped:
        x, y = y, x
    det = kcrs.detect(x, y)
    assert det.epsg == expected
    if expected != 4326:
        assert det.swapped == swapped
        xx, yy = (y, x) if det.swapped else (x, y)
        lon, lat = kcrs.to_wgs84(xx, yy, det.epsg)
        assert distances_m(lon, lat, pts["lon"], pts["lat"]).max() < 5


def test_points_outside_seoul_fit_no_candidate_and_say_so():
    out = outside_points()
    x, y = project(out["lon"], out["lat"], 5186)
    det = kcrs.detect(x, y)
    assert all(c.inside == 0 for c in det.candidates)
    assert any("inside Seoul" in n for n in map(str, det.notes))


def _near_district_boundaries(n: int, seed: int):
    """Points whose district changes when moved 250 m east or west (near boundaries
    between districts, not near the city limits)."""
    rng = np.random.default_rng(seed)
    lon = rng.uniform(126.85, 127.12, 4000)
    lat = rng.uniform(37.47, 37.65, 4000)
    here = kcrs.locate_districts(lon, lat)
    east = kcrs.locate_districts(lon + 0.003, lat)
    west = kcrs.locate_districts(lon - 0.003, lat)
    inside = (here != "") & (east != "") & (west != "")  # but not near Seoul's own edge
    keep = inside & ((east != here) | (west != here))
    names = {c: n for n, c in kcrs.district_codes_by_name().items()}
    idx = np.flatnonzero(keep)[:n]
    return lon[idx], lat[idx], [names[c] for c in here[idx]]


@pytest.mark.parametrize("epsg", [5174, 5181, 2097])
def test_a_district_column_tells_apart_systems_a_few_hundred_metres_apart(epsg):
    lon, lat, districts = _near_district_boundaries(40, seed=24)
    x, y = project(lon, lat, EPSG_5174_PROJ if epsg == 5174 else epsg)
    det = kcrs.detect(x, y, district_names=districts)
    assert det.epsg == epsg


def test_values_win_over_a_column_label_that_contradicts_them():
    pts = true_points(30, seed=25)
    x, y = project(pts["lon"], pts["lat"], 5186)
    codes, label = kcrs.label_hints(["X좌표(UTM-K)", "Y좌표(UTM-K)"])
    assert codes == (5179, 5178)
    det = kcrs.detect(x, y, hints=codes, hint_label=label)
    assert det.epsg == 5186
    assert det.contradicted == "X좌표(UTM-K)"
    assert any("values were trusted" in n for n in map(str, det.notes))


def test_a_label_that_fits_the_values_breaks_the_tie():
    pts = true_points(30, seed=26)
    x, y = project(pts["lon"], pts["lat"], 5181)
    codes, label = kcrs.label_hints(["X좌표(GRS80TM)"])
    det = kcrs.detect(x, y, hints=codes, hint_label=label)
    assert det.epsg == 5181 and det.contradicted is None


def test_a_declared_system_the_values_do_not_fit_is_overruled():
    pts = true_points(30, seed=27)
    x, y = project(pts["lon"], pts["lat"], EPSG_5174_PROJ)
    det = kcrs.detect(x, y, declared=5186, declared_label=".prj")
    assert det.epsg == 5174
    assert det.contradicted == ".prj"


def test_swapped_degrees_are_swapped_back_row_by_row():
    lon, lat, swapped = kcrs.unswap_degrees(
        np.array([126.97, 37.56, 127.01]), np.array([37.55, 126.98, 37.50])
    )
    assert lon.tolist() == [126.97, 126.98, 127.01]
    assert lat.tolist() == [37.55, 37.56, 37.50]
    assert swapped.tolist() == [False, True, False]


@pytest.mark.parametrize(
    "text, epsg", [("5174", 5174), ("EPSG:5186", 5186), ("epsg 2097", 2097), (4326, 4326)]
)
def test_parse_epsg(text, epsg):
    assert kcrs.parse_epsg(text) == epsg


@pytest.mark.parametrize("text", ["Bessel", "EPSG:99999", "51 74"])
def test_parse_epsg_refuses_what_is_not_a_code(text):
    from geo.errors import InvalidInput

    with pytest.raises(InvalidInput):
        kcrs.parse_epsg(text)
