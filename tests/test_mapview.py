"""What the coverage page's choropleth is sent: a colour and a tooltip row per area code,
grey where an area has no value, codes that name the outlines the browser already holds."""

from __future__ import annotations

import json

import pytest

from geo import coverage, queries
from geo.classify import classify
from layers import choropleth, mapview


def test_each_area_code_gets_its_class_colour_and_an_area_without_value_the_no_data_grey():
    codes = ["11110", "11140", "11170", "11200", "11215"]
    values = [1.0, 50.0, None, 100.0, 2.0]
    klass = classify(values, scheme="equal_interval", k=3)
    tips = [[f"name {c}", "district", str(v)] for c, v in zip(codes, values, strict=True)]

    sent = mapview.area_payload(codes, klass, tips)

    light, middle, dark = choropleth.class_colors(3)
    assert sent["fills"] == {
        "11110": light,
        "11140": middle,
        "11170": choropleth.NO_DATA_COLOR,
        "11200": dark,
        "11215": light,
    }
    assert sent["tips"]["11170"] == ["name 11170", "district", "None"]
    assert set(sent) == {"fills", "tips"}  # no geometry travels with a rerun


def test_a_payload_with_a_row_missing_is_refused():
    klass = classify([1.0, 2.0, 3.0], scheme="quantiles", k=3)
    with pytest.raises(ValueError):
        mapview.area_payload(["a", "b", "c"], klass, [["a"], ["b"]])


@pytest.mark.parametrize(("level", "collection"), [("district", "districts"), ("dong", "dongs")])
def test_every_area_of_the_coverage_figures_is_an_outline_the_map_holds(db_url, level, collection):
    """The map fills the outlines file's features by code: every area with figures must be
    one of them, or it would stay unfilled."""
    outlines = json.loads(queries.display_outlines_json(simplify_m=5))
    held = {f["properties"]["code"] for f in outlines[collection]["features"]}
    figures = coverage.area_metrics(level)
    klass = classify(figures["sites"].astype(float).tolist(), scheme="quantiles", k=5)
    rows = [[n, d, ""] for n, d in zip(figures["name_ko"], figures["district_name"], strict=True)]

    sent = mapview.area_payload(list(figures["code"]), klass, rows)

    assert set(sent["fills"]) == held
    assert len(held) == (25 if level == "district" else 467)
