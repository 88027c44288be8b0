"""Unexpected failures at the edges (CLI, pages): traceback to a private log, a number to the user.

A page or command that meets an error it did not expect (not an
:class:`~geo.errors.AtlasError`) calls :func:`record`: the traceback is appended to
``MAEUL_ERROR_LOG`` (created 0600: it may hold data from the failing request) and the user
gets a message with an incident number to quote, never the traceback.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import traceback

from geo.errors import AtlasError
from geo.settings import load_settings


class Unexpected(AtlasError, RuntimeError):
    """An error nobody planned for; the details are in the error log under its number."""

    key = "error.incident"

    def __init__(self, incident: str) -> None:
        self.incident = incident
        super().__init__(detail=incident)


def record(exc: BaseException, *, where: str = "") -> Unexpected:
    """Log ``exc`` with its traceback under a new incident number; return the error to show.

    Writing the log never raises: a log that cannot be written loses the details, not the
    message.
    """
    incident = secrets.token_hex(4)
    text = "".join(traceback.format_exception(exc))
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    path = load_settings().error_log
    try:
        os.makedirs(os.path.dirname(path) or ".", mode=0o700, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as log:
            log.write(f"--- {stamp} incident {incident} {where}\n{text}\n")
    except OSError:
        pass
    return Unexpected(incident)


def find(incident: str) -> str | None:
    """The logged traceback of ``incident`` (for administrators and tests), if any."""
    try:
        with open(load_settings().error_log, encoding="utf-8") as log:
            entries = log.read().split("--- ")
    except OSError:
        return None
    return next((e for e in entries if f" incident {incident} " in e), None)
