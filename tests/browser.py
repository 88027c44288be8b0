"""Run a Streamlit page on loopback and look at its folium maps in a network-less Chromium.

Helpers for the browser tests (not a test module itself):

- :func:`streamlit_server` starts ``streamlit run`` on a free 127.0.0.1 port and yields its
  base URL; :func:`stage_page` puts a test page next to the repository's ``static/`` so
  ``/app/static/vendor/...`` resolves as it does for ``app.py``.
- :func:`inspect_map_page` opens a URL in Debian's Chromium through Playwright, aborts and
  records every request to a host other than 127.0.0.1/localhost, waits for the map
  iframe(s) (streamlit-folium's, or the explorer's own component) to draw Leaflet
  features, saves a screenshot to ``tests/artifacts/<name>.png`` and returns a
  :class:`MapPageResult`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from playwright.sync_api import Page

REPO_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO_ROOT / "tests" / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
FOLIUM_FRAME = "streamlit_folium"  # part of the component iframe's URL
#: Part of the URL of the explorer's own map component (layers/mapview.py).
OUR_FRAME = "maeul_map"
#: Map iframes the helpers look into: streamlit-folium's and ours.
MAP_FRAMES = (FOLIUM_FRAME, OUR_FRAME)

# Counts inside one streamlit-folium iframe. Vector layers drawn on a canvas (preferCanvas)
# leave no <path> in the DOM, so Leaflet's own registry (window.map, set by streamlit-folium)
# is asked too.
_COUNT_JS = """() => {
  const q = (s) => document.querySelectorAll('.leaflet-container ' + s).length;
  let paths = 0;
  if (window.L && window.map && typeof window.map.eachLayer === 'function') {
    window.map.eachLayer((layer) => { if (layer instanceof L.Path) paths += 1; });
  }
  return {
    containers: document.querySelectorAll('.leaflet-container').length,
    features: Math.max(q('path.leaflet-interactive'), paths),
    markers: q('.leaflet-marker-pane > *'),
    clusters: q('.marker-cluster'),
    canvases: q('canvas'),
  };
}"""


@dataclass
class MapPageResult:
    """What :func:`inspect_map_page` saw.

    Attributes
    ----------
    url : str
        The page opened.
    screenshot : Path
        The full-page PNG written.
    blocked : list of str
        Requests (and WebSockets) to a non-loopback host; must be empty offline.
    features : int
        Vector layers drawn (SVG ``path.leaflet-interactive`` or, with ``preferCanvas``,
        Leaflet ``L.Path`` layers on the map) in all map iframes.
    markers : int
        Elements in the marker panes (plain, awesome and div icons, cluster bubbles).
    clusters : int
        MarkerCluster bubbles among ``markers``.
    canvases : int
        Canvas layers (a HeatMap draws on one) in all map iframes.
    maps : int
        Map iframes (streamlit-folium or ours) holding a ``.leaflet-container``.
    console_errors : list of str
        ``console.error`` messages and uncaught exceptions from any frame.
    http_errors : list of str
        Loopback responses with status >= 400 or failed loopback requests, e.g. a vendored
        file that is missing.
    """

    url: str
    screenshot: Path
    blocked: list[str] = field(default_factory=list)
    features: int = 0
    markers: int = 0
    clusters: int = 0
    canvases: int = 0
    maps: int = 0
    console_errors: list[str] = field(default_factory=list)
    http_errors: list[str] = field(default_factory=list)


class MapNotDrawn(TimeoutError):
    """The page's map(s) drew no feature in time; ``result`` holds what was seen."""

    def __init__(self, message: str, result: MapPageResult) -> None:
        super().__init__(message)
        self.result = result


def map_frames(page: Page) -> list:
    """The page's map iframes: streamlit-folium's and the explorer's own component."""
    return [f for f in page.frames if any(part in f.url for part in MAP_FRAMES)]


