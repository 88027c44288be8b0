"""What the explorer's map is sent: outlines drawn as one coverage, resources as rows or
cells, payload names that follow the content, and no person's exact point."""

from __future__ import annotations

import itertools
import json

import pytest
import shapely
from shapely.geometry import shape

from geo import queries, vocab
from geo.access import PUBLIC
from geo.reference import SEOUL_BOUNDS
from layers import mapdata, styles

#: 망원동 and its surroundings (Mapo-gu).
MANGWON_BOX = (126.895, 37.550, 126.915, 37.562)


@pytest.fixture(scope="module")
def outlines(db_url) -> dict:
    return json.loads(queries.display_outlines_json(simplify_m=5))


def _shapes(collection: dict) -> dict[str, shapely.Geometry]:
    return {f["properties"]["code"]: shape(f["geometry"]) for f in collection["features"]}


def test_neighbouring_districts_share_their_border_exactly(outlines):
    """Bug 3's cause: outlines thinned one by one overlap their neighbours (a later fill
    covered pieces of an earlier border). Drawn as one coverage, neighbours share edges
    with no overlap, and every district is exactly the union of its dongs."""
    districts = _shapes(outlines["districts"])
    dongs = outlines["dongs"]["features"]
    assert len(districts) == 25 and len(dongs) == 467
    m2 = 111_000 * 88_250  # square degrees to square metres at Seoul's latitude
    neighbours = 0
    for (a, ga), (b, gb) in itertools.combinations(districts.items(), 2):
        assert ga.intersection(gb).area * m2 < 1.0, (a, b)
        if ga.touches(gb):
            neighbours += 1
    assert neighbours > 40  # 25 districts have many shared borders
    for code, district in districts.items():
        parts = [shape(f["geometry"]) for f in dongs if f["properties"]["district_code"] == code]
        # Five decimals (about 1 m) leave a few dong rings self-touching: made valid first.
        union = shapely.union_all(shapely.make_valid(parts))
        assert union.symmetric_difference(district).area * m2 < 1.0, code


def test_every_outline_has_a_label_point_inside_it(outlines):
    for level in ("districts", "dongs"):
        for f in outlines[level]["features"]:
            p = f["properties"]
            point = shapely.Point(p["lx"], p["ly"])
            assert shape(f["geometry"]).distance(point) < 1e-4, p["name_ko"]
    names = {f["properties"]["name_ko"] for f in outlines["dongs"]["features"]}
    assert "망원동" in names


def test_few_resources_in_view_come_as_rows_with_korean_popups(db_url):
    flt = queries.ResourceFilter()
    expected = sum(queries.count_resources(PUBLIC, flt.__class__(bbox=MANGWON_BOX)).values())
    data, n = mapdata.view_payload(
        PUBLIC, flt, MANGWON_BOX, extent=SEOUL_BOUNDS, width_px=900, limit=100_000, lang="ko"
    )
    assert data["mode"] == "points" and n == len(data["rows"]) >= expected > 0
    w, s, e, north = data["bbox"]  # the view and a margin around it
    assert w < MANGWON_BOX[0] and e > MANGWON_BOX[2] and s < MANGWON_BOX[1]
    kinds = list(vocab.KINDS)
    for row in data["rows"]:
        record = dict(zip(mapdata.POINT_COLUMNS, row, strict=True))
        assert w <= record["lon"] <= e and s <= record["lat"] <= north
        assert kinds[record["kind"]] in styles.KIND_COLORS
    people = [r for r in data["rows"] if kinds[r[2]] == "human"]
    assert people and all(r[6] == "대표 위치 (일반화)" for r in people)


def test_people_are_sent_at_their_generalised_point_only(db_url, engine):
    """The rows carry the public location: never a person's exact point."""
    import sqlalchemy as sa

    data, _ = mapdata.view_payload(
        PUBLIC, queries.ResourceFilter(kinds=("human",)), SEOUL_BOUNDS,
        extent=SEOUL_BOUNDS, width_px=900, limit=100_000, lang="ko",
    )  # fmt: skip
    sent = {(r[0], r[1]) for r in data["rows"]}
    with engine.connect() as conn:
        exact = conn.execute(
            sa.text(
                "SELECT round(ST_X(geom)::numeric, 6)::float, round(ST_Y(geom)::numeric, 6)::float"
                " FROM resources WHERE kind = 'human' AND NOT ST_Equals(geom, pub_geom)"
            )
        ).all()
    assert exact and not sent & {tuple(p) for p in exact}


