"""Database engine (created once per process), connections, and the readiness check.

Reads and writes: :func:`connect` and :func:`transaction` go to the primary
(``DATABASE_URL``); :func:`connect_read` and ``fetch_rows(url=read_url(viewer))`` go to
the read replica (``DATABASE_READ_URL``) when one is configured and the reader is the
public. Signed-in staff read the primary, so they always see their own writes.

Besides the SQLAlchemy engine, :func:`fetch_rows` runs short reads on bare psycopg
connections kept idle in autocommit: for a query of half a millisecond (the nearby search)
the engine's checkout, return and result wrapping cost about as much again.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import OperationalError, ProgrammingError

from geo.errors import DatabaseUnavailable, SchemaMissing, TooSlow
from geo.logs import watch_slow_queries
from geo.messages import Msg
from geo.settings import load_settings


def safe_url(url: str | URL) -> str:
    """Render a database URL with the password hidden, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def libpq_args() -> dict[str, str]:
    """Connection options every connection to PostgreSQL takes.

    The password file (``MAEUL_PGPASSFILE``) when it exists: libpq reads it only when the
    URL has no password, so a ``DATABASE_URL`` with a password keeps working. TCP
    keepalives, so a connection to a vanished client or server is noticed in about 20 s.
    """
    args = {
        "keepalives": "1",
        "keepalives_idle": "10",
        "keepalives_interval": "5",
        "keepalives_count": "2",
    }
    path = load_settings().pgpassfile
    return args | ({"passfile": path} if os.path.isfile(path) else {})


def session_options() -> str:
    """Server settings of every app connection (libpq ``options``).

    JIT off (short spatial queries never pay for it); no statement runs longer than
    ``MAEUL_STATEMENT_TIMEOUT_S`` and no transaction idles longer, unless :func:`bulk`
    lifts both; the server checks every 2 s during a statement that the client is still
    there, so a killed import (``kill -9``) releases its locks within seconds.
    """
    ms = load_settings().statement_timeout_s * 1000
    return (
        f"-c jit=off -c statement_timeout={ms} -c idle_in_transaction_session_timeout={ms}"
        " -c client_connection_check_interval=2000"
    )


def bulk(conn: Connection) -> None:
    """Give the current transaction of ``conn`` the bulk limits (``MAEUL_BULK_TIMEOUT_S``):
    imports, exports and setup run longer than any page's query."""
    ms = load_settings().bulk_timeout_s * 1000
    conn.execute(sa.text(f"SET LOCAL statement_timeout = {int(ms)}"))
    conn.execute(sa.text(f"SET LOCAL idle_in_transaction_session_timeout = {int(ms)}"))


@lru_cache(maxsize=8)
def get_engine(url: str | None = None) -> Engine:
    """Return the process-wide engine for ``url`` (default: ``DATABASE_URL``).

    Parameters
    ----------
    url
        SQLAlchemy URL; ``None`` reads the settings.
    """
    url = url or load_settings().database_url
    try:
        make_url(url)
    except sa.exc.ArgumentError as exc:
        raise DatabaseUnavailable(
            Msg("db.database_url_cannot_parsed"),
            detail=str(exc),
        ) from exc
    # No pre-ping: it costs a round trip per query, a third of a nearby search. A connection
    # lost to a server restart fails once (as DatabaseUnavailable) and the pool renews.
    engine = sa.create_engine(
        url,
        pool_size=5,
        pool_recycle=3600,
        # Short spatial queries: never pay for JIT, even on a server that enables it.
        connect_args={"options": session_options(), "connect_timeout": 5, **libpq_args()},
    )
    watch_slow_queries(engine)
    return engine


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
            if isinstance(exc.orig, psycopg.errors.QueryCanceled):
                raise TooSlow(detail=str(exc.orig).splitlines()[0]) from exc
            raise


#: Who the current page run reads for (set by app.py on every run; each Streamlit script
#: run has its own thread, hence its own context). ``None``: the public.
_READER: ContextVar[object | None] = ContextVar("maeul_reader", default=None)


