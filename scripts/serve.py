"""Serve the app on every core: N Streamlit processes behind nginx (``make serve``).

nginx (Debian's package, installed by ``scripts/system_deps.sh``) listens on the public
port and passes each browser to one app process for the whole of its session: the first
answer sets a ``maeul_node`` cookie holding a random key, and ``hash $maeul_node
consistent`` sends every later request of that browser (the ``/_stcore/stream`` websocket,
uploads, downloads) to the same process, whose memory holds the session. nginx itself
serves the files that never change: Streamlit's frontend bundle (``/static/``, hashed
names, cached a year) and the vendored map assets (``/app/static/``, cached a week and
revalidated), and gzips text responses.

Everything it writes (nginx.conf, logs, pid, the shared cookie secret) goes into
``MAEUL_SERVE_STATE``; nothing needs root. It runs in the foreground, restarts an app
process that dies, and stops everything on Ctrl+C or SIGTERM. See docs/deploy.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from geo.settings import load_settings  # noqa: E402

#: Streamlit's frontend bundle (index.html and the hashed js/css/media under static/).
STREAMLIT_STATIC = Path(importlib.util.find_spec("streamlit").origin).resolve().parent / "static"
#: The folder Streamlit serves at /app/static/ (server.enableStaticServing).
APP_STATIC = REPO / "static"
#: Response header naming the app process (1..N) that answered: lets an operator (and the
#: browser test) see where a session landed without exposing internal addresses.
APP_HEADER = "X-Maeul-App"
STICKY_COOKIE = "maeul_node"
#: glibc malloc for the app processes: at most two arenas. Streamlit runs every script run
#: in a thread of its own, and glibc gives threads arenas of their own (up to 8 per core)
#: whose freed memory stays fragmented in the process: RSS that never falls.
MALLOC_ENV = {"MALLOC_ARENA_MAX": "2"}
_TEMP_DIRS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def nginx_conf(
    *,
    listen: str,
    app_ports: list[int],
    state: Path,
    temp: Path,
    max_upload_mb: int,
    user: str | None,
) -> str:
    """The nginx configuration for ``app_ports`` behind ``listen`` (``host:port``).

    Parameters
    ----------
    listen
        Address nginx listens on, e.g. ``0.0.0.0:8501``.
    app_ports
        Loopback ports of the Streamlit processes.
    state
        Folder for the pid file and logs.
    temp
        Folder for nginx's temporary files (request bodies, buffered responses).
    max_upload_mb
        Largest request body (uploads), as the app allows.
    user
        OS user of the worker processes when started as root (``None`` otherwise).
    """
    servers = "\n".join(
        f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in app_ports
    )
    numbers = "\n".join(f'        "127.0.0.1:{p}" {i};' for i, p in enumerate(app_ports, 1))
    temps = "\n".join(f"    {name}_temp_path {temp / name};" for name in _TEMP_DIRS)
    mime = "/etc/nginx/mime.types"
    types = f"include {mime};" if Path(mime).exists() else "types { text/html html; }"
    return f"""# Written by scripts/serve.py on every start: edit the script, not this file.
{f"user {user};" if user else ""}
worker_processes 1;
daemon off;
pid {state / "nginx.pid"};
error_log {state / "error.log"} warn;
events {{ worker_connections 4096; }}
http {{
    {types}
    default_type application/octet-stream;
    access_log {state / "access.log"} combined buffer=64k flush=5s;
{temps}
    server_tokens off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65s;
    client_max_body_size {int(max_upload_mb) + 1}m;

    gzip on;
    gzip_vary on;
    gzip_proxied any;
    gzip_comp_level 5;
    gzip_min_length 1024;
    gzip_types text/plain text/css text/javascript application/javascript application/json
               application/xml image/svg+xml font/ttf application/vnd.ms-fontobject;

    # Websocket upgrade for /_stcore/stream; plain requests keep the upstream connection.
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ""      "";
    }}
    # Sticky sessions: the browser's key, or a new random one (set as a cookie below).
    map $cookie_{STICKY_COOKIE} $maeul_node {{
        ""      $request_id;
        default $cookie_{STICKY_COOKIE};
    }}
    map $cookie_{STICKY_COOKIE} $maeul_node_cookie {{
        ""      "{STICKY_COOKIE}=$request_id; Path=/; HttpOnly; SameSite=Lax";
        default "";
    }}
    map $upstream_addr $maeul_app {{
{numbers}
        default "";
    }}
    upstream maeul_apps {{
        hash $maeul_node consistent;
{servers}
        keepalive 32;
    }}

    server {{
        listen {listen};
        location / {{
            proxy_pass http://maeul_apps;
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            # A session's websocket lives as long as the tab is open.
            proxy_read_timeout 1d;
            proxy_send_timeout 1d;
            add_header Set-Cookie $maeul_node_cookie;
            add_header {APP_HEADER} $maeul_app;
        }}
        # Streamlit's frontend bundle: content-hashed names, never changes under a name.
        location /static/ {{
            alias {STREAMLIT_STATIC / "static"}/;
            add_header Cache-Control "public, max-age=31536000, immutable";
        }}
        # The vendored map assets (static/vendor): a week, then revalidated by ETag.
        location /app/static/ {{
            alias {APP_STATIC}/;
            add_header Cache-Control "public, max-age=604800";
            add_header X-Content-Type-Options nosniff;
        }}
    }}
}}
"""


def _cookie_secret(state: Path) -> str:
    """One secret for every app process (signed cookies of ``st.login`` must verify in any
    of them), kept 0600 in the state folder."""
    path = state / "cookie_secret"
    if not path.exists():
        old = os.umask(0o077)
        try:
            path.write_text(secrets.token_urlsafe(32))
        finally:
            os.umask(old)
    return path.read_text().strip()


def _start_app(port: int, state: Path, secret: str) -> subprocess.Popen:
    log = open(state / f"app-{port}.log", "ab")  # noqa: SIM115 - the child owns it
    command = [
        sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"),
        "--server.headless", "true",
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        # A server: files do not change under it. The watcher would re-import changed
        # modules under running sessions, and it costs CPU and memory per process.
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    env = {**os.environ, **MALLOC_ENV, "PYTHONPATH": str(REPO)}
    env["STREAMLIT_SERVER_COOKIE_SECRET"] = secret
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def _stop(procs: list[subprocess.Popen], sig: int = signal.SIGTERM) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(sig)
    for proc in procs:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main(argv: list[str] | None = None) -> int:
    """Start the app processes and nginx; return when stopped (the exit code)."""
    settings = load_settings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="0.0.0.0", help="address nginx listens on")
    parser.add_argument("--port", type=int, default=8501, help="port nginx listens on")
    parser.add_argument("--processes", type=int, default=settings.app_processes)
    parser.add_argument(
        "--first-app-port", type=int, default=0, help="first app port (default: port + 10)"
    )
    args = parser.parse_args(argv)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        print("nginx is not installed: run scripts/system_deps.sh", file=sys.stderr)
        return 2
    state = Path(settings.serve_state)
    state.mkdir(parents=True, exist_ok=True)
    temp, user = state / "tmp", None
    if os.geteuid() == 0:
        # nginx's workers drop root (to www-data, which Debian's package uses): their temp
        # folders go where that user can reach them, not under root's home.
        user, temp = "www-data", Path("/var/lib/nginx") / f"maeul-atlas-{args.port}"
    for name in _TEMP_DIRS:
        (temp / name).mkdir(parents=True, exist_ok=True)
        if user:
            shutil.chown(temp / name, user)
    first = args.first_app_port or args.port + 10
    ports = [first + i for i in range(max(1, args.processes))]
    conf = state / "nginx.conf"
    conf.write_text(
        nginx_conf(
            listen=f"{args.host}:{args.port}",
            app_ports=ports,
            state=state,
            temp=temp,
            max_upload_mb=settings.max_upload_mb,
            user=user,
        )
    )
    check = subprocess.run([nginx, "-t", "-q", "-c", str(conf)], capture_output=True, text=True)
    if check.returncode:
        print(f"nginx refused {conf}:\n{check.stderr}", file=sys.stderr)
        return 2

    secret = _cookie_secret(state)
    apps = {port: _start_app(port, state, secret) for port in ports}
    stopping = False

    def stop(signum, _frame) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    deadline = time.monotonic() + 180
    while not stopping and not all(_healthy(p) for p in ports):
        dead = [p for p, proc in apps.items() if proc.poll() is not None]
        if dead or time.monotonic() > deadline:
            print(f"app process(es) on {dead or ports} did not start: see {state}/app-*.log")
            _stop(list(apps.values()))
            return 1
        time.sleep(0.5)
    proxy = subprocess.Popen([nginx, "-c", str(conf)])
    shown = "localhost" if args.host == "0.0.0.0" else args.host
    print(
        f"Maeul Atlas: http://{shown}:{args.port} (nginx) -> {len(ports)} app processes "
        f"on 127.0.0.1:{ports[0]}-{ports[-1]}; logs in {state}",
        flush=True,
    )
    code = 0
    while not stopping:
        time.sleep(1)
        if proxy.poll() is not None:
            print(f"nginx exited ({proxy.returncode}): see {state}/error.log", file=sys.stderr)
            code = proxy.returncode or 1
            break
        for port, proc in apps.items():
            if proc.poll() is not None:  # a crashed process: its sessions reconnect elsewhere
                print(f"app on {port} exited ({proc.returncode}); restarting", file=sys.stderr)
                apps[port] = _start_app(port, state, secret)
    _stop([proxy], signal.SIGQUIT)  # graceful: open requests finish
    _stop(list(apps.values()))
    if user:  # the temp folders made outside the state folder go with the server
        shutil.rmtree(temp, ignore_errors=True)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
