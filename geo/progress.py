"""Progress reporting for long work (imports, exports, analyses), the same for CLI and pages.

Long-running functions take ``progress: Progress`` and call it with a fraction in [0, 1]
and a short message. The CLI passes :func:`print_progress`; a page passes a callable that
updates ``st.progress`` (``views.common.page_progress``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable

Progress = Callable[[float, str], None]


def no_progress(_fraction: float, _message: str) -> None:
    """Report nothing (tests, nested calls)."""


def print_progress(fraction: float, message: str) -> None:
    """Print ``[ 42%] message`` to stderr, for the command line."""
    print(f"[{fraction * 100:3.0f}%] {message}", file=sys.stderr, flush=True)
