"""Nothing a public path gives out reveals where a person (kind ``human``) exactly is.

People are imported from a CSV with names and coordinates but no id column, the way a
district office's list of artists arrives. A field of the public view, of a public export,
of the public map grid or an order of public results that changes when only a person's
exact point changes (within the same dong) is a leak: the exact point could be recovered
from it (the issue: ``source_id`` was a hash of name and point, ``id`` numbered rows in the
importer's spatial order, ``updated_at`` moved with the point).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from geo.access import PUBLIC
from geo.nearby import Place, nearby
from geo.queries import ResourceFilter, resource_grid, resources
from layers.export.read import Selection, read_layers
from loaders.ingest import run_import
from loaders.plan import ImportOptions, prepare
from tests.import_fixtures import write_csv

#: A large dong of Mapo-gu, where every test point lies (at least 100 m inside it).
DONG_SQL = """SELECT code FROM dongs WHERE district_code = '11440'
              ORDER BY area_km2 DESC LIMIT 1"""


@pytest.fixture(scope="module")
def points(engine) -> dict:
    """16 points inside one dong (seeded), and that dong's code."""
    with engine.connect() as conn:
        dong = conn.execute(sa.text(DONG_SQL)).scalar_one()
        pts = conn.execute(
            sa.text(
                """SELECT ST_X(p.geom), ST_Y(p.geom) FROM dongs d,
                          ST_Dump(ST_GeneratePoints(
                              ST_Buffer(d.geom::geography, -100)::geometry, 16, 14)) p
                   WHERE d.code = :d"""
            ),
            {"d": dong},
        ).all()
    return {"dong": dong, "xy": [(round(x, 7), round(y, 7)) for x, y in pts]}


def _import(tmp: Path, source: str, people: list[tuple[str, str, tuple[float, float]]]) -> None:
    """Import ``(name, description, (lon, lat))`` rows as people, with no id column."""
    df = pd.DataFrame(
        {
            "이름": [p[0] for p in people],
            "설명": [p[1] for p in people],
            "경도": [p[2][0] for p in people],
            "위도": [p[2][1] for p in people],
        }
    )
    path = tmp / f"{source}.csv"
    write_csv(path, df)
    plan = prepare(path, ImportOptions(source=source, kind="human", category="artist"))
    report = run_import(plan)
    assert report.inserted == len(people), report