def our_map_frame(page: Page, timeout: float = 60.0):
    """The explorer map component's frame once its outlines and resources are drawn."""
    page.wait_for_selector(f"iframe[src*='{OUR_FRAME}']", timeout=timeout * 1000)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for frame in page.frames:
            if OUR_FRAME in frame.url:
                with contextlib.suppress(Exception):  # still loading
                    if frame.evaluate(_OURS_READY):
                        return frame
        page.wait_for_timeout(100)
    raise TimeoutError(f"the explorer map did not draw in {timeout}s")


_OURS_READY = """() => !!(window.maeulMap && window.maeulMap.base && window.maeulMap.resources)"""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def is_local(url: str) -> bool:
    """Tell whether ``url`` stays on this machine (loopback host, ``data:``, ``blob:``...)."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https", "ws", "wss"}:
        return True
    return (parts.hostname or "") in LOCAL_HOSTS


def stage_page(page: Path, directory: Path) -> Path:
    """Copy a test page into ``directory`` beside a ``static`` link to the repo's ``static/``.

    Streamlit serves the ``static`` folder next to the main script, so a page kept under
    ``tests/data`` must run from a folder whose ``static`` is the repository's.

    Parameters
    ----------
    page : Path
        The Streamlit script.
    directory : Path
        An empty scratch folder (e.g. pytest's ``tmp_path``).

    Returns
    -------
    Path
        The script to pass to :func:`streamlit_server`.
    """
    target = directory / page.name
    shutil.copyfile(page, target)
    (directory / "static").symlink_to(REPO_ROOT / "static", target_is_directory=True)
    return target


def _get(url: str, timeout: float) -> tuple[int, str]:
    """GET ``url`` directly (no proxy); return status and body."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=timeout) as response:
        return response.status, response.read().decode("utf-8", "replace")


@contextlib.contextmanager
def streamlit_server(
    script: Path | str,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path = REPO_ROOT,
    timeout: float = 90.0,
    address: str | None = "127.0.0.1",
) -> Iterator[str]:
    """Run ``streamlit run script`` on a free loopback port for the ``with`` block.

    Parameters
    ----------
    script : Path or str
        Main script of the app.
    env : Mapping, optional
        Variables added to (and overriding) this process's environment. The repository root
        is prepended to ``PYTHONPATH`` so the page can import the project's packages.
    cwd : Path, default the repository root
        Working directory; Streamlit reads ``.streamlit/config.toml`` from it.
    timeout : float, default 90
        Seconds to wait for ``/_stcore/health`` to answer ``ok``.
    address : str or None, default "127.0.0.1"
        Interface to bind; None binds all, as ``make run`` does.

    Yields
    ------
    str
        Base URL, e.g. ``http://127.0.0.1:8765``.

    Raises
    ------
    RuntimeError
        If the server exits or does not answer in time (its log is in the message).
    """
    port = free_port()
    full_env = {**os.environ, **(env or {})}
    full_env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO_ROOT), full_env.get("PYTHONPATH", "")) if p
    )
    command = [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.headless", "true",
        "--server.port", str(port),
        *(["--server.address", address] if address else []),
    ]  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            command, cwd=cwd, env=full_env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

        def log_text() -> str:
            log.seek(0)
            return log.read().decode("utf-8", "replace")[-4000:]

        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{log_text()}")
                with contextlib.suppress(OSError):
                    if _get(f"{base}/_stcore/health", timeout=2) == (200, "ok"):
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not answer in {timeout}s:\n{log_text()}")
                time.sleep(0.3)
            yield base
        finally:
            _stop(proc)


