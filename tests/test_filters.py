"""Filters are checked when made and become bound SQL one way (no database needed).

In the manner of datasette's tests of ``build_where_clauses``: what a user typed or picked
becomes conditions with bind parameters, never text spliced into SQL, and a value that
cannot be used is refused when the filter is made, with a message.
"""

from __future__ import annotations

import datetime as dt

import pytest

from geo.conflicts import ConflictFilter
from geo.coverage import CoverageFilter
from geo.errors import MAX_QUERY_TEXT, InvalidInput
from geo.queries import ResourceFilter

EMPTY = [ResourceFilter(one_per_place=False), ConflictFilter(), CoverageFilter()]


@pytest.mark.parametrize("flt", EMPTY, ids=lambda f: type(f).__name__)
def test_an_empty_filter_selects_everything(flt):
    assert flt.where() == ("true", {})


def test_every_resource_field_becomes_a_bound_condition():
    flt = ResourceFilter(
        district_code="11440",
        kinds=("space", "heritage"),
        categories=("library",),
        text="  작은도서관 ",
        bbox=(126.9, 37.5, 127.0, 37.6),
        one_per_place=False,
    )
    sql, params = flt.where()
    assert params == {
        "district_code": "11440",
        "kinds": ["space", "heritage"],
        "categories": ["library"],
        "w": 126.9,
        "s": 37.5,
        "e": 127.0,
        "n": 37.6,
        "text": "%작은도서관%",
    }
    for name in params:
        assert f":{name}" in sql
    assert "11440" not in sql and "작은도서관" not in sql  # values are never in the SQL


def test_search_text_matches_percent_and_underscore_literally():
    _, params = ResourceFilter(text="50%_off\\", one_per_place=False).where()
    assert params["text"] == "%50\\%\\_off\\\\%"


def test_conflict_period_means_active_at_some_time_in_it():
    start, end = dt.date(2024, 1, 1), dt.date(2024, 12, 31)
    sql, params = ConflictFilter(stages=("mediation_council",), start=start, end=end).where()
    assert "c.opened_on <= :end" in sql and "c.closed_on >= :start" in sql
    assert params == {"stages": ["mediation_council"], "start": start, "end": end}


def test_coverage_conditions_apply_to_programs_or_sites_as_asked():
    flt = CoverageFilter(offices=("자치행정국",), years=(2024,))
    assert flt.where()[1] == {"f_offices": ["자치행정국"], "f_years": [2024]}
    assert flt.where(programs=False)[1] == {"f_years": [2024]}
    assert flt.where(sites=False)[1] == {"f_offices": ["자치행정국"]}


@pytest.mark.parametrize(
    "make",
    [
        lambda: ResourceFilter(kinds=("spaceship",)),
        lambda: ResourceFilter(text="도서관\x00"),
        lambda: ResourceFilter(text="가" * (MAX_QUERY_TEXT + 1)),
        lambda: ResourceFilter(categories=("lib\x00rary",)),
        lambda: ResourceFilter(bbox=(126.9, 37.5, 127.0)),  # type: ignore[arg-type]
        lambda: ConflictFilter(types=("war",)),
        lambda: ConflictFilter(severities=(9,)),
        lambda: ConflictFilter(start=dt.date(2024, 2, 1), end=dt.date(2024, 1, 1)),
        lambda: ConflictFilter(departments=("과\x00",)),
        lambda: CoverageFilter(stages=("finished?",)),
    ],
    ids=[
        "unknown kind",
        "NUL in text",
        "text too long",
        "NUL in category",
        "box of three",
        "unknown conflict type",
        "unknown severity",
        "period backwards",
        "NUL in department",
        "unknown stage",
    ],
)
def test_a_value_that_cannot_be_used_is_refused_when_the_filter_is_made(make):
    with pytest.raises(InvalidInput) as caught:
        make()
    assert caught.value.user_msg  # a message for the user, not a driver error later


def test_filters_key_caches():
    a = ResourceFilter(kinds=("space",), text="도서관")
    assert hash(a) == hash(ResourceFilter(kinds=("space",), text="도서관"))
    assert {a: 1}[ResourceFilter(kinds=("space",), text="도서관")] == 1
