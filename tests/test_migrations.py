"""The schema comes from the Alembic chain alone, matches the models, and setup is idempotent."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from geoalchemy2 import alembic_helpers

from geo import migrate
from geo.models import Base
from geo.progress import no_progress
from loaders.setup import setup_database

APP_TABLES = {
    "districts",
    "dongs",
    "programs",
    "resources",
    "program_sites",
    "site_evaluations",
    "conflict_cases",
    "conflict_stage_events",
    "change_history",
}


def _tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def _counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in sorted(APP_TABLES - {"change_history"})
        }


def test_migrations_from_empty_build_the_whole_schema(db_url, engine):
    before = _counts(engine)
    migrate.downgrade(db_url)
    assert _tables(engine) & APP_TABLES == set()
    assert migrate.current(db_url) == ()
    migrate.upgrade(db_url)
    assert _tables(engine) >= APP_TABLES
    views = set(sa.inspect(engine).get_view_names())
    assert "resources_public" in views
    # Put the session's data back for the other tests.
    setup_database(db_url, progress=no_progress)
    assert _counts(engine) == before


def test_models_and_migrations_agree(engine):
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"include_object": alembic_helpers.include_object}
        )
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []


def test_spatial_columns_have_srid_4326_and_gist_indexes(engine):
    with engine.connect() as conn:
        cols = conn.execute(
            sa.text("SELECT f_table_name, srid FROM geometry_columns WHERE f_table_schema='public'")
        ).all()
        gist = (
            conn.execute(
                sa.text("SELECT tablename FROM pg_indexes WHERE indexdef LIKE '%USING gist%'")
            )
            .scalars()
            .all()
        )
    assert {t for t, _ in cols} >= {
        "districts",
        "dongs",
        "resources",
        "program_sites",
        "conflict_cases",
    }
    assert {srid for t, srid in cols if t != "resources_public"} == {4326}
    assert {"districts", "dongs", "resources", "program_sites", "conflict_cases"} <= set(gist)


def test_running_setup_again_loses_and_duplicates_nothing(db_url, engine):
    before = _counts(engine)
    report = setup_database(db_url, progress=no_progress)
    assert report["demo"] is None  # demo data goes only into an empty database
    assert _counts(engine) == before


def test_the_chain_ends_in_one_head_that_setup_reaches(db_url):
    assert len(migrate.heads()) == 1, migrate.heads()
    assert migrate.current(db_url) == migrate.heads()
