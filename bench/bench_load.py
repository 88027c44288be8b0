"""Load benchmark: simulated users over Streamlit's websocket protocol, memory after many
sessions, and the OGC API under concurrent clients.

Usage::

    python bench/bench_load.py app [--users 50,100,200] [--seconds 90] [--processes N]
    python bench/bench_load.py memory [--sessions 200] [--wave 20] [--malloc tuned|default]
    python bench/bench_load.py ogcapi [--clients 16] [--seconds 20] [--dev]

``app`` starts the app twice, as ``make run`` does (one Streamlit process) and as ``make
serve`` does (N processes behind nginx), and drives ``--users`` simulated users against each
without a browser: each opens the Nearby page, then every 30 s chooses a dong (the search)
and opens a result (the nearest one's card); every fifth user also opens the Map explorer
each round. Starts are spread over the first 30 s. It prints p50/p95 per action, errors,
the app's and the database's CPU and the app's RSS for both set-ups side by side.

``memory`` opens and closes ``--sessions`` sessions (Nearby with a search, every fifth the
Explorer) against one process and compares its RSS before and after, once the closed
sessions have outlived Streamlit's reconnect window (``server.disconnectedSessionTTL``).

``ogcapi`` runs ``python -m layers ogcapi`` (gunicorn; ``--dev`` Flask's server) and has
``--clients`` threads fetch pages of 100 resources by bbox for ``--seconds``.

``DATABASE_URL`` names the database (loaded with ``python -m loaders setup``). Figures
depend on the machine's load: the load average is printed beside them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import websockets
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from geo.db import get_engine  # noqa: E402
from geo.settings import load_settings  # noqa: E402

#: The Nearby task's round, as the issue sets it.
ROUND_S = 30.0
#: Longest one action may take before it counts as an error.
ACTION_TIMEOUT_S = 60.0
_FINISHED = {
    ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY,
    ForwardMsg.ScriptFinishedStatus.FINISHED_WITH_COMPILE_ERROR,
}
_TICK = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


# --- processes: CPU and memory from /proc -----------------------------------------------


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    kids = [int(x) for x in text.split()]
    return kids + [g for k in kids for g in _children(k)]


def _cpu_s(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / _TICK


def _rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError):
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    return total * _PAGE / 1e6


def _db_pids(database: str) -> list[int]:
    """Server processes of ``database`` now (the backends the app holds open)."""
    import sqlalchemy as sa

    with get_engine().connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT pid FROM pg_stat_activity WHERE datname = :d AND pid <> pg_backend_pid()"
            ),
            {"d": database},
        ).all()
    return [r[0] for r in rows]


def _loadavg() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


# --- the app, started as make run or make serve does -------------------------------------


def _pythonpath(repo: Path) -> str:
    return os.pathsep.join(p for p in (str(repo), os.environ.get("PYTHONPATH", "")) if p)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
            return r.read() == b"ok"
    except OSError:
        return False


@dataclass
class Server:
    """A running set-up: its base URL, the top process and how it finds its app processes."""

    name: str
    base: str
    proc: subprocess.Popen
    apps: list[int] = field(default_factory=list)

    def app_pids(self) -> list[int]:
        if self.name == "single":
            return [self.proc.pid]
        return [p for p in _children(self.proc.pid) if b"streamlit" in _cmdline(p)]

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def start(name: str, processes: int, *, tuned_malloc: bool = True) -> Server:
    """Start ``single`` (``streamlit run``) or ``proxy`` (scripts/serve.py) and wait for it.

    ``tuned_malloc``: the app processes' malloc as make run and make serve set it.
    """
    from scripts.serve import MALLOC_ENV

    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in MALLOC_ENV}
    env["PYTHONPATH"] = _pythonpath(REPO)
    log = open(Path(tempfile.gettempdir()) / f"bench_load_{name}_{port}.log", "wb")  # noqa: SIM115
    if name == "single":  # as make run starts it
        env |= MALLOC_ENV if tuned_malloc else {}
        command = [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py")]
        command += ["--server.headless", "true", "--server.address", "127.0.0.1"]
        command += ["--server.port", str(port), "--server.fileWatcherType", "none"]
    else:
        env["MAEUL_SERVE_STATE"] = tempfile.mkdtemp(prefix="bench_serve_")
        command = [sys.executable, str(REPO / "scripts" / "serve.py"), "--host", "127.0.0.1"]
        command += ["--port", str(port), "--processes", str(processes)]
        command += ["--first-app-port", str(_free_port())]
    proc = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    server = Server(name, f"http://127.0.0.1:{port}", proc)
    deadline = time.monotonic() + 240
    while not _healthy(server.base):
        if proc.poll() is not None or time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"{name} did not start: see {log.name}")
        time.sleep(0.5)
    return server


# --- one simulated user: Streamlit's websocket protocol -----------------------------------


class Session:
    """One browser tab as the server sees it: a websocket, script runs and widget states."""

    def __init__(self, base: str, key: str) -> None:
        self.url = base.replace("http://", "ws://") + "/_stcore/stream"
        self.key = key
        self.ws = None
        self.page_hash = ""
        self.widgets: dict[str, WidgetState] = {}
        self.elements: list = []

    async def open(self) -> None:
        self.ws = await websockets.connect(
            self.url,
            subprotocols=["streamlit"],
            additional_headers={"Cookie": f"maeul_node={self.key}"},
            max_size=None,
            open_timeout=ACTION_TIMEOUT_S,
            ping_interval=None,
        )

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def run(self, page: str = "") -> list[str]:
        """Rerun the script (on ``page``, else the current one) with the widget states;
        wait for it to finish; return the errors it showed."""
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = ""
        state.page_name = page
        state.page_script_hash = "" if page else self.page_hash
        state.widget_states.widgets.extend(self.widgets.values())
        await self.ws.send(msg.SerializeToString())
        self.elements, errors = [], []
        while True:
            fwd = ForwardMsg.FromString(await self.ws.recv())
            kind = fwd.WhichOneof("type")
            if kind == "new_session":
                self.page_hash = fwd.new_session.page_script_hash or self.page_hash
            elif kind == "navigation":
                self.page_hash = fwd.navigation.page_script_hash or self.page_hash
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "add_block":
                block = fwd.delta.add_block  # a result card is an expander with an id
                if block.WhichOneof("type") == "expandable" and block.expandable.id:
                    self.elements.append(("expandable", block.expandable))
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                which = element.WhichOneof("type")
                self.elements.append((which, getattr(element, which)))
                if which == "exception":
                    errors.append(f"exception: {element.exception.message[:80]}")
                elif which == "alert" and element.alert.format == Alert.Format.ERROR:
                    errors.append(f"error: {element.alert.body[:80]}")
            elif kind == "script_finished" and fwd.script_finished in _FINISHED:
                return errors

    def find(self, which: str, label: str | None = None):
        for kind, element in self.elements:
            if kind == which and (label is None or element.label == label):
                return element
        return None

    def set_string(self, widget_id: str, value: str) -> None:
        self.widgets[widget_id] = WidgetState(id=widget_id, string_value=value)

    def set_bool(self, widget_id: str, value: bool) -> None:
        self.widgets[widget_id] = WidgetState(id=widget_id, bool_value=value)


@dataclass
class Tally:
    """Seconds per action and errors, for one set-up."""

    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    examples: list[str] = field(default_factory=list)

    async def timed(self, action: str, coro) -> bool:
        t0 = time.perf_counter()
        try:
            problems = await asyncio.wait_for(coro, ACTION_TIMEOUT_S)
        except Exception as exc:  # a timeout, a closed socket: the user saw it fail
            problems = [f"{type(exc).__name__}: {exc}"[:120]]
        self.times[action].append(time.perf_counter() - t0)
        if problems:
            self.errors[action] += 1
            if len(self.examples) < 5:
                self.examples.append(f"{action}: {problems[0]}")
        return not problems


DONG_LABEL = "동 이름"


async def nearby_round(s: Session, tally: Tally, rng: random.Random, explorer: bool) -> None:
    """One round of the Nearby task: choose a dong (search), open the first result."""
    if s.find("selectbox", DONG_LABEL) is None and not await tally.timed(
        "open Nearby", s.run("nearby")
    ):
        return
    box = s.find("selectbox", DONG_LABEL)
    if box is None:
        tally.errors["open Nearby"] += 1
        return
    s.set_string(box.id, rng.choice(list(box.options)))
    if not await tally.timed("search (dong)", s.run()):
        return
    card = s.find("expandable")
    if card is not None:  # no card: nothing within the radius (a valid answer)
        s.set_bool(card.id, True)  # the nearest result's card, opened
        await tally.timed("open result", s.run())
        s.widgets.pop(card.id, None)
    if explorer:
        s.widgets.clear()
        await tally.timed("open Explorer", s.run("explorer"))
        s.elements = []  # back to Nearby next round


async def user(base: str, i: int, start_at: float, end_at: float, tally: Tally) -> None:
    rng = random.Random(i)
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    s = Session(base, f"user-{i}")
    try:
        await s.open()
    except Exception as exc:
        tally.errors["connect"] += 1
        tally.examples.append(f"connect: {exc}"[:120])
        return
    try:
        next_round = time.monotonic()
        while next_round < end_at:
            await nearby_round(s, tally, rng, explorer=i % 5 == 0)
            next_round += ROUND_S
            await asyncio.sleep(max(0.0, next_round - time.monotonic()))
    finally:
        await s.close()


def _pcts(values: list[float]) -> str:
    if not values:
        return "-"
    p50, p95 = np.percentile(values, [50, 95])
    return f"{p50:.2f} / {p95:.2f} s"


def load_run(server: Server, users: int, seconds: float) -> dict[str, str]:
    """Drive ``users`` users for ``seconds`` against ``server``; the figures as text."""
    database = get_engine().url.database
    db_before = {p: _cpu_s([p]) for p in _db_pids(database)}
    apps = server.app_pids()
    app_cpu0, t0, load0 = _cpu_s(apps), time.monotonic(), _loadavg()
    tally = Tally()
    peak = [_rss_mb(apps)]

    async def main() -> None:
        start = time.monotonic()
        end = start + seconds
        tasks = [
            user(server.base, i, start + ROUND_S * i / users, end, tally) for i in range(users)
        ]

        async def sample() -> None:
            while time.monotonic() < end:
                peak.append(_rss_mb(apps))
                await asyncio.sleep(1)

        await asyncio.gather(sample(), *tasks)

    asyncio.run(main())
    wall = time.monotonic() - t0
    app_cpu = (_cpu_s(apps) - app_cpu0) / wall
    db_now = _db_pids(database)
    db_cpu = sum(_cpu_s([p]) - db_before.get(p, 0.0) for p in db_now) / wall
    out = {
        "users": str(users),
        "processes": str(len(apps)),
        "load avg before": load0,
    }
    for action in ("open Nearby", "search (dong)", "open result", "open Explorer"):
        values = tally.times.get(action, [])
        out[f"{action} p50/p95"] = _pcts(values)
        out[f"{action} n"] = str(len(values))
    out["errors"] = str(sum(tally.errors.values())) + (
        f" ({dict(tally.errors)})" if tally.errors else ""
    )
    out["app CPU (cores)"] = f"{app_cpu:.2f}"
    out["DB CPU (cores)"] = f"{db_cpu:.2f}"
    end_rss = _rss_mb(apps)
    out["app RSS end / peak"] = f"{end_rss:.0f} / {max(*peak, end_rss):.0f} MB"
    out["load avg after"] = _loadavg()
    if tally.examples:
        out["first errors"] = " | ".join(tally.examples[:3])
    return out


def _side_by_side(columns: dict[str, dict[str, str]]) -> str:
    keys = list(dict.fromkeys(k for col in columns.values() for k in col))
    names = list(columns)
    rows = [["", *names]] + [[k, *(columns[n].get(k, "") for n in names)] for k in keys]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)


def cmd_app(args: argparse.Namespace) -> None:
    for users in [int(u) for u in args.users.split(",")]:
        columns = {}
        for name in args.setups.split(","):
            server = start(name, args.processes)
            try:
                label = "1 process" if name == "single" else f"{args.processes} behind nginx"
                columns[label] = load_run(server, users, args.seconds)
            finally:
                server.stop()
        print(f"\n== {users} users, {args.seconds:.0f} s, round every {ROUND_S:.0f} s ==")
        print(_side_by_side(columns), flush=True)


# --- memory: many sessions opened and closed ---------------------------------------------


def cmd_memory(args: argparse.Namespace) -> None:
    from scripts.serve import MALLOC_ENV

    ttl = 120
    server = start("single", 1, tuned_malloc=args.malloc == "tuned")
    print(f"malloc: {MALLOC_ENV if args.malloc == 'tuned' else 'glibc defaults'}")
    pid = [server.proc.pid]
    tally = Tally()

    async def one(i: int) -> None:
        s = Session(server.base, f"mem-{i}")
        await s.open()
        try:
            await nearby_round(s, tally, random.Random(i), explorer=i % 5 == 0)
        finally:
            await s.close()

    async def wave(first: int, n: int) -> None:
        await asyncio.gather(*(one(i) for i in range(first, first + n)))

    try:
        asyncio.run(wave(0, args.wave))  # warm: caches, imports, first maps
        time.sleep(ttl + 15)
        start_rss = _rss_mb(pid)
        print(f"load avg {_loadavg()}; RSS after {args.wave} warm-up sessions: {start_rss:.0f} MB")
        peak = start_rss
        for first in range(args.wave, args.wave + args.sessions, args.wave):
            asyncio.run(wave(first, args.wave))
            peak = max(peak, _rss_mb(pid))
        now = _rss_mb(pid)
        print(f"RSS after {args.sessions} more sessions closed: {now:.0f} MB (peak {peak:.0f})")
        time.sleep(ttl + 15)
        end_rss = _rss_mb(pid)
        print(
            f"RSS {ttl + 15} s later (closed sessions expired): {end_rss:.0f} MB; "
            f"change {end_rss - start_rss:+.0f} MB; errors {dict(tally.errors) or 0}; "
            f"load avg {_loadavg()}"
        )
        for example in tally.examples:
            print(f"  error: {example}")
    finally:
        server.stop()


# --- the OGC API under concurrent clients ------------------------------------------------

#: Central Seoul: far more than 100 resources, so every page is full.
OGC_BBOX = "126.96,37.55,127.00,37.58"


def cmd_ogcapi(args: argparse.Namespace) -> None:
    port = _free_port()
    command = [sys.executable, "-m", "layers", "ogcapi", "--port", str(port)]
    command += ["--dev"] if args.dev and not args.checkout else []
    repo = Path(args.checkout).resolve() if args.checkout else REPO
    env = {**os.environ, "PYTHONPATH": _pythonpath(repo)}
    log = open(Path(tempfile.gettempdir()) / f"bench_ogcapi_{port}.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        command, cwd=repo, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    path = f"/collections/resources/items?bbox={OGC_BBOX}&limit=100&f=json"
    try:
        deadline = time.monotonic() + 120
        while True:
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r,
            ):
                n = len(json.load(r)["features"])
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"ogcapi did not start: see {log.name}")
            time.sleep(0.5)
        assert n == 100, f"the page holds {n} features, not 100"
        pids = [proc.pid, *_children(proc.pid)]
        times: list[float] = []
        errors = [0]
        lock = threading.Lock()
        stop_at = time.monotonic() + args.seconds

        def client() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            while time.monotonic() < stop_at:
                t0 = time.perf_counter()
                try:
                    conn.request("GET", path)
                    response = conn.getresponse()
                    body = response.read()
                    ok = response.status == 200 and body.count(b'"Feature"') == 100
                except (OSError, http.client.HTTPException):
                    ok = False
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                with lock:
                    times.append(time.perf_counter() - t0)
                    errors[0] += not ok

        load0, cpu0, t0 = _loadavg(), _cpu_s(pids), time.monotonic()
        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.monotonic() - t0
        p50, p95 = np.percentile(times, [50, 95]) * 1000
        workers = load_settings().ogcapi_workers
        server = "Flask dev server" if args.dev else f"gunicorn ({workers} workers)"
        server = f"as {repo} serves it" if args.checkout else server
        print(
            f"OGC API, {server}, {args.clients} clients, {wall:.0f} s, 100-feature bbox page: "
            f"{len(times) / wall:.1f} req/s, p50 {p50:.0f} ms, p95 {p95:.0f} ms, "
            f"errors {errors[0]}, server CPU {(_cpu_s(pids) - cpu0) / wall:.2f} cores; "
            f"load avg {load0} -> {_loadavg()}"
        )
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    app = sub.add_parser("app")
    app.add_argument("--users", default="50", help="comma-separated, e.g. 50,100,200")
    app.add_argument("--seconds", type=float, default=90.0)
    app.add_argument("--processes", type=int, default=load_settings().app_processes)
    app.add_argument("--setups", default="single,proxy")
    memory = sub.add_parser("memory")
    memory.add_argument("--sessions", type=int, default=200)
    memory.add_argument("--wave", type=int, default=20)
    memory.add_argument("--malloc", choices=("tuned", "default"), default="tuned")
    ogc = sub.add_parser("ogcapi")
    ogc.add_argument("--clients", type=int, default=16)
    ogc.add_argument("--seconds", type=float, default=20.0)
    ogc.add_argument("--dev", action="store_true", help="Flask's development server")
    ogc.add_argument("--checkout", help="run the service of another checkout (before/after)")
    args = parser.parse_args()
    {"app": cmd_app, "memory": cmd_memory, "ogcapi": cmd_ogcapi}[args.command](args)


if __name__ == "__main__":
    main()
