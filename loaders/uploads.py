"""Files uploaded through the pages: size limit, and where they are kept on disk.

An upload's name never chooses a path: the file is written under a fixed name in a new
private temporary folder, and only its extension (from an allow-list) is kept, because
the readers dispatch on it. The name the user gave is kept separately for reports.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from pathlib import Path, PurePath

from geo.errors import InvalidInput
from geo.messages import Msg
from geo.settings import load_settings


class UploadTooLarge(InvalidInput):
    """An upload beyond ``MAEUL_MAX_UPLOAD_MB``."""


def check_upload_size(size: int) -> None:
    """Refuse an upload of ``size`` bytes beyond the configured limit, with a clear message."""
    limit_mb = load_settings().max_upload_mb
    if size > limit_mb * 1024**2:
        raise UploadTooLarge(
            Msg("uploads.file_too_large_mb", size=size / 1024**2, limit_mb=limit_mb)
        )


def upload_suffix(name: str, allowed: Iterable[str]) -> str:
    """The lower-case extension of the uploaded file ``name``, if it is ``allowed``."""
    suffix = PurePath(name.replace("\\", "/")).suffix.lower()
    allowed = {a.lower() if a.startswith(".") else "." + a.lower() for a in allowed}
    if suffix not in allowed:
        raise InvalidInput(
            Msg("uploads.unsupported_type", suffix=suffix, names=", ".join(sorted(allowed)))
        )
    return suffix


def save_upload(data: bytes, name: str, *, allowed: Iterable[str]) -> Path:
    """Write ``data`` to ``<new temp folder>/upload<ext>`` and return that path.

    Raises
    ------
    UploadTooLarge
        Beyond ``MAEUL_MAX_UPLOAD_MB``.
    InvalidInput
        An extension that is not ``allowed``.
    """
    check_upload_size(len(data))
    suffix = upload_suffix(name, allowed)
    folder = Path(tempfile.mkdtemp(prefix="maeul-upload-"))
    path = folder / f"upload{suffix}"
    path.write_bytes(data)
    return path
