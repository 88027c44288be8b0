"""The real app in real Chromium with no network: maps draw, nothing leaves localhost.

``streamlit run app.py`` serves the test database; Chromium (Debian's package, driven by
Playwright) aborts every request to a host other than loopback. Screenshots are kept in
``tests/artifacts/``.
"""

from __future__ import annotations

import pytest

from geo import queries
from geo.access import PUBLIC
from tests.browser import REPO_ROOT, MapPageResult, inspect_map_page, streamlit_server


def _asset_errors(page: MapPageResult) -> list[str]:
    """HTTP errors other than Streamlit probing ``<page>/_stcore/...`` before the root."""
    return [e for e in page.http_errors if "/_stcore/" not in e]


@pytest.fixture(scope="module")
def app_url(db_url):
    with streamlit_server(REPO_ROOT / "app.py", env={"DATABASE_URL": db_url}) as base:
        yield base


@pytest.fixture(scope="module")
def explorer(app_url) -> MapPageResult:
    return inspect_map_page(f"{app_url}/", "explorer")


def test_explorer_map_draws_outlines_and_resources_offline(explorer):
    assert explorer.blocked == []
    assert _asset_errors(explorer) == [] and explorer.console_errors == []
    assert explorer.maps == 1
    shown = min(sum(queries.count_resources(PUBLIC).values()), 5000)
    # 25 district + 467 dong outlines + one marker per shown resource.
    assert explorer.features >= 25 + 467 + shown


def test_explorer_works_on_a_phone_screen(app_url):
    phone = inspect_map_page(f"{app_url}/", "explorer_phone", viewport=(390, 844))
    assert phone.blocked == []
    assert phone.maps == 1 and phone.features > 0


def test_programs_page_loads_offline(app_url):
    page = inspect_map_page(
        f"{app_url}/programs", "programs", maps=0, wait_text="마을공동체 35개 지원사업"
    )
    assert page.blocked == []
    assert _asset_errors(page) == []
