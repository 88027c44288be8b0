"""The one catalog of interface text: message keys with Korean and English, and ``Msg``.

Every sentence the application shows a user (pages, errors, progress, notes, warnings,
command-line output) is a key of :data:`CATALOG` mapped to ``(korean, english)``. Code
names a message by its key with parameters, ``Msg("error.not_found")`` or
``Msg("import.progress.staging", n=10)``, and the edge renders it: a page in its
interface language (``views.i18n.say``), the command line and the logs in both
(``str(msg)`` is ``"한국어 / English"``).

The catalog is split by area into the tables of this package (one module each); they are
merged here, and a key defined twice is refused at import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from geo.messages import geo as _geo
from geo.messages import layers as _layers
from geo.messages import loaders as _loaders
from geo.messages import pages as _pages
from geo.messages import ui as _ui

#: Interface languages, in the order of a catalog entry's pair.
LANGS = ("ko", "en")


def _merge(*tables: Mapping[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    merged: dict[str, tuple[str, str]] = {}
    for table in tables:
        for key, pair in table.items():
            if key in merged:
                raise ValueError(f"message key defined twice: {key}")
            merged[key] = pair
    return merged


#: Message key -> (Korean, English). Keys are namespaced by area: ``error.``, ``import.``...
CATALOG: dict[str, tuple[str, str]] = _merge(
    _ui.MESSAGES, _pages.MESSAGES, _geo.MESSAGES, _loaders.MESSAGES, _layers.MESSAGES
)


def _lang_index(lang: str) -> int:
    return 0 if lang == "ko" else 1


@dataclass(frozen=True)
class Pair:
    """A value that has its own Korean and English form but is not interface text (a CRS
    label, a format's name, a district's two names): a parameter of :class:`Msg`."""

    ko: str
    en: str

    def text(self, lang: str = "ko") -> str:
        """The form in ``lang``."""
        return self.ko if lang == "ko" else self.en

    def __str__(self) -> str:
        return self.ko if self.ko == self.en else f"{self.ko} / {self.en}"


@dataclass(frozen=True)
class Joined:
    """Several messages or values shown as one parameter, joined by ``sep`` (problems of
    one record, say): a parameter of :class:`Msg`."""

    items: tuple[Any, ...]
    sep: str = "; "

    def text(self, lang: str = "ko") -> str:
        """The items in ``lang``, joined."""
        return self.sep.join(render(item, lang) for item in self.items)

    def __str__(self) -> str:
        return self.sep.join(str(item) for item in self.items)


@dataclass(frozen=True, init=False)
class Msg:
    """A message of the catalog with its parameters; rendered at the edge.

    Parameters that are themselves :class:`Msg` or :class:`Pair` render in the same
    language as the message.

    Raises
    ------
    KeyError
        When ``key`` is not in :data:`CATALOG` (a typo fails where it is made).
    """

    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def __init__(self, key: str, /, **params: Any) -> None:
        if key not in CATALOG:
            raise KeyError(f"no message {key!r} in geo.messages.CATALOG")
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "params", params)

    def text(self, lang: str = "ko") -> str:
        """The message in ``lang`` (``"ko"`` or ``"en"``) with its parameters filled in."""
        template = CATALOG[self.key][_lang_index(lang)]
        if not self.params:
            return template
        values = {k: _render(v, lang) for k, v in self.params.items()}
        return template.format(**values)

    def __str__(self) -> str:
        """Both languages, ``"한국어 / English"``: the command line's and the logs' form."""
        ko, en = self.text("ko"), self.text("en")
        return ko if ko == en else f"{ko} / {en}"

    def __reduce__(self) -> tuple:
        return (_rebuild, (self.key, self.params))


def _rebuild(key: str, params: dict[str, Any]) -> Msg:
    return Msg(key, **params)


def _render(value: Any, lang: str) -> Any:
    if isinstance(value, Msg | Pair | Joined):
        return value.text(lang)
    return value


def text(key: str, lang: str = "ko", /, **params: Any) -> str:
    """``Msg(key, **params).text(lang)``: for code that renders at once in a given language."""
    return Msg(key, **params).text(lang)


def render(message: Any, lang: str = "ko") -> str:
    """``message`` in ``lang``: a :class:`Msg`, :class:`Pair`, :class:`Joined` or an
    error of ``geo.errors`` rendered, anything else (a name, a number, a file's own words)
    as text."""
    as_text = getattr(message, "text", None)
    return as_text(lang) if callable(as_text) else str(message)
