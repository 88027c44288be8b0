"""Test fixtures: a real PostGIS database, migrated from empty and loaded once per session.

The tests never mock the database. If it cannot be reached they fail (they never skip):
``make test`` brings the local cluster up first.
"""

from __future__ import annotations

import os
from collections.abc import Callable

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


#: Tables of records that carry a ``source`` (their history rows are removed with them).
RECORD_TABLES = ("resources", "program_sites", "conflict_cases")


class Cleanup:
    """What a test made, removed after it in one transaction.

    ``source`` names a test source (``%`` makes it a LIKE pattern): its records of every
    record table, their history, import runs, provenance and population rows. ``named``
    does the same for records by name or title pattern (records made on a page). ``users``
    names test accounts by LIKE pattern: the accounts, their audit entries and their
    sign-in slow-down. ``records`` names rows by id (with their history). ``sql`` is for
    what none of these covers (a test vocabulary entry), run after the records and accounts
    are gone, in the order given; ``call`` runs a function at the very end (a cache to
    clear). ``source``, ``named``, ``users`` and ``records`` return their first argument,
    so they can be used inline: ``source = cleanup.source("t-x")``.
    """

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.sources: list[str] = []
        self.user_patterns: list[str] = []
        self.names: list[str] = []
        self.rows: list[tuple[str, list[int]]] = []
        self.statements: list[tuple[str, dict]] = []
        self.calls: list[Callable[[], object]] = []

    def source(self, *names: str) -> str:
        self.sources.extend(names)
        return names[0]

    def named(self, *patterns: str) -> str:
        self.names.extend(patterns)
        return patterns[0]

    def users(self, *patterns: str) -> str:
        self.user_patterns.extend(patterns)
        return patterns[0]

    def records(self, table: str, ids: list[int]) -> list[int]:
        self.rows.append((table, ids))  # the list may still grow during the test
        return ids

    def sql(self, statement: str, **params) -> None:
        self.statements.append((statement, params))

    def call(self, function: Callable[[], object]) -> None:
        self.calls.append(function)

    def run(self) -> None:
        from geo import auth

        with self.engine.begin() as conn:
            for table in RECORD_TABLES:
                title = "title" if table == "conflict_cases" else "name"
                ids = list(
                    conn.execute(
                        sa.text(
                            f"DELETE FROM {table} WHERE source LIKE ANY(:s) "
                            f"OR {title} LIKE ANY(:n) RETURNING id"
                        ),
                        {"s": self.sources, "n": self.names},
                    ).scalars()
                )
                ids += [i for t, made in self.rows if t == table for i in made]
                conn.execute(sa.text(f"DELETE FROM {table} WHERE id = ANY(:ids)"), {"ids": ids})
                conn.execute(
                    sa.text(
                        "DELETE FROM change_history WHERE table_name = :t AND record_id = ANY(:ids)"
                    ),
                    {"t": table, "ids": ids},
                )
            for table in ("import_runs", "datasets", "district_population"):
                conn.execute(
                    sa.text(f"DELETE FROM {table} WHERE source LIKE ANY(:s)"),
                    {"s": self.sources},
                )
            names = list(
                conn.execute(
                    sa.text("DELETE FROM users WHERE username LIKE ANY(:p) RETURNING username"),
                    {"p": self.user_patterns},
                ).scalars()
            )
            conn.execute(
                sa.text("DELETE FROM audit_log WHERE username LIKE ANY(:p)"),
                {"p": self.user_patterns},
            )
            for statement, params in self.statements:
                conn.execute(sa.text(statement), params)
        for name in names:
            auth.forget_failures(name)
        for function in self.calls:
            function()


@pytest.fixture
def cleanup(engine: sa.Engine):
    """A :class:`Cleanup` run after the test."""
    made = Cleanup(engine)
    yield made
    made.run()


@pytest.fixture(scope="module")
def module_cleanup(engine: sa.Engine):
    """A :class:`Cleanup` run after the test module (for module-scoped data)."""
    made = Cleanup(engine)
    yield made
    made.run()


@pytest.fixture(scope="module")
def app_url(db_url: str):
    """The app served by Streamlit on a free port for a browser test module; its URL."""
    from tests.browser import REPO_ROOT, streamlit_server

    with streamlit_server(REPO_ROOT / "app.py", env={"DATABASE_URL": db_url}) as base:
        yield base


#: A district officer account of Mapo-gu used by browser tests: (user name, password).
MAPO_OFFICER = ("browser.officer", "browser password 1")


@pytest.fixture
def mapo_officer(engine: sa.Engine, cleanup: Cleanup) -> tuple[str, str]:
    """A district officer account of Mapo-gu (user name, password), removed afterwards."""
    from geo import auth

    with engine.begin() as conn:
        auth.create_user(
            conn,
            cleanup.users(MAPO_OFFICER[0]),
            MAPO_OFFICER[1],
            role="district_officer",
            district_code="11440",
        )
    return MAPO_OFFICER


@pytest.fixture
def imported(engine: sa.Engine, cleanup: Cleanup):
    """Run an import (``loaders.ingest.run_import``) into the test database; what it wrote
    is removed after the test."""
    from loaders.ingest import run_import

    def run(plan, **kw):
        cleanup.source(plan.source)
        return run_import(plan, engine=engine, **kw)

    return run


def add_resources(conn: sa.Connection, source: str, rows: list[dict]) -> list[int]:
    """Insert resources of a test source and place them in their dong and district, as an
    import does (``geo.areas.assign_areas``); returns their ids in order.

    Each row gives ``lon`` and ``lat`` and any column of ``resources`` (``kind``,
    ``category``, ``name`` ... ``source_id`` defaults to the row's position). Written
    through the model's table, so a renamed column fails here, not silently.
    """
    from geo.areas import assign_areas
    from geo.models import Resource

    table = Resource.__table__
    ids = []
    for i, row in enumerate(rows):
        values = {k: v for k, v in row.items() if k not in ("lon", "lat")}
        values.setdefault("source_id", str(i))
        values["source"] = source
        values["geom"] = sa.func.ST_SetSRID(sa.func.ST_MakePoint(row["lon"], row["lat"]), 4326)
        ids.append(
            conn.execute(sa.insert(table).values(**values).returning(table.c.id)).scalar_one()
        )
    assign_areas(conn, "resources", ids=ids)
    return ids