@contextlib.contextmanager
def recording_proxy() -> Iterator[tuple[dict[str, str], list[str]]]:
    """A loopback HTTP proxy that records every request and answers 502.

    Yields the environment variables that make a child process's Python HTTP clients
    (``requests``, ``urllib``) go through it for every host but loopback, and the list the
    requests are recorded in (``"GET http://host/path"``, ``"CONNECT host:443"``).
    """
    import http.server
    import threading

    seen: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def _record(self) -> None:
            seen.append(f"{self.command} {self.path}")
            self.send_error(502)

        do_GET = do_POST = do_HEAD = do_CONNECT = _record

        def log_message(self, *args) -> None:
            pass

    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    out = f"http://127.0.0.1:{proxy.server_address[1]}"
    env = {k: out for k in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")}
    env |= {k: "127.0.0.1,localhost" for k in ("NO_PROXY", "no_proxy")}
    try:
        yield env, seen
    finally:
        proxy.shutdown()


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate ``proc`` and its process group, killing it if it lingers."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


#: What a phone's Chrome says it is: Streamlit folds the sidebar away after a tap on a
#: page link only for a mobile user agent, as a real phone sends.
PHONE_USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36"
)


@contextlib.contextmanager
def offline_page(
    result: MapPageResult, viewport: tuple[int, int] = (1280, 900), *, phone: bool = False
) -> Iterator[Page]:
    """A Chromium page that reaches only loopback, logging into ``result``.

    Requests to other hosts are aborted and listed in ``result.blocked``; loopback HTTP
    errors, console errors and uncaught exceptions are listed too. With ``phone``, the
    browser is a phone's: touch, a mobile user agent (:data:`PHONE_USER_AGENT`).

    Raises
    ------
    RuntimeError
        If Chromium is not installed at ``$CHROMIUM_PATH`` (default ``/usr/bin/chromium``).
    """
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} not found: install Debian's package `chromium`")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def route(route, request) -> None:
        if is_local(request.url):
            route.continue_()
        else:
            result.blocked.append(request.url)
            route.abort("blockedbyclient")

    def on_response(response) -> None:
        if response.status >= 400 and is_local(response.url):
            result.http_errors.append(f"{response.status} {response.url}")

    def on_failed(request) -> None:
        if is_local(request.url):
            result.http_errors.append(f"failed {request.url}: {request.failure}")

    def on_websocket(ws) -> None:
        if not is_local(ws.url):  # not routable: recorded only
            result.blocked.append(ws.url)

    def on_console(msg) -> None:
        if msg.type == "error":
            result.console_errors.append(msg.text)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            as_phone = {"is_mobile": True, "has_touch": True, "user_agent": PHONE_USER_AGENT}
            context = browser.new_context(
                viewport={"width": viewport[0], "height": viewport[1]},
                service_workers="block",
                **(as_phone if phone else {}),
            )
            context.route("**/*", route)
            page = context.new_page()
            page.on("response", on_response)
            page.on("requestfailed", on_failed)
            page.on("websocket", on_websocket)
            page.on("console", on_console)
            page.on("pageerror", lambda exc: result.console_errors.append(f"pageerror: {exc}"))
            yield page
        finally:
            browser.close()


