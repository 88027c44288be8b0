"""Command line for loading data: ``python -m loaders setup|migrate|demo``.

Errors are printed as one user-safe message (exit code 2), never a traceback.
"""

from __future__ import annotations

import argparse
import sys

from geo.errors import AtlasError


def _setup(args: argparse.Namespace) -> None:
    from loaders.setup import setup_database

    report = setup_database(args.database_url, with_demo=not args.no_demo)
    print(
        f"ready: {report['districts']} districts, {report['dongs']} dongs, "
        f"{report['programs']} programs"
    )


def _migrate(args: argparse.Namespace) -> None:
    from geo import migrate

    migrate.upgrade(args.database_url)
    print(f"schema at revision {', '.join(migrate.current(args.database_url))}")


COMMANDS = {
    "setup": (_setup, "migrate, load reference data, programs and (into an empty DB) demo"),
    "migrate": (_migrate, "upgrade the schema to the newest migration"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loaders", description=__doc__)
    parser.add_argument("--database-url", help="override DATABASE_URL")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (_, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text)
        if name == "setup":
            p.add_argument("--no-demo", action="store_true", help="never load demo data")
    args = parser.parse_args(argv)
    try:
        COMMANDS[args.command][0](args)
    except AtlasError as exc:
        print(f"error: {exc.user_msg}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
