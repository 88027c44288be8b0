"""``python -m layers export|bundle|ogcapi``: the layer-file command lines in one parser.

The commands live with what they run: ``export`` and ``bundle`` in
:mod:`layers.export.cli`, ``ogcapi`` in :mod:`layers.ogcapi`. ``maeul`` routes the same
commands here. Errors are printed as one user-safe line, never a traceback; exit codes in
:mod:`geo.cli`.
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from geo import cli
from layers import ogcapi
from layers.export import cli as export_cli

#: Subcommand -> one line of help (``maeul --help`` lists them too).
HELP = {**export_cli.HELP, "ogcapi": ogcapi.HELP}


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line (exit 2)."""

    def error(self, message: str) -> NoReturn:
        print(f"error: {message} (see python -m layers --help)", file=sys.stderr)
        raise SystemExit(2)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = _Parser(prog="python -m layers", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    commands = export_cli.add_commands(sub)
    commands["ogcapi"] = ogcapi.add_command(sub)
    args = parser.parse_args(argv)
    return cli.run(lambda: commands[args.command](args), f"layers {args.command}")


if __name__ == "__main__":
    sys.exit(main())