def read_as(viewer: object | None) -> None:
    """Declare who the reads of the current run (thread) are for: signed-in staff then read
    the primary even through functions that take no viewer.

    It chooses a database only, never what may be read: rights come from the viewer each
    query takes (``geo.access``). A run that did not declare (a fragment's rerun) reads as
    the public for functions without a viewer, i.e. reference data from the replica.
    """
    _READER.set(viewer)


def read_url(viewer: object | None = None) -> str | None:
    """The database a read-only page query of ``viewer`` goes to.

    Parameters
    ----------
    viewer
        A :class:`geo.access.Viewer`; ``None``: the one :func:`read_as` declared for this
        run (the public when none was).

    Returns
    -------
    str or None
        ``DATABASE_READ_URL`` for the public (or ``None``) when a replica is configured;
        ``None`` (the primary, the default engine) otherwise and for signed-in staff, who
        must read their own writes.
    """
    settings = load_settings()
    if settings.database_read_url == settings.database_url:
        return None
    viewer = viewer if viewer is not None else _READER.get()
    if viewer is not None and getattr(viewer, "role", "public") != "public":
        return None
    return settings.database_read_url


@contextmanager
def connect_read(viewer: object | None = None) -> Iterator[Connection]:
    """:func:`connect` for a read-only page query: the replica when :func:`read_url` says so.

    Never write through it: on a replica the server refuses
    (``cannot execute ... in a read-only transaction``).
    """
    url = read_url(viewer)
    with connect(get_engine(url) if url else None) as conn:
        yield conn


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


#: Idle bare connections kept per database for :func:`fetch_rows` (more are closed).
_READ_IDLE_MAX = 8
#: ``application_name`` of those connections (as ``pg_stat_activity`` shows them).
READS_APPLICATION = "maeul-atlas reads"


class _Reads:
    """Idle autocommit psycopg connections to one database (a stack; any thread)."""

    def __init__(self, engine: Engine) -> None:
        self.url = engine.url
        self.dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.idle: deque[psycopg.Connection] = deque()

    def get(self) -> tuple[psycopg.Connection, bool]:
        """A connection and whether it was reused (an idle one) rather than new."""
        try:
            return self.idle.pop(), True
        except IndexError:
            pass
        try:
            conn = psycopg.connect(
                self.dsn,
                autocommit=True,
                options=session_options(),
                connect_timeout=5,
                application_name=READS_APPLICATION,
                **libpq_args(),  # type: ignore[arg-type]  # libpq keywords (passfile=)
            )
        except psycopg.OperationalError as exc:
            raise DatabaseUnavailable(detail=f"{safe_url(self.url)}: {exc}") from exc
        return conn, False

    def put(self, conn: psycopg.Connection) -> None:
        idle = conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        if not conn.closed and idle and len(self.idle) < _READ_IDLE_MAX:
            self.idle.append(conn)
        else:
            conn.close()


@lru_cache(maxsize=8)
def _reads(url: str | None) -> _Reads:
    return _Reads(get_engine(url))


def fetch_rows(sql: str, params: Mapping[str, object], *, url: str | None = None) -> list[tuple]:
    """Run one read-only statement and return its rows as tuples.

    ``sql`` uses psycopg's ``%(name)s`` placeholders; values are always bound, never
    formatted in. The statement is prepared on the server the first time a connection runs
    it. A connection lost while idle (a server restart) is replaced once; otherwise a
    connection failure raises :class:`~geo.errors.DatabaseUnavailable`.

    Parameters
    ----------
    url
        SQLAlchemy URL of the database; ``None``: the engine's (``DATABASE_URL``).
    """
    reads = _reads(url)
    while True:
        conn, reused = reads.get()
        try:
            rows = conn.execute(sql, params, prepare=True).fetchall()
        except psycopg.OperationalError as exc:
            if not conn.broken:  # e.g. a cancelled statement: the connection is fine
                reads.put(conn)
                raise
            conn.close()
            if reused:
                continue  # stale after a restart: the next one is new (or also idle)
            raise DatabaseUnavailable(detail=f"{safe_url(reads.url)}: {exc}") from exc
        except BaseException:
            reads.put(conn)
            raise
        reads.put(conn)
        return rows
