"""Command line for data and accounts: ``python -m loaders COMMAND`` (see ``--help``).

Errors are printed as one user-safe message, never a traceback; exit codes in ``geo.cli``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from geo import cli
from geo.errors import InvalidInput
from geo.messages import Msg


def _setup(args: argparse.Namespace) -> None:
    from loaders.setup import setup_database

    report = setup_database(
        args.database_url, with_demo=not args.no_demo, with_open_data=not args.no_open_data
    )
    if "open_data" in report:
        _print_open_data(report["open_data"], report["links"])  # type: ignore[arg-type]
    print(
        f"ready: {report['districts']} districts, {report['dongs']} dongs, "
        f"{report['programs']} programs"
    )


def _print_open_data(results: list, links: dict) -> None:
    print("open data (data/open/manifest.toml):")
    for res in results:
        print(f"  {res.line()}")
        if res.report is not None and res.report.retired:
            for sid, name in res.report.retired:
                print(f"    retired: {name} ({sid})")
    print(f"  linked records (same place in several sources): {links['linked']:,}")
    for row in links["pairs"].itertuples():
        print(f"    {row.source_a} + {row.source_b}: {row.links:,}")
    if links.get("demo_removed"):
        print(f"  demo space/heritage records deleted: {links['demo_removed']:,}")


def _open_data(args: argparse.Namespace) -> None:
    from geo.db import get_engine, transaction
    from geo.places import sample_links
    from geo.progress import print_progress
    from loaders.opendata import MANIFEST, load_open_data

    results, links = load_open_data(
        args.database_url,
        manifest=args.manifest or MANIFEST,
        force=True,
        retire_missing=args.retire_missing,
        progress=print_progress,
    )
    _print_open_data(results, links)
    with transaction(get_engine(args.database_url)) as conn:
        sample = sample_links(conn, 10)
    if len(sample):
        print("  sample of links (judge the rule):")
        for row in sample.itertuples():
            print(
                f"    {row.name_a} [{row.source_a}] = {row.name_b} [{row.source_b}] "
                f"({row.distance_m} m)"
            )


def _migrate(args: argparse.Namespace) -> None:
    from geo import migrate

    migrate.upgrade(args.database_url)
    print(f"schema at revision {', '.join(migrate.current(args.database_url))}")


def _population(args: argparse.Namespace) -> None:
    from geo.db import get_engine, transaction
    from loaders.population import import_path

    with transaction(get_engine(args.database_url)) as conn:
        report = import_path(conn, args.file, period=args.period)
    print("\n".join(map(str, report.summary())))


def _create_user(args: argparse.Namespace) -> None:
    import getpass

    from geo.auth import create_user
    from geo.db import get_engine, transaction
    from geo.reference import resolve_districts

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            raise InvalidInput(Msg("cli.passwords_differ"))
    engine = get_engine(args.database_url)
    with transaction(engine) as conn:
        district = None
        if args.district:
            codes = resolve_districts([args.district])
            if len(codes) != 1:
                raise InvalidInput(Msg("cli.name_one_district"))
            district = codes[0]
        create_user(conn, args.username, password, role=args.role, district_code=district)
    print(f"created {args.role} {args.username}")


def _import(args: argparse.Namespace) -> None:
    from geo.auth import account_viewer
    from geo.db import get_engine
    from geo.progress import print_progress
    from loaders.bounded import import_file
    from loaders.columns import read_mapping_file
    from loaders.plan import ImportOptions

    mapping = read_mapping_file(args.mapping) if args.mapping else None
    engine = get_engine(args.database_url)
    viewer = account_viewer(args.user, engine=engine) if args.user else None
    options = ImportOptions(
        viewer=viewer,
        target=args.target,
        source=args.source,
        kind=args.kind,
        category=args.category,
        crs=args.crs,
        layer=args.layer,
        sheet=args.sheet,
        mapping=mapping,
    )
    print_progress(0.0, f"reading {args.path}")
    report = import_file(
        args.path,
        options,
        database_url=args.database_url,
        dry_run=args.dry_run,
        progress=print_progress,
    )
    print("\n".join(report.summary()))
    if args.report:
        print(f"report: {report.write_json(args.report)}")
        rejected = Path(args.report).with_suffix(".rejected.csv")
    else:
        rejected = Path.cwd() / f"{Path(args.path).stem}.rejected.csv"
    if report.rejected or args.report:
        print(f"rejected rows: {report.write_rejected(rejected)}")
    if report.rejected and args.strict:
        raise cli.RowsRejected()


def _run_actor(args: argparse.Namespace):
    """The account of ``--user``, or the OS user acting as an administrator (no account)."""
    import getpass

    from geo.access import Viewer
    from geo.auth import account_viewer
    from geo.db import get_engine

    if args.user:
        return account_viewer(args.user, engine=get_engine(args.database_url))
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return Viewer("admin", username=f"cli:{who}")


def _import_added(args: argparse.Namespace) -> None:
    from geo.imports import added_by

    added = added_by(_run_actor(args), args.run)
    active = int(added["retired_at"].isna().sum())
    print(f"import #{args.run} added {len(added):,} records ({active:,} still active)")
    for row in added.head(args.limit).itertuples():
        state = "" if row.retired_at is None or row.retired_at != row.retired_at else " (retired)"
        print(f"  #{row.id} {row.source_id} {row.name} [{row.kind}/{row.category}]{state}")
    if len(added) > args.limit:
        print(f"  ... {len(added) - args.limit:,} more")


def _undo_import(args: argparse.Namespace) -> None:
    from geo.imports import undo_import

    actor = _run_actor(args)
    retired = undo_import(actor if args.user else actor.username, args.run)
    print(f"import #{args.run} undone: {retired:,} records retired (restorable one by one)")


def _import_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "path", type=Path, help="CSV, XLSX, GeoJSON, Shapefile (.shp/.zip/folder), GPKG, KML"
    )
    p.add_argument(
        "--target", default="resources", choices=["resources", "program_sites", "conflict_cases"]
    )
    p.add_argument(
        "--kind", help="resource kind for every row (code or label, e.g. space, 공간자원)"
    )
    p.add_argument("--category", help="category for every row (e.g. library, 작은도서관)")
    p.add_argument(
        "--source", help="source name; records match on (source, id). Default: file name"
    )
    p.add_argument("--mapping", type=Path, help="mapping file (TOML or JSON): columns and values")
    p.add_argument("--crs", help="EPSG code of the coordinates (default: detected from the values)")
    p.add_argument("--layer", help="layer of a GeoPackage/KML, or shapefile in a folder/zip")
    p.add_argument("--sheet", help="sheet of a spreadsheet (default: the first)")
    p.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    p.add_argument(
        "--strict",
        action="store_true",
        help="exit with code 1 when any row is rejected (the valid rows are still imported)",
    )
    p.add_argument(
        "--user",
        help="import as this account, with its rights (a district officer: own district only)",
    )
    p.add_argument(
        "--report", type=Path, help="write the report as JSON (rejected rows CSV beside)"
    )


COMMANDS = {
    "setup": (_setup, "migrate, load reference data, programs and (into an empty DB) demo"),
    "migrate": (_migrate, "upgrade the schema to the newest migration"),
    "open-data": (_open_data, "open-data refresh: re-import every file of the manifest"),
    "import": (_import, "import a file of resources, program sites or conflict cases"),
    "import-added": (_import_added, "list the records an import run created"),
    "undo-import": (_undo_import, "retire every record an import run created (all or none)"),
    "population": (_population, "import Seoul's 주민등록인구 by 자치구 table (XLSX/XLS/CSV)"),
    "create-user": (_create_user, "create a staff account (the first administrator too)"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loaders", description=__doc__)
    parser.add_argument("--database-url", help="override DATABASE_URL")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (_, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text)
        if name == "setup":
            p.add_argument("--no-demo", action="store_true", help="never load demo data")
            p.add_argument(
                "--no-open-data", action="store_true", help="do not load data/open files"
            )
        if name == "open-data":
            p.add_argument("action", choices=["refresh"])
            p.add_argument("--manifest", type=Path, help="another manifest (default data/open)")
            p.add_argument(
                "--retire-missing",
                action="store_true",
                help="retire records a complete file no longer lists (never deleted)",
            )
        if name == "import":
            _import_arguments(p)
        if name in ("import-added", "undo-import"):
            p.add_argument("run", type=int, help="the import run's number (import_runs.id)")
            p.add_argument("--user", help="act as this account, with its rights")
        if name == "import-added":
            p.add_argument("--limit", type=int, default=50, help="records to print")
        if name == "population":
            p.add_argument("file", type=Path, help="the table as published (XLSX, XLS or CSV)")
            p.add_argument("--period", help="e.g. 2023Q4, when the file does not say")
        if name == "create-user":
            p.add_argument("username")
            p.add_argument(
                "--role", required=True, choices=["admin", "planner", "district_officer"]
            )
            p.add_argument("--district", help="district officer's district (name or code)")
            p.add_argument(
                "--password-stdin",
                action="store_true",
                help="read the password from standard input (no prompt)",
            )
    args = parser.parse_args(argv)
    return cli.run(lambda: COMMANDS[args.command][0](args), f"loaders {args.command}")


if __name__ == "__main__":
    sys.exit(main())