def inspect_map_page(
    url: str,
    name: str,
    *,
    maps: int = 1,
    timeout: float = 60.0,
    viewport: tuple[int, int] = (1280, 900),
    wait_text: str | None = None,
    min_features: int = 1,
    steps: Callable[[Page], None] | None = None,
) -> MapPageResult:
    """Open ``url`` in offline Chromium and wait for its folium map(s) to draw.

    Parameters
    ----------
    url : str
        Page to open (served on 127.0.0.1).
    name : str
        Screenshot name: ``tests/artifacts/<name>.png``.
    maps : int, default 1
        How many map iframes must show Leaflet features before counting.
    timeout : float, default 60
        Seconds allowed for the maps to appear.
    viewport : tuple of int, default (1280, 900)
        Browser window size.
    wait_text : str, optional
        Also wait until this text is visible on the page (for pages without a map).
    min_features : int, default 1
        A map counts as drawn once it holds this many features and markers (layers that
        streamlit-folium adds after the map itself arrive a moment later).
    steps : callable, optional
        Run with the page once it has loaded, before waiting for maps (sign in, navigate).

    Returns
    -------
    MapPageResult
        Counts and logs. A screenshot is written even when the maps never appear.

    Raises
    ------
    RuntimeError
        If Chromium is not installed at ``$CHROMIUM_PATH`` (default ``/usr/bin/chromium``).
    MapNotDrawn
        A ``TimeoutError``: fewer than ``maps`` map iframes drew a feature in time. Its
        ``result`` attribute holds the blocked requests and errors seen.
    """
    from playwright.sync_api import Error

    result = MapPageResult(url=url, screenshot=ARTIFACTS / f"{name}.png")
    with offline_page(result, viewport) as page:
        page.goto(url, wait_until="domcontentloaded", timeout=timeout * 1000)
        if steps is not None:
            try:
                steps(page)
            except Exception:
                page.screenshot(path=result.screenshot, full_page=True)
                raise
        if wait_text:
            page.get_by_text(wait_text).first.wait_for(timeout=timeout * 1000)

        def drawn_maps() -> list[dict[str, int]]:
            """Counts of the map iframes that hold at least ``min_features`` now."""
            ready = []
            for frame in map_frames(page):
                with contextlib.suppress(Error):  # detached: a rerun is redrawing it
                    counts = frame.evaluate(_COUNT_JS)
                    drawn = counts["features"] + counts["markers"]
                    if counts["containers"] and drawn >= min_features:
                        ready.append(counts)
            return ready

        def wait_for_maps() -> list[dict[str, int]]:
            deadline = time.monotonic() + timeout
            while len(ready := drawn_maps()) < maps:
                if time.monotonic() > deadline:
                    page.screenshot(path=result.screenshot, full_page=True)
                    result.maps = len(ready)
                    raise MapNotDrawn(
                        f"{len(ready)} of {maps} map(s) drew features within {timeout}s "
                        f"on {url}; blocked={result.blocked} console_errors="
                        f"{result.console_errors} http_errors={result.http_errors}",
                        result,
                    )
                page.wait_for_timeout(250)
            return ready

        wait_for_maps()
        with contextlib.suppress(Error):  # let icons, fonts and tiles settle
            page.wait_for_load_state("networkidle", timeout=10_000)
        page.wait_for_timeout(500)
        # Count the maps as they are now; a rerun may have replaced an iframe since, in
        # which case wait for the new one to draw rather than count a half-built map.
        ready = wait_for_maps()
        result.maps = len(ready)
        for counts in ready:
            result.features += counts["features"]
            result.markers += counts["markers"]
            result.clusters += counts["clusters"]
            result.canvases += counts["canvases"]
        page.screenshot(path=result.screenshot, full_page=True)
    return result


def pick_option(page, opener, option, *, typed: str | None = None, attempts: int = 4) -> None:
    """Open a select box (``opener``, a locator), optionally type to narrow it, and click
    ``option`` (a name or a pattern), retrying when a rerun closed the list before it showed.

    A busy machine can rerun the page between the click that opens a list and the click on
    its option; a person would open it again, and so does this.
    """
    from playwright.sync_api import Error

    for attempt in range(attempts):
        try:
            opener.click(timeout=30_000)
            if typed:
                page.keyboard.type(typed)
            page.get_by_role("option", name=option).first.click(timeout=10_000)
            return
        except Error:
            if attempt == attempts - 1:
                raise
            page.keyboard.press("Escape")
            page.wait_for_timeout(1500)


def sign_in(page, account: tuple[str, str]) -> None:
    """Sign in through the sidebar's form, as a person would."""
    page.get_by_text("직원 로그인").click()
    page.get_by_label("아이디").fill(account[0])
    page.get_by_label("비밀번호").fill(account[1])
    page.get_by_role("button", name="로그인").click()
    page.get_by_text("로그아웃").wait_for(timeout=60_000)


def wait_idle(page, timeout: float = 180_000) -> None:
    """Wait until Streamlit has finished running the script (no "running" indicator).

    ``timeout`` is a ceiling for a loaded machine, not a speed check (speed is measured in
    ``bench/``)."""
    page.wait_for_timeout(600)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout
    )