def _view_rows(engine, source: str) -> dict[str, dict]:
    """Every column of ``resources_public`` for the rows of ``source``, by name."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT to_jsonb(p) - 'geom' || jsonb_build_object('geom', ST_AsText(p.geom))"
                " FROM resources_public p WHERE p.source = :s"
            ),
            {"s": source},
        ).scalars()
        return {r["name"]: r for r in rows}


def _export_rows(source: str) -> dict[str, dict]:
    """Every field of the public export of the resources layer (with WKB and x/y)."""
    (layer,) = read_layers(
        ["resources"],
        viewer=PUBLIC,
        selection=Selection(resources=ResourceFilter(kinds=("human",))),
        geometry=("wkb", "xy"),
    )
    rows = [r for r in layer.table.to_pylist() if r["source"] == source]
    return {r["name"]: r for r in rows}


def _changed(a: dict[str, dict], b: dict[str, dict]) -> set[str]:
    """Names of fields whose value differs for some person between two readings."""
    assert a.keys() == b.keys()
    return {f for name in a for f in a[name] if a[name][f] != b[name].get(f)}


def test_no_public_field_follows_a_persons_exact_point(engine, points, tmp_path):
    """Import the same two people three times: twice at the same points, once each moved
    within their dong. A field that differs only in the moved import is derived from the
    point (the same points twice show what varies anyway: source, random id, time)."""
    xy = points["xy"]
    people = [("사람 가", "privacy probe", xy[0]), ("사람 나", "privacy probe", xy[1])]
    moved = [("사람 가", "privacy probe", xy[2]), ("사람 나", "privacy probe", xy[3])]
    _import(tmp_path, "priv-a", people)
    _import(tmp_path, "priv-b", people)
    _import(tmp_path, "priv-c", moved)
    for read in (lambda s: _view_rows(engine, s), _export_rows):
        first, again, after_move = read("priv-a"), read("priv-b"), read("priv-c")
        assert len(first) == 2
        anyway = _changed(first, again)
        # Per source (its name and dataset title) or random (public ids; a person is never
        # linked, so their place is their own public id).
        assert anyway <= {"source", "source_title", "public_id", "place_id", "created_at"}, anyway
        leaked = _changed(first, after_move) - anyway
        assert leaked == set(), f"public fields that follow the exact point: {leaked}"


def test_moving_a_person_in_their_dong_changes_no_public_output(engine, points, tmp_path):
    """A staff edit moves a person within their dong: the public view, export, map grid and
    nearby distances stay exactly as they were."""
    xy = points["xy"]
    _import(tmp_path, "priv-move", [("사람 다", "privacy move", xy[4])])
    flt = ResourceFilter(kinds=("human",), text="privacy move")
    centre = Place(*xy[5])

    def public() -> tuple:
        return (
            _view_rows(engine, "priv-move"),
            _export_rows("priv-move"),
            resource_grid(PUBLIC, flt, cell_m=50).to_dict("records"),
            [h._asdict() for h in nearby(PUBLIC, centre, radius_m=3000, flt=flt)],
        )

    before = public()
    with engine.begin() as conn:  # what the edit page writes for a new location
        conn.execute(
            sa.text(
                "UPDATE resources SET geom = ST_SetSRID(ST_MakePoint(:x, :y), 4326),"
                " updated_at = now() + interval '1 minute' WHERE source = 'priv-move'"
            ),
            {"x": xy[6][0], "y": xy[6][1]},
        )
        exact = conn.execute(
            sa.text("SELECT ST_X(geom), ST_Y(geom) FROM resources WHERE source = 'priv-move'")
        ).one()
    assert tuple(round(v, 7) for v in exact) == xy[6]  # it did move
    after = public()
    for what, b, a in zip(("view", "export", "grid", "nearby"), before, after, strict=True):
        assert a == b, f"public {what} changed when only the exact point moved"


def test_public_order_of_people_does_not_follow_their_exact_points(engine, points, tmp_path):
    """Eight people with one name in one dong (the public sees them all at one point) are
    imported twice, their points shuffled among them the second time. If public lists
    ordered them by anything that follows the exact point (the row id numbers an import
    in spatial order), the points in list order would be the same both times; with an
    order that has nothing to do with the points that happens once in 8! = 40,320."""
    xy = points["xy"][7:15]
    first = [("같은 이름", f"order probe one {i}", xy[i]) for i in range(8)]
    shuffle = [5, 2, 7, 0, 3, 6, 1, 4]
    second = [("같은 이름", f"order probe two {i}", xy[shuffle[i]]) for i in range(8)]
    _import(tmp_path, "priv-order-1", first)
    _import(tmp_path, "priv-order-2", second)
    where = {
        "one": {f"order probe one {i}": xy[i] for i in range(8)},
        "two": {f"order probe two {i}": xy[shuffle[i]] for i in range(8)},
    }
    flt = ResourceFilter(kinds=("human",), text="order probe")
    listing = list(resources(PUBLIC, flt)["description"])
    hits = [h.description for h in nearby(PUBLIC, Place(*xy[0]), radius_m=3000, flt=flt)]
    (layer,) = read_layers(["resources"], viewer=PUBLIC, selection=Selection(resources=flt))
    exported = [r["description"] for r in layer.table.to_pylist()]
    for what, order in (("list", listing), ("nearby", hits), ("export", exported)):
        seen = {tag: [pts[d] for d in order if d in pts] for tag, pts in where.items()}
        assert len(seen["one"]) == len(seen["two"]) == 8, what
        assert seen["one"] != seen["two"], f"public {what} orders people by their exact points"
