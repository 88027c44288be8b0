"""The one error hierarchy of Maeul Atlas: each error carries a message safe to show users.

An error carries a message of the catalog (:mod:`geo.messages`): a ``key`` and its
``params``, each class a default key. A page shows ``exc.text(lang)`` (through
``views.common.show_error``), the command line ``exc.user_msg`` (both languages).
``detail`` is for logs only (it may hold SQL, paths or driver messages, but never a
password)::

    raise InvalidInput(Msg("crs.unknown_crs", code=code), detail=str(exc))
    raise NotFound(detail=...)  # the class's own message
"""

from __future__ import annotations

from typing import Any

from geo.messages import Msg


def _restore(cls: type[AtlasError], args: tuple, state: dict) -> AtlasError:
    """Rebuild a pickled error without calling its ``__init__`` (see ``__reduce__``)."""
    exc = cls.__new__(cls)
    exc.args = args
    exc.__dict__.update(state)
    return exc


class AtlasError(Exception):
    """Base of every error the application raises on purpose."""

    #: The message an error of this class shows when raised without one.
    key = "error.unexpected"

    def __reduce__(self) -> tuple:
        # Errors cross from an import's child process (loaders.bounded) whole, whatever
        # their __init__ takes: message, detail and extra attributes.
        return (_restore, (type(self), self.args, dict(self.__dict__)))

    def __init__(self, msg: Msg | None = None, *, detail: str | None = None) -> None:
        self.msg = msg if msg is not None else Msg(self.key)
        self.key = self.msg.key
        self.detail = detail
        shown = str(self.msg)
        super().__init__(shown if detail is None else f"{shown} ({detail})")

    @property
    def params(self) -> dict[str, Any]:
        """The parameters of the message."""
        return self.msg.params

    @property
    def user_msg(self) -> str:
        """The message in both languages (command line, logs)."""
        return str(self.msg)

    def text(self, lang: str = "ko") -> str:
        """The message in ``lang``: what a page shows."""
        return self.msg.text(lang)


class DatabaseUnavailable(AtlasError, ConnectionError):
    """The database cannot be reached or is not set up."""

    key = "error.db_unavailable"


class SchemaMissing(AtlasError, LookupError):
    """The database is reachable but not migrated or not loaded."""

    key = "error.schema_missing"


class TooSlow(AtlasError, TimeoutError):
    """A statement ran past its time limit (``MAEUL_STATEMENT_TIMEOUT_S``) and was stopped."""

    key = "error.too_slow"


class InvalidInput(AtlasError, ValueError):
    """A value given by a user (filter, file, argument) cannot be used."""

    key = "error.invalid_input"


class NotFound(AtlasError, LookupError):
    """A requested record does not exist or is not visible to the viewer."""

    key = "error.not_found"


class Forbidden(AtlasError, PermissionError):
    """The viewer's role does not allow this action."""

    key = "error.forbidden"


#: Longest free text a search or filter box takes (characters).
MAX_QUERY_TEXT = 200


def user_text(value: object, what: Msg | str, *, max_len: int = MAX_QUERY_TEXT) -> str:
    """``value`` as text fit to bind in a query: at most ``max_len`` characters, no NUL.

    PostgreSQL refuses NUL in text (a raw driver error otherwise); the length bound keeps
    a pasted megabyte out of ``ILIKE`` scans whatever widget or caller sent it.

    Raises
    ------
    InvalidInput
        Naming ``what`` and the reason.
    """
    text = str(value)
    if "\x00" in text:
        raise InvalidInput(Msg("error.text_nul", what=what))
    if len(text) > max_len:
        raise InvalidInput(Msg("error.text_too_long", what=what, max_len=max_len))
    return text
