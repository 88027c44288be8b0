"""Progress reporting for long work (imports, exports, analyses), the same for CLI and pages.

Long-running functions take ``progress: Progress`` and call it with a fraction in [0, 1]
and a short message. The CLI passes :func:`print_progress`; a page passes a callable that
updates ``st.progress`` (``views.common.page_progress``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from geo.messages import Msg

#: A message is a :class:`~geo.messages.Msg` (a page shows it in its language, the command
#: line in both) or plain text that is the same in every language (a file name, the
#: operator-only lines of ``setup``).
Progress = Callable[[float, Msg | str], None]


def no_progress(_fraction: float, _message: Msg | str) -> None:
    """Report nothing (tests, nested calls)."""


def print_progress(fraction: float, message: Msg | str) -> None:
    """Print ``[ 42%] message`` to stderr, for the command line."""
    print(f"[{fraction * 100:3.0f}%] {message}", file=sys.stderr, flush=True)
