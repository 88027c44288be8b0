"""Schema migrations: upgrade or downgrade the database with the Alembic chain.

Early feature branches of the schema merge at ``0007_retire``; since then the chain is
linear and ends in one head (``tests/test_migrations.py`` checks it).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from geo.db import connect, get_engine

_SCRIPTS = Path(__file__).with_name("migrations")


def _config(url: str | None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_SCRIPTS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None, *, revision: str = "heads") -> None:
    """Bring the schema at ``url`` (default ``DATABASE_URL``) up to ``revision``."""
    with connect(get_engine(url)):  # fail early with a clear message if unreachable
        pass
    command.upgrade(_config(url), revision)


def downgrade(url: str | None = None, *, revision: str = "base") -> None:
    """Take the schema at ``url`` down to ``revision`` (``base`` drops everything)."""
    command.downgrade(_config(url), revision)


def heads() -> tuple[str, ...]:
    """The head revision(s) of the chain in ``geo/migrations`` (one, by rule)."""
    from alembic.script import ScriptDirectory

    return tuple(ScriptDirectory.from_config(_config(None)).get_heads())


def current(url: str | None = None) -> tuple[str, ...]:
    """The revision(s) the database is at; empty when it was never migrated."""
    with connect(get_engine(url)) as conn:
        return MigrationContext.configure(conn).get_current_heads()
