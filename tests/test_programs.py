"""The 35 support programs, transcribed from the seed table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from loaders.programs import PUBLISHED_TOTAL_MKRW, read_programs

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_db7741584f2073cd.txt"


def test_thirty_five_programs_thirteen_offices_twenty_seven_divisions():
    rows = read_programs()
    assert [r["no"] for r in rows] == list(range(1, 36))
    assert len({r["office"] for r in rows}) == 13
    assert len({(r["office"], r["division"]) for r in rows}) == 27


def test_budgets_reconcile_with_the_published_total():
    total = sum(r["budget_mkrw"] for r in read_programs())
    # The seed prints 72,483 as 합계; its 35 lines add up to 72,482 (rounded line items).
    assert PUBLISHED_TOTAL_MKRW == 72_483
    assert total == 72_482
    assert PUBLISHED_TOTAL_MKRW - total == 1


def test_known_lines_of_the_seed_table():
    by_no = {r["no"]: r for r in read_programs()}
    assert by_no[1]["name"] == "마을공동체 기초조사" and by_no[1]["budget_mkrw"] == 268
    assert by_no[14]["division"] == "사회적기업과" and by_no[14]["budget_mkrw"] == 9_336
    assert by_no[27]["office"] == "공원녹지국" and by_no[27]["budget_mkrw"] == 19_174
    assert by_no[35]["name"] == "마을지향 도시계획제도 마련" and by_no[35]["budget_mkrw"] == 359


@pytest.mark.skipif(not SEED.exists(), reason="the seed document is not beside the checkout")
def test_transcription_matches_every_line_of_the_seed():
    pattern = re.compile(r"^(\d+)\t(.+?) \((\S+) (\S+)\)\t(.+?)\t([\d,]+)\s*$")
    seed = {}
    for line in SEED.read_text(encoding="utf-8").splitlines():
        m = pattern.match(line)
        if m:
            no, name, office, division, summary, budget = m.groups()
            seed[int(no)] = (name, office, division, summary, int(budget.replace(",", "")))
    ours = {
        r["no"]: (r["name"], r["office"], r["division"], r["summary"], r["budget_mkrw"])
        for r in read_programs()
    }
    assert ours == seed


def test_programs_in_the_database_match_the_file(engine):
    with engine.connect() as conn:
        n, total, offices = conn.execute(
            sa.text("SELECT count(*), sum(budget_mkrw), count(DISTINCT office) FROM programs")
        ).one()
    assert (n, total, offices) == (35, 72_482, 13)
