"""``maeul``: the one command line of Maeul Atlas.

``maeul setup``, ``maeul import FILE``, ``maeul export``, ``maeul bundle``, ``maeul ogcapi``,
``maeul create-user NAME`` ... route to the data commands (``python -m loaders``) and the
layer-file commands (``python -m layers``), which stay available. ``maeul COMMAND --help``
tells each command's options; exit codes are listed in :mod:`geo.cli`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from importlib import metadata


def _version() -> str:
    try:
        return metadata.version("maeul-atlas")
    except metadata.PackageNotFoundError:  # run from a checkout without `pip install -e .`
        return "unknown (not installed)"


def _commands() -> dict[str, tuple[str, Callable[[list[str]], int]]]:
    """Command -> (help, the ``main`` of the module that runs it)."""
    from layers import __main__ as layer_cli
    from loaders import __main__ as data_cli

    table: dict[str, tuple[str, Callable[[list[str]], int]]] = {
        name: (help_text, data_cli.main) for name, (_, help_text) in data_cli.COMMANDS.items()
    }
    for name, help_text in layer_cli.HELP.items():
        table[name] = (help_text, layer_cli.main)
    return table


def _usage(commands: dict[str, tuple[str, Callable[[list[str]], int]]]) -> str:
    from geo import cli

    width = max(map(len, commands))
    lines = [f"  {name:<{width}}  {help_text}" for name, (help_text, _) in commands.items()]
    return (
        "usage: maeul [--version] [--database-url URL] COMMAND [options]\n\n"
        "Maeul Atlas (마을 아틀라스): Seoul's village-community resources.\n\ncommands:\n"
        + "\n".join(lines)
        + "\n\n'maeul COMMAND --help' shows a command's options.\n\nexit codes:\n"
        + "\n".join(f"  {code}  {text}" for code, text in cli.EXIT_CODES.items())
    )


def main(argv: list[str] | None = None) -> int:
    """Run ``maeul``; returns the exit code."""
    try:
        code = _main(argv)
        sys.stdout.flush()  # inside the try: a closed pipe shows here, not at exit
        return code
    except BrokenPipeError:
        # The reader of our output went away (``maeul --help | head``): not an error of
        # ours, and no traceback. Later writes go nowhere instead of failing again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _main(argv: list[str] | None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    commands = _commands()
    if args[:1] == ["--version"]:
        print(f"maeul {_version()}")
        return 0
    prefix = args[:2] if args[:1] == ["--database-url"] else []
    rest = args[len(prefix) :]
    if not rest or rest[0] in ("-h", "--help"):
        print(_usage(commands), file=sys.stdout if rest else sys.stderr)
        return 0 if rest else 2
    if rest[0] not in commands:
        print(f"error: unknown command '{rest[0]}' (see maeul --help)", file=sys.stderr)
        return 2
    run = commands[rest[0]][1]
    if prefix and rest[0] in _layer_commands():
        print("error: for export/bundle/ogcapi set DATABASE_URL instead", file=sys.stderr)
        return 2
    return run(prefix + rest)


def _layer_commands() -> set[str]:
    from layers import __main__ as layer_cli

    return set(layer_cli.HELP)


if __name__ == "__main__":
    sys.exit(main())
