"""Test fixtures: a real PostGIS database, migrated from empty and loaded once per session.

The tests never mock the database. If it cannot be reached they fail (they never skip):
``make test`` brings the local cluster up first.
"""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url


def _test_database_url() -> str:
    explicit = os.environ.get("TEST_DATABASE_URL")
    if explicit:
        return explicit
    from geo.settings import load_settings

    url = make_url(load_settings().database_url)
    return url.set(database=f"{url.database}_test").render_as_string(hide_password=False)


# Before anything builds an engine: every query in the tests goes to the test database.
TEST_URL = _test_database_url()
os.environ["DATABASE_URL"] = TEST_URL


def _admin_engine(url: str) -> sa.Engine:
    from geo.db import libpq_args

    return sa.create_engine(
        make_url(url).set(database="postgres"),
        isolation_level="AUTOCOMMIT",
        connect_args=libpq_args(),
    )


def _recreate_database(url: str) -> None:
    """Drop and create the test database: for a schema the current migrations cannot take
    down (a database migrated by other revisions, e.g. another branch's)."""
    from geo.db import get_engine

    get_engine(url).dispose()  # its pooled connections die with the database
    name = make_url(url).database
    admin = _admin_engine(url)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def _ensure_database(url: str) -> None:
    """Create the test database when the server lacks it and the role may (CREATEDB).

    ``scripts/pg.sh`` creates the databases ``make test`` needs and puts PostGIS in
    ``template1``, so a database the (non-superuser) app role creates has it.
    """
    target = make_url(url)
    admin = _admin_engine(url)
    with admin.connect() as conn:
        exists = conn.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": target.database}
        ).first()
        may = conn.execute(
            sa.text("SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user")
        ).scalar_one()
        if not exists and not may:
            raise RuntimeError(
                f"database {target.database} is missing and the role may not create it"
            )
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def db_url() -> str:
    """URL of the test database, migrated from empty and loaded with reference + demo data."""
    from geo import migrate
    from geo.db import safe_url
    from geo.progress import no_progress
    from loaders.setup import setup_database

    try:
        _ensure_database(TEST_URL)
        try:
            migrate.downgrade(TEST_URL)  # start from an empty schema every session
        except sa.exc.DBAPIError:
            _recreate_database(TEST_URL)
            migrate.downgrade(TEST_URL)
    except Exception as exc:  # the one place a test run may stop on any database fault
        pytest.fail(
            f"PostGIS test database {safe_url(TEST_URL)} is not reachable ({exc}). "
            "Run `make test`, which starts the local cluster, or set TEST_DATABASE_URL.",
            pytrace=False,
        )
    setup_database(TEST_URL, progress=no_progress)
    return TEST_URL


@pytest.fixture(scope="session")
def engine(db_url: str) -> sa.Engine:
    """The engine the application itself uses, bound to the test database."""
    from geo.db import get_engine

    return get_engine(db_url)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "db: needs PostgreSQL (the test PostGIS, or a cluster of its own: tests/test_pg.py)",
    )
    config.addinivalue_line("markers", "browser: drives Debian's Chromium (tests/test_browser*)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark what needs the database or a browser: ``make unit`` runs the rest in seconds."""
    for item in items:
        module = item.nodeid.split("::")[0]
        if {"db_url", "engine"} & set(getattr(item, "fixturenames", ())) or module.endswith(
            "test_pg.py"
        ):
            item.add_marker(pytest.mark.db)
        if "/test_browser" in module:
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def remove_source(engine: sa.Engine):
    """Remove, after the test, every trace of the sources it names: records, their history,
    import runs and provenance (``remove_source("t-x")`` returns the name, to use inline)."""
    sources: list[str] = []

    def name(source: str) -> str:
        sources.append(source)
        return source

    yield name
    with engine.begin() as conn:
        for table in ("resources", "program_sites", "conflict_cases"):
            ids = conn.execute(
                sa.text(f"DELETE FROM {table} WHERE source = ANY(:s) RETURNING id"),
                {"s": sources},
            ).scalars()
            conn.execute(
                sa.text(
                    "DELETE FROM change_history WHERE table_name = :t AND record_id = ANY(:ids)"
                ),
                {"t": table, "ids": list(ids)},
            )
        conn.execute(sa.text("DELETE FROM import_runs WHERE source = ANY(:s)"), {"s": sources})
        conn.execute(sa.text("DELETE FROM datasets WHERE source = ANY(:s)"), {"s": sources})
