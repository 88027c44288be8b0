"""The one error hierarchy of Maeul Atlas: each error carries a message safe to show users.

``user_msg`` is what a page or the CLI prints; ``detail`` is for logs only (it may hold
SQL, paths or driver messages, but never a password).
"""

from __future__ import annotations


def _restore(cls: type[AtlasError], args: tuple, state: dict) -> AtlasError:
    """Rebuild a pickled error without calling its ``__init__`` (see ``__reduce__``)."""
    exc = cls.__new__(cls)
    exc.args = args
    exc.__dict__.update(state)
    return exc


class AtlasError(Exception):
    """Base of every error the application raises on purpose."""

    user_msg = "Something went wrong. / 처리 중 문제가 발생했습니다."

    def __reduce__(self) -> tuple:
        # Errors cross from an import's child process (loaders.bounded) whole, whatever
        # their __init__ takes: message, detail and extra attributes.
        return (_restore, (type(self), self.args, dict(self.__dict__)))

    def __init__(self, user_msg: str | None = None, *, detail: str | None = None) -> None:
        if user_msg is not None:
            self.user_msg = user_msg
        self.detail = detail
        super().__init__(self.user_msg if detail is None else f"{self.user_msg} ({detail})")


class DatabaseUnavailable(AtlasError, ConnectionError):
    """The database cannot be reached or is not set up."""

    user_msg = (
        "데이터베이스에 연결할 수 없습니다. 프로젝트 폴더에서 `make run`을 실행하거나 "
        "DATABASE_URL을 확인하세요. / The database is not reachable: run `make run` in the "
        "project folder, or check DATABASE_URL."
    )


class SchemaMissing(AtlasError, LookupError):
    """The database is reachable but not migrated or not loaded."""

    user_msg = (
        "데이터베이스가 준비되지 않았습니다. `make run` (또는 `python -m loaders setup`)을 "
        "실행하세요. / The database is not set up yet: run `make run` "
        "(or `python -m loaders setup`)."
    )


class TooSlow(AtlasError, TimeoutError):
    """A statement ran past its time limit (``MAEUL_STATEMENT_TIMEOUT_S``) and was stopped."""

    user_msg = (
        "요청이 너무 오래 걸려 중단했습니다. 범위를 좁혀 다시 시도하세요. / The request took "
        "too long and was stopped: narrow it down and try again."
    )


class InvalidInput(AtlasError, ValueError):
    """A value given by a user (filter, file, argument) cannot be used."""

    user_msg = "입력값을 확인하세요. / Please check the input."


class NotFound(AtlasError, LookupError):
    """A requested record does not exist or is not visible to the viewer."""

    user_msg = "요청한 항목을 찾을 수 없습니다. / The requested item was not found."


class Forbidden(AtlasError, PermissionError):
    """The viewer's role does not allow this action."""

    user_msg = "이 작업을 할 권한이 없습니다. / You are not allowed to do this."


#: Longest free text a search or filter box takes (characters).
MAX_QUERY_TEXT = 200


def user_text(value: object, what: str, *, max_len: int = MAX_QUERY_TEXT) -> str:
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
        raise InvalidInput(f"{what}: 허용되지 않는 문자(NUL) / {what}: contains a NUL character")
    if len(text) > max_len:
        raise InvalidInput(
            f"{what}: {max_len}자 이하로 입력하세요 / {what}: at most {max_len} characters"
        )
    return text