def test_beyond_the_budget_resources_come_counted_per_cell(db_url):
    total = sum(queries.count_resources(PUBLIC).values())
    data, n = mapdata.view_payload(
        PUBLIC, queries.ResourceFilter(), SEOUL_BOUNDS,
        extent=SEOUL_BOUNDS, width_px=900, limit=total - 1, lang="ko",
    )  # fmt: skip
    assert data["mode"] == "grid" and n == total
    assert sum(row[2] for row in data["rows"]) == total
    assert all(row[2] == sum(row[3:]) for row in data["rows"])  # per kind adds up
    assert len(data["rows"]) < total


def test_payload_names_follow_the_content():
    a = {"mode": "points", "rows": [[127.0, 37.5, 0, 0, "가", "나", "", "", "x"]]}
    b = json.loads(json.dumps(a))
    assert mapdata.payload_id(a) == mapdata.payload_id(b)
    b["rows"][0][4] = "다"
    assert mapdata.payload_id(a) != mapdata.payload_id(b)


def test_legend_carries_the_marker_colours():
    legend = mapdata.legend("en", {"human": 3})
    assert [k["code"] for k in legend] == list(vocab.KINDS)
    assert [k["color"] for k in legend] == [styles.KIND_COLORS[k] for k in vocab.KINDS]
    assert legend[0]["n"] == 3 and legend[1]["n"] == 0 and legend[0]["label"] == "Human"


@pytest.mark.parametrize("district", [None, "11440"])
@pytest.mark.parametrize("budget", ["all", "fewer"])
def test_the_first_view_and_its_counts_come_from_one_reading(db_url, district, budget):
    """The counts read with the first view are the filter's counts per kind, and its data
    is what the map would get for that view on its own, with the budget met or not."""
    flt = queries.ResourceFilter(district_code=district, kinds=("human", "space", "other"))
    counts = queries.count_resources(PUBLIC, flt)
    total = sum(counts.values())
    extent = SEOUL_BOUNDS
    if district:
        extent = tuple(queries.districts().set_index("code").loc[[district]].total_bounds)
    limit = total if budget == "all" else total - 1
    data, n, got = mapdata.first_view(PUBLIC, flt, extent, width_px=900, limit=limit, lang="ko")
    alone, n_alone = mapdata.view_payload(
        PUBLIC, flt, extent, extent=extent, width_px=900, limit=limit, lang="ko", total=total
    )
    assert got == counts and n == n_alone == total > 0
    assert data["mode"] == ("points" if budget == "all" else "grid")
    assert data["bbox"] == alone["bbox"] and len(data["rows"]) == len(alone["rows"])
    # The same rows (a cell's centre may differ in the 6th decimal: an average summed in
    # another order), each kind's counts exact.
    for ours, theirs in zip(sorted(data["rows"]), sorted(alone["rows"]), strict=True):
        assert abs(ours[0] - theirs[0]) < 1e-5 and abs(ours[1] - theirs[1]) < 1e-5
        assert ours[2:] == theirs[2:]


def _publish_together(text: str, sessions: int) -> tuple[list[str], list[BaseException]]:
    """``sessions`` threads publishing ``text`` at the same moment: names and failures."""
    import threading

    from layers import mapview

    start = threading.Barrier(sessions)
    names: list[str] = []
    failures: list[BaseException] = []

    def publish() -> None:
        start.wait()
        try:
            names.append(mapview.publish_outlines(text))
        except BaseException as exc:  # what a user's page would have shown
            failures.append(exc)

    threads = [threading.Thread(target=publish) for _ in range(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return names, failures


def test_outlines_published_by_many_sessions_at_once_are_served_whole():
    """Users opening map pages together publish the same outlines file at the same moment
    (an incident of the load bench): every session gets the file's name, and the file
    served is the whole document."""
    from layers import mapview

    for round_no in range(10):
        text = json.dumps({"round": round_no, "pad": "동" * 20_000})  # new content each time
        names, failures = _publish_together(text, 8)
        assert failures == []
        assert len(names) == 8 and len(set(names)) == 1
        assert (mapview._FOLDER / names[0]).read_text(encoding="utf-8") == text
    assert not list(mapview._FOLDER.glob("*.tmp"))  # no temporary file left behind
