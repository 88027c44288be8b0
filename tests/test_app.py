"""Every page runs without exceptions and shows the numbers the database holds."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo import queries
from geo.access import PUBLIC
from geo.db import get_engine

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def _run(page: str | None = None, **session) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for key, value in session.items():
        at.session_state[key] = value
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_explorer_shows_public_counts_per_kind_and_the_demo_banner(db_url):
    at = _run()
    counts = queries.count_resources(PUBLIC)
    metrics = _metrics(at)
    assert metrics["인적자원"] == f"{counts['human']:,}"
    assert metrics["공간자원"] == f"{counts['space']:,}"
    assert metrics["인문자원"] == f"{counts['heritage']:,}"
    assert metrics["기타"] == f"{counts['other']:,}"
    banner = [w.body for w in at.warning if "예시 데이터" in w.body]
    assert banner and "인적자원·사업지·갈등 사례는 예시 데이터입니다" in banner[0]
    assert any("국토지리정보원" in c.body for c in at.sidebar.caption)


def test_choosing_a_district_shows_its_summary(db_url):
    at = _run()
    at.selectbox[0].select("11440").run()
    assert not at.exception
    summary = queries.district_summary(PUBLIC, "11440")
    metrics = _metrics(at)
    assert any("마포구" in s.value for s in at.subheader)
    assert metrics["지원사업 대상지"] == f"{summary['program_sites']:,}"
    assert metrics["진행 중 갈등"] == f"{summary['open_conflicts']:,}"
    assert metrics["인적자원"] == f"{summary['resources']['human']:,}"


def test_english_toggle_switches_the_interface(db_url):
    at = _run(lang="en")
    assert "Map explorer" in [t.value for t in at.title]
    assert "Human" in _metrics(at)


def test_programs_page_shows_the_35_programs_and_their_budgets(db_url):
    at = _run("views/programs.py")
    metrics = _metrics(at)
    assert metrics["예산 (백만원)"] == "72,482"
    assert metrics["추진 실·국·본부"] == "13"
    assert metrics["추진 부서"] == "27"
    assert len(at.dataframe[0].value) == 35
    assert any("72,483" in i.body for i in at.info)


def test_unreachable_database_gives_one_clear_message(db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://maeul:secret@127.0.0.1:1/none")
    get_engine.cache_clear()
    logged: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = logged.append  # type: ignore[method-assign]
    logging.getLogger("maeul").addHandler(handler)
    try:
        at = AppTest.from_file(APP, default_timeout=60).run()
    finally:
        get_engine.cache_clear()
        logging.getLogger("maeul").removeHandler(handler)
    assert not at.exception
    assert len(at.error) == 1
    assert "make run" in at.error[0].value
    assert "secret" not in at.error[0].value
    # The operator's log has the driver's words and where it was raised; the page has not.
    (record,) = [r for r in logged if r.exc_info]
    assert "Connection refused" in record.getMessage()
    assert "Connection refused" not in at.error[0].value
    assert not any("secret" in r.getMessage() for r in logged)


def test_cli_reports_unreachable_database_without_traceback():
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "loaders",
            "--database-url",
            "postgresql+psycopg://maeul:secret@127.0.0.1:1/none",
            "setup",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 3  # geo.cli: the database cannot be reached
    assert "make run" in proc.stderr
    assert "Traceback" not in proc.stderr and "secret" not in proc.stderr
    # The operator's log line beside it says why, in the driver's words.
    assert "Connection refused" in proc.stderr


@pytest.mark.parametrize(
    "page",
    [
        "views/explorer.py",
        "views/nearby.py",
        "views/coverage.py",
        "views/conflicts.py",
        "views/hotspots.py",
        "views/programs.py",
        "views/export.py",
    ],
)
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_every_page_runs_in_both_languages(db_url, page, lang):
    at = _run(page, lang=lang)
    assert at.title, "the page shows its title"
    if lang == "ko":  # with no placeholder of ours, Streamlit shows "Choose options" in English
        english = [b.label for b in at.multiselect if not b.placeholder.strip()]
        english += [
            b.label
            for b in at.selectbox
            if not b.proto.HasField("default") and not b.placeholder.strip()
        ]
        assert english == []
