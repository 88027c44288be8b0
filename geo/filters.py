"""Filters: what a page narrows its data by, checked when made, turned into SQL one way.

A filter is a frozen dataclass deriving from :class:`Filter`. Its ``check`` runs when it is
made (unknown codes, text with NUL or over the length bound, a period that ends before it
starts all raise :class:`~geo.errors.InvalidInput` there): a filter that exists is valid,
and turning it into SQL never raises. :meth:`Filter.where` joins the filter's
:meth:`~Filter.conditions` with AND; every value is a bind parameter, never interpolated.
Filters are hashable, so caches key on them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from geo.errors import InvalidInput, user_text
from geo.messages import Msg

#: One condition: SQL over the filter's table alias and the parameters it binds.
Condition = tuple[str, dict[str, Any]]


class Filter:
    """Base of every filter (``geo.queries.ResourceFilter``, ``geo.conflicts.ConflictFilter``,
    ``geo.coverage.CoverageFilter``)."""

    def __post_init__(self) -> None:
        self.check()

    def check(self) -> None:
        """Raise ``InvalidInput`` for a value that cannot be used (subclasses add theirs)."""

    def conditions(self, **options: Any) -> Iterator[Condition]:
        """The filter's conditions, the empty ones left out."""
        raise NotImplementedError

    def where(self, **options: Any) -> tuple[str, dict[str, Any]]:
        """The conditions joined with AND (``true`` when nothing is filtered), and params."""
        clauses, params = ["true"], {}
        for sql, bound in self.conditions(**options):
            clauses.append(sql)
            params.update(bound)
        return " AND ".join(clauses), params


def any_of(column: str, name: str, values: Iterable[Any]) -> Iterator[Condition]:
    """``column = ANY(:name)`` when ``values`` has any, else nothing."""
    values = list(values)
    if values:
        yield f"{column} = ANY(:{name})", {name: values}


def check_codes(values: Iterable[Any], known: Mapping[Any, Any], what: str) -> None:
    """Refuse values that are not codes of ``known`` (a vocabulary table)."""
    unknown = set(values) - set(known)
    if unknown:
        raise InvalidInput(
            Msg("filters.unknown_values", what=what, values=sorted(map(str, unknown)))
        )


def check_texts(values: Sequence[object], what: Msg | str) -> None:
    """Refuse text a query cannot bind (NUL, over the length bound): see ``user_text``."""
    for value in values:
        user_text(value, what)


def contains(columns: Sequence[str], name: str, text: str) -> Iterator[Condition]:
    """Case-insensitive substring match of ``text`` in any of ``columns`` (LIKE-escaped)."""
    text = text.strip()
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        sql = " OR ".join(f"{c} ILIKE :{name}" for c in columns)
        yield f"({sql})", {name: f"%{escaped}%"}
