"""Import runs as history: list runs, what one run added, and undoing a run.

Since migration 0013 a resource created by an import names its run
(``resources.import_run``) instead of getting a history row of its own; the run
(``import_runs``) keeps the file's name and sha256, the actor and the counts. So "what did
import N add" is a query (:func:`added_by`), and undoing import N (:func:`undo_import`)
retires exactly the records it created, all or nothing. Undoing never deletes: the records
stay, with their retirement in their history, and staff can restore them one by one.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from geo.access import Viewer, require, scope
from geo.auth import audit, check_account
from geo.db import bulk, connect, transaction
from geo.errors import Forbidden, InvalidInput, NotFound
from geo.messages import Msg

#: Columns of a run as :func:`runs` lists them.
RUN_COLUMNS = (
    "id, target, source, file_name, file_sha256, actor, imported_at, counts, undone_at, undone_by"
)


def runs(viewer: Viewer, *, source: str | None = None, limit: int = 100) -> pd.DataFrame:
    """The newest import runs (of ``source``), newest first. Staff who may import only."""
    require(viewer, "import")
    where = "WHERE source = :source" if source else ""
    with connect() as conn:
        return pd.read_sql(
            sa.text(f"SELECT {RUN_COLUMNS} FROM import_runs {where} ORDER BY id DESC LIMIT :n"),
            conn,
            params={"source": source, "n": int(limit)},
        )


def _run(conn: sa.Connection, run_id: int, *, lock: bool = False) -> sa.RowMapping:
    row = (
        conn.execute(
            sa.text(
                f"SELECT {RUN_COLUMNS} FROM import_runs WHERE id = :id"
                + (" FOR UPDATE" if lock else "")
            ),
            {"id": int(run_id)},
        )
        .mappings()
        .one_or_none()
    )
    if row is None:
        raise NotFound(Msg("imports.no_such_import_run", run_id=run_id))
    return row


def added_by(viewer: Viewer, run_id: int) -> pd.DataFrame:
    """The records import ``run_id`` created (retired ones included), in id order.

    A district officer sees the run only if every record of it is in their district.

    Columns: ``id``, ``public_id``, ``source_id``, ``kind``, ``category``, ``name``,
    ``district_code``, ``dong_code``, ``retired_at``.
    """
    require(viewer, "import")
    with connect() as conn:
        _run(conn, run_id)
        df = pd.read_sql(
            sa.text(
                """SELECT id, public_id, source_id, kind, category, name, district_code,
                          dong_code, retired_at
                   FROM resources WHERE import_run = :run ORDER BY id"""
            ),
            conn,
            params={"run": int(run_id)},
        )
    if scope(viewer, "import") == "own" and (df["district_code"] != viewer.district_code).any():
        raise Forbidden(Msg("imports.import_has_records_outside"))
    return df


def undo_import(viewer: Viewer | str, run_id: int) -> int:
    """Retire every record import ``run_id`` created that is still active; return how many.

    All or nothing, in one transaction: the run is locked, and the undo is refused (nothing
    changes) when the run does not exist, was undone before, did not import resources, or
    (a district officer) has records outside the viewer's district. Records the import only
    updated are left alone; records it created are retired even if edited since (retiring
    writes their history rows). ``viewer`` may be an actor name (command line, no
    account): it then acts as an administrator would.

    Raises
    ------
    NotFound, InvalidInput, Forbidden
    """
    who = viewer.username if isinstance(viewer, Viewer) else str(viewer)
    if isinstance(viewer, Viewer):
        require(viewer, "import")
    with transaction() as conn:
        bulk(conn)
        if isinstance(viewer, Viewer):
            check_account(conn, viewer)
        conn.execute(sa.text("SELECT set_config('maeul.actor', :a, true)"), {"a": f"undo:{who}"})
        run = _run(conn, run_id, lock=True)
        if run["target"] != "resources":
            raise InvalidInput(Msg("imports.only_imports_resources_can"))
        if run["undone_at"] is not None:
            raise InvalidInput(
                Msg(
                    "imports.undone_already",
                    run_id=run_id,
                    undone_at=run["undone_at"],
                    undone_by=run["undone_by"],
                )
            )
        if isinstance(viewer, Viewer) and scope(viewer, "import") == "own":
            outside = conn.execute(
                sa.text(
                    """SELECT count(*) FROM resources WHERE import_run = :run
                       AND district_code IS DISTINCT FROM :own"""
                ),
                {"run": int(run_id), "own": viewer.district_code},
            ).scalar_one()
            if outside:
                raise Forbidden(Msg("imports.not_undone_records_import", outside=outside))
        retired = conn.execute(
            sa.text(
                """UPDATE resources SET retired_at = now(), retired_by = :who
                   WHERE import_run = :run AND retired_at IS NULL"""
            ),
            {"run": int(run_id), "who": who},
        ).rowcount
        conn.execute(
            sa.text("UPDATE import_runs SET undone_at = now(), undone_by = :who WHERE id = :id"),
            {"id": int(run_id), "who": who},
        )
        audit(
            conn,
            viewer,
            "undo_import",
            target=f"resources:{run['source']}",
            records=retired,
            detail={"run": int(run_id), "file": run["file_name"]},
        )
    return int(retired)
