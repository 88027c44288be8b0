"""The edge of every command line: exit codes, one-line errors, details to the log.

The exit codes (:data:`EXIT_CODES`) are the same for ``maeul``, ``python -m loaders`` and
``python -m layers``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from geo import incidents
from geo.errors import AtlasError, DatabaseUnavailable, SchemaMissing
from geo.logs import log_shown_error, logger, setup

OK, REJECTED, USAGE, DATABASE, UNEXPECTED = 0, 1, 2, 3, 4
#: Exit code -> what it means (``maeul --help`` prints it; docs/cli.md too).
EXIT_CODES = {
    OK: "done",
    REJECTED: "the import rejected rows and --strict was given",
    USAGE: "the file, an argument or the request cannot be used (the message says why)",
    DATABASE: "the database cannot be reached or is not set up",
    UNEXPECTED: "an unexpected error, logged with its traceback under an incident number",
}

_logger = logger("geo.cli")


class RowsRejected(AtlasError):
    """``--strict``: the import rejected rows (it still wrote the valid ones)."""

    key = "cli.rows_rejected"


def run(command: Callable[[], object], where: str) -> int:
    """Run ``command``; print one line and return the exit code when it fails."""
    setup()
    try:
        command()
    except RowsRejected as exc:
        print(f"error: {exc.user_msg}", file=sys.stderr)
        return REJECTED
    except (DatabaseUnavailable, SchemaMissing) as exc:
        log_shown_error(_logger, exc, where, traceback=False)
        print(f"error: {exc.user_msg}", file=sys.stderr)
        return DATABASE
    except AtlasError as exc:
        log_shown_error(_logger, exc, where, traceback=False)
        print(f"error: {exc.user_msg}", file=sys.stderr)
        if hint := getattr(exc, "cli_hint", None):  # what to type instead, on a command line
            print(f"hint: {hint}", file=sys.stderr)
        return USAGE
    except OSError as exc:  # a report or output path that cannot be written
        _logger.info("%s: %s", where, exc)
        print(f"error: {exc.strerror or exc} ({exc.filename or ''})", file=sys.stderr)
        return USAGE
    except Exception as exc:  # the edge: log the traceback, show a message and a number
        err = incidents.record(exc, where=where)
        _logger.error("%s: incident %s (traceback in MAEUL_ERROR_LOG)", where, err.incident)
        print(f"error: {err.user_msg} ({err.incident})", file=sys.stderr)
        return UNEXPECTED
    return OK
