"""The audit log: who did what, when, to how many records (sign-ins, imports, exports, edits).

Entries are written in the caller's transaction, so an action that rolls back leaves no
entry either; only administrators read them.
"""

from __future__ import annotations

import json
from typing import cast

import pandas as pd
import sqlalchemy as sa

from geo.access import Viewer, require
from geo.db import connect
from geo.models import AuditEntry

_TABLE = cast(sa.Table, AuditEntry.__table__)


def audit(
    conn: sa.Connection,
    who: Viewer | str | None,
    action: str,
    *,
    target: str | None = None,
    records: int | None = None,
    detail: dict | None = None,
) -> None:
    """Append one entry to the audit log (in the caller's transaction)."""
    username = who.username if isinstance(who, Viewer) else who
    # Dates, paths and the like are logged as text rather than refused.
    plain = None if detail is None else json.loads(json.dumps(detail, default=str))
    conn.execute(
        sa.insert(_TABLE).values(
            username=username, action=action, target=target, records=records, detail=plain
        )
    )


def audit_entries(viewer: Viewer, *, limit: int = 1000) -> pd.DataFrame:
    """The newest audit log entries (administrators only)."""
    require(viewer, "manage_users")
    query = (
        sa.select(
            _TABLE.c.at,
            _TABLE.c.username,
            _TABLE.c.action,
            _TABLE.c.target,
            _TABLE.c.records,
            sa.cast(_TABLE.c.detail, sa.Text).label("detail"),
        )
        .order_by(_TABLE.c.id.desc())
        .limit(int(limit))
    )
    with connect() as conn:
        return pd.read_sql(query, conn)
