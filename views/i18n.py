"""The interface language (sidebar toggle) and the pages' access to the message catalog.

Every text lives in :data:`geo.messages.CATALOG`. A page reads its own keys through
``t = translator("nearby")`` (``t("title")`` is ``page.nearby.title``, else the shared
``ui.title``); messages that come from ``geo``, ``loaders`` and ``layers`` (errors,
progress, notes, warnings) are :class:`~geo.messages.Msg` values shown with :func:`say`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from geo.messages import CATALOG, render, text

LANGS = {"ko": "한국어", "en": "English"}


def lang() -> str:
    """The current interface language code."""
    return st.session_state.get("lang", "ko")


def t(key: str, **fmt: Any) -> str:
    """Shared text ``ui.<key>`` in the current language, formatted with ``fmt``."""
    return text(f"ui.{key}", lang(), **fmt)


def translator(page: str) -> Callable[..., str]:
    """A ``t`` for a page's own keys ``page.<page>.<key>`` (falling back to the shared
    ``ui.<key>``).

    Pages keep their strings in ``geo/messages/pages.py`` and read them with::

        t = translator("nearby")
        st.title(t("title"))
    """

    def page_t(key: str, **fmt: Any) -> str:
        full = f"page.{page}.{key}"
        return text(full if full in CATALOG else f"ui.{key}", lang(), **fmt)

    return page_t


def say(message: Any) -> str:
    """A message from ``geo``/``loaders``/``layers`` (a :class:`~geo.messages.Msg`, an
    error, a :class:`~geo.messages.Pair`) in the interface language; other text as it is."""
    return render(message, lang())


def pick(pair: Sequence[str]) -> str:
    """The interface language's side of a ``(korean, english)`` pair that is data, not
    interface text (a vocabulary's labels, a format's name)."""
    return pair[0] if lang() == "ko" else pair[1]


def name_column() -> str:
    """The column holding names in the interface language (``name_ko`` or ``name_en``)."""
    return "name_ko" if lang() == "ko" else "name_en"
