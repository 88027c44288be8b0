"""Alembic environment: runs the migration chain against the configured PostGIS."""

from __future__ import annotations

from alembic import context
from geoalchemy2 import alembic_helpers

from geo.db import get_engine
from geo.models import Base

config = context.config


def run_migrations_online() -> None:
    engine = get_engine(config.get_main_option("sqlalchemy.url") or None)
    with engine.connect() as connection:
        # Migrations are bulk work: no page-sized statement limit (reset before the
        # connection goes back to the pool).
        connection.exec_driver_sql("SET statement_timeout = 0")
        connection.commit()
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            # geoalchemy2's helpers keep autogenerate correct for spatial columns/indexes.
            include_object=alembic_helpers.include_object,
            process_revision_directives=alembic_helpers.writer,
            render_item=alembic_helpers.render_item,
            transaction_per_migration=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.exec_driver_sql("RESET statement_timeout")
        connection.commit()


run_migrations_online()
