"""Run a user's import in a child process with a memory ceiling it cannot pass.

A file a user brings may be built to explode in memory (a few MB of XLSX or JSON that
becomes gigabytes once read). Limits per format catch the known shapes; this module is
the ceiling under all of them. The page and the command line read and import a user's
file in a child process whose address space the kernel caps at what it had at the start
plus ``MAEUL_IMPORT_MEMORY_MB``. Past it, an allocation fails: the child reports
:class:`ImportTooLarge`, or dies, and either way the user gets the same clear message.
The child's transaction never commits, so the database is as before, and the app's own
process (every other user's session) never holds the file.

The child is forked when the caller has one thread (the command line, tests); a server
with threads (Streamlit) uses a fork server instead, since forking a threaded process
can copy a lock some other thread holds. Progress messages and the result come back
through a pipe; a stop of the caller (a page rerun, Ctrl-C) kills the child.
"""

from __future__ import annotations

import multiprocessing as mp
import pickle
import resource
import threading
import traceback
from functools import lru_cache
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from geo.errors import InvalidInput
from geo.messages import Msg
from geo.progress import Progress, no_progress
from geo.settings import environment, load_settings, use_environment
from loaders.ingest import PREVIEW_ROWS, run_import
from loaders.plan import ImportOptions, ImportPlan, prepare
from loaders.population import PopulationTable
from loaders.readers import SAMPLE_ROWS
from loaders.report import ImportReport


class ImportTooLarge(InvalidInput):
    """Reading or checking the file needed more memory than an import may use."""

    def __init__(self, limit_mb: int, *, detail: str | None = None) -> None:
        super().__init__(
            Msg("bounded.reading_file_needs_more", limit_mb=limit_mb),
            detail=detail,
        )
        self.limit_mb = limit_mb


def prepare_plan(path: str | Path, options: ImportOptions) -> ImportPlan:
    """:func:`loaders.plan.prepare` in a child: the plan to show (at most a sample of rows).

    Run the import itself with :func:`import_file`, which prepares the file again inside
    its own child: the caller never holds more than ``SAMPLE_ROWS`` rows of it.
    """
    return _call(_prepare_sample, str(path), options)


def import_file(
    path: str | Path,
    options: ImportOptions,
    *,
    database_url: str | None = None,
    dry_run: bool = False,
    progress: Progress = no_progress,
    preview: int = PREVIEW_ROWS,
) -> ImportReport:
    """Read, check and import ``path`` in a child process (see the module's text).

    Raises
    ------
    ImportTooLarge
        The child reached ``MAEUL_IMPORT_MEMORY_MB``; nothing was written.
    geo.errors.AtlasError
        Whatever the import raised (unreadable file, rejected mapping, write failure).
    """
    return _call(
        _prepare_and_import,
        str(path),
        options,
        database_url,
        dry_run,
        preview,
        progress=progress,
    )


def read_population(data: bytes, period: str | None) -> PopulationTable:
    """:func:`loaders.population.read_table` in a child held to the ceiling (XLSX is a zip)."""
    return _call(_read_population, data, period)


# --- in the child ---------------------------------------------------------------------------


def _prepare_sample(path: str, options: ImportOptions, *, progress: Progress) -> ImportPlan:
    plan = prepare(path, options)
    table = plan.table
    if len(table.frame) > SAMPLE_ROWS:
        table.frame = table.frame.iloc[:SAMPLE_ROWS]
        table.rows = table.rows[:SAMPLE_ROWS]
        if table.geometry is not None:
            table.geometry = table.geometry.iloc[:SAMPLE_ROWS]
    _cleanup(plan)
    return plan


def _read_population(data: bytes, period: str | None, *, progress: Progress) -> PopulationTable:
    from loaders.population import read_table

    return read_table(data, period=period)


def _prepare_and_import(
    path: str,
    options: ImportOptions,
    database_url: str | None,
    dry_run: bool,
    preview: int,
    *,
    progress: Progress,
) -> ImportReport:
    from geo.db import get_engine

    plan = prepare(path, options)
    try:
        engine = get_engine(database_url)
        return run_import(plan, engine=engine, dry_run=dry_run, progress=progress, preview=preview)
    finally:
        _cleanup(plan)


def _cleanup(plan: ImportPlan) -> None:
    """Remove an unzipped folder now: a child ends without running finalizers."""
    if plan.table._tmp is not None:
        plan.table._tmp.cleanup()
        plan.table._tmp = None


def _address_space() -> int:
    """Bytes of address space this process maps now."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * resource.getpagesize()


def _child(out: Connection, env: dict[str, str], limit_mb: int, fn, args, kwargs) -> None:
    use_environment(env)  # a fork server's environment is the one it started with
    from geo.db import get_engine

    get_engine.cache_clear()  # a forked child never uses its parent's pooled connections
    ceiling = _address_space() + limit_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))

    def progress(fraction: float, message: str) -> None:
        out.send(("progress", (fraction, message)))

    try:
        result = fn(*args, progress=progress, **kwargs)
        out.send_bytes(pickle.dumps(("ok", result)))
    except MemoryError:
        out.send(("memory", None))
    except BaseException as exc:
        try:
            payload = pickle.dumps(("error", exc))
            pickle.loads(payload)
        except Exception:
            payload = pickle.dumps(("crash", traceback.format_exc()))
        out.send_bytes(payload)
    finally:
        out.close()


# --- in the caller --------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _fork_server() -> Any:
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["loaders.bounded"])  # its children start with these loaded
    return ctx


def _context() -> Any:
    return mp.get_context("fork") if threading.active_count() == 1 else _fork_server()


def _call(fn, *args: Any, progress: Progress = no_progress) -> Any:
    limit_mb = load_settings().import_memory_mb
    ctx = _context()
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(
        target=_child,
        args=(send, environment(), limit_mb, fn, args, {}),
        daemon=True,
        name="maeul-import",
    )
    child.start()
    send.close()
    try:
        while True:
            try:
                kind, payload = receive.recv()
            except EOFError:  # the child died without a word: killed for its memory
                child.join()
                raise ImportTooLarge(
                    limit_mb, detail=f"import process ended with code {child.exitcode}"
                ) from None
            if kind == "progress":
                progress(*payload)
            elif kind == "ok":
                return payload
            elif kind == "memory":
                raise ImportTooLarge(limit_mb, detail="MemoryError in the import process")
            elif kind == "error":
                raise payload
            else:  # "crash": an unexpected error; the caller's edge logs it as an incident
                raise RuntimeError(f"import process failed:\n{payload}")
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
        child.join()
