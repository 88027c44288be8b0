"""Logging for operators: the standard library, set up once, to stderr.

Every module logs through ``logging.getLogger(__name__)``; :func:`setup` (called by the
app and every command line) attaches one stderr handler to the ``maeul`` parent logger
at ``MAEUL_LOG_LEVEL``. What is logged: imports, exports, sign-ins, statements slower
than ``MAEUL_SLOW_QUERY_MS`` (their SQL, never their parameters), and every error shown
to a user with its ``detail`` and traceback. Never a person's contact or a password: log
calls name records by source, counts and user names only.
"""

from __future__ import annotations

import logging
import sys
import time

import sqlalchemy as sa

from geo.errors import AtlasError
from geo.settings import load_settings

#: Parent of every logger of the project (``geo.*``, ``loaders.*``, ``layers.*``,
#: ``views.*`` are put under it by :func:`logger`).
ROOT = "maeul"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def logger(name: str) -> logging.Logger:
    """The logger of module ``name`` (``maeul.<name>``)."""
    return logging.getLogger(f"{ROOT}.{name}")


def setup() -> logging.Logger:
    """Attach the stderr handler at ``MAEUL_LOG_LEVEL`` (once per process); returns the root."""
    root = logging.getLogger(ROOT)
    root.setLevel(load_settings().log_level)
    if not any(getattr(h, "_maeul", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(FORMAT))
        handler._maeul = True  # type: ignore[attr-defined]
        root.addHandler(handler)
        root.propagate = False
    return root


def log_shown_error(
    log: logging.Logger, exc: AtlasError, where: str, *, traceback: bool = True
) -> None:
    """Log an error a user was shown: its ``detail`` and the traceback where it was raised.

    On a command line the log shares the user's screen (stderr): there ``traceback=False``
    logs at WARNING only what the message does not say (the ``detail``: a driver's words, a
    path), in one line; the traceback, and errors without detail, only at DEBUG/INFO.
    """
    text = f"{where}: {type(exc).__name__}" + (f" ({exc.detail})" if exc.detail else "")
    if traceback:
        log.warning(text, exc_info=exc)
        return
    log.log(logging.WARNING if exc.detail else logging.INFO, text)
    log.debug("traceback of the above", exc_info=exc)


_slow = logger("geo.db.slow")


def watch_slow_queries(engine: sa.Engine) -> None:
    """Log every statement of ``engine`` slower than ``MAEUL_SLOW_QUERY_MS`` (SQL only)."""
    limit_s = load_settings().slow_query_ms / 1000
    if getattr(engine, "_maeul_watched", False) or limit_s <= 0:
        return

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _start(conn, cursor, statement, parameters, context, executemany) -> None:
        conn.info["maeul_started"] = time.perf_counter()

    @sa.event.listens_for(engine, "after_cursor_execute")
    def _end(conn, cursor, statement, parameters, context, executemany) -> None:
        took = time.perf_counter() - conn.info.pop("maeul_started", time.perf_counter())
        if took >= limit_s:
            _slow.info("slow statement %.0f ms: %s", took * 1000, " ".join(statement.split())[:500])

    engine._maeul_watched = True  # type: ignore[attr-defined]
