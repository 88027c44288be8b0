"""Database engine (created once per process), connections, and the readiness check."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import OperationalError, ProgrammingError

from geo.errors import DatabaseUnavailable, SchemaMissing
from geo.settings import load_settings


def safe_url(url: str | URL) -> str:
    """Render a database URL with the password hidden, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


@lru_cache(maxsize=8)
def get_engine(url: str | None = None) -> Engine:
    """Return the process-wide engine for ``url`` (default: ``DATABASE_URL``).

    Parameters
    ----------
    url
        SQLAlchemy URL; ``None`` reads the settings.
    """
    url = url or load_settings().database_url
    # No pre-ping: it costs a round trip per query, a third of a nearby search. A connection
    # lost to a server restart fails once (as DatabaseUnavailable) and the pool renews.
    return sa.create_engine(
        url,
        pool_size=5,
        pool_recycle=3600,
        # Short spatial queries: never pay for JIT, even on a server that enables it.
        connect_args={"options": "-c jit=off", "connect_timeout": 5},
    )


@contextmanager
def connect(engine: Engine | None = None) -> Iterator[Connection]:
    """Yield a connection; connection failures become ``DatabaseUnavailable``."""
    engine = engine or get_engine()
    try:
        conn = engine.connect()
    except OperationalError as exc:
        raise DatabaseUnavailable(detail=f"{safe_url(engine.url)}: {exc.orig}") from exc
    with conn:
        try:
            yield conn
        except sa.exc.DBAPIError as exc:
            if exc.connection_invalidated:  # the server went away mid-query
                raise DatabaseUnavailable(detail=f"{safe_url(engine.url)}: {exc.orig}") from exc
            raise


@contextmanager
def transaction(engine: Engine | None = None) -> Iterator[Connection]:
    """Yield a connection inside one transaction: all of it commits, or none of it."""
    with connect(engine) as conn, conn.begin():
        yield conn


def check_ready(engine: Engine | None = None) -> None:
    """Raise a user-safe error unless the database is reachable, migrated and loaded."""
    with connect(engine) as conn:
        try:
            n = conn.execute(sa.text("SELECT count(*) FROM districts")).scalar_one()
        except ProgrammingError as exc:
            raise SchemaMissing(detail=str(exc.orig)) from exc
    if n == 0:
        raise SchemaMissing(detail="districts table is empty")
