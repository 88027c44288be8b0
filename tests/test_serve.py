"""``make serve``: several app processes behind nginx, each browser kept on its own process.

Starts ``scripts/serve.py`` (two Streamlit processes behind Debian's nginx) on a free
loopback port against the test database, then checks what a user and their browser see:
the same browser always reaches the same process, assets come cached and compressed from
nginx, and two browsers on two different processes both search the Nearby page.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest

from scripts.serve import APP_HEADER, STICKY_COOKIE
from tests.browser import CHROMIUM, CHROMIUM_ARGS, REPO_ROOT, _stop, free_port, is_local


def _get(url: str, cookie: str | None = None, gzip: bool = False):
    request = urllib.request.Request(url)
    if cookie:
        request.add_header("Cookie", f"{STICKY_COOKIE}={cookie}")
    if gzip:
        request.add_header("Accept-Encoding", "gzip")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=10) as response:
        return response.status, response.headers, response.read()


@pytest.fixture(scope="module")
def served(db_url, tmp_path_factory) -> Iterator[str]:
    port = free_port()
    state = tmp_path_factory.mktemp("serve")
    env = {**os.environ, "DATABASE_URL": db_url, "MAEUL_SERVE_STATE": str(state)}
    command = [sys.executable, str(REPO_ROOT / "scripts" / "serve.py"), "--host", "127.0.0.1"]
    command += ["--port", str(port), "--processes", "2", "--first-app-port", str(free_port())]
    log = state / "serve.out"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while True:
            assert proc.poll() is None, log.read_text()
            with contextlib.suppress(OSError):
                if _get(f"{base}/_stcore/health")[2] == b"ok":
                    break
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
        yield base
    finally:
        _stop(proc)


def _landing(base: str, key: str) -> str:
    return _get(f"{base}/", cookie=key)[1][APP_HEADER]


def _keys_on_two_processes(base: str) -> dict[str, str]:
    """A sticky key for each app process, found by asking (keys are hashed by nginx)."""
    found: dict[str, str] = {}
    for i in range(64):
        found.setdefault(_landing(base, f"key-{i}"), f"key-{i}")
        if len(found) == 2:
            return found
    raise AssertionError(f"every key landed on the same process: {found}")


def test_a_browser_stays_on_its_process_and_assets_come_from_nginx(served):
    keys = _keys_on_two_processes(served)
    assert set(keys) == {"1", "2"}
    for app, key in keys.items():  # the same browser, always the same process
        assert {_landing(served, key) for _ in range(5)} == {app}
    # A new browser is given its key by the first answer.
    _, headers, _ = _get(f"{served}/nearby")
    assert headers["Set-Cookie"].startswith(f"{STICKY_COOKIE}=")
    # Streamlit's own bundle (hashed names) and the vendored map assets: cached, gzipped.
    index = _get(f"{served}/")[2].decode()
    bundle = index.split('src="./static/js/', 1)[1].split('"', 1)[0]
    _, headers, body = _get(f"{served}/static/js/{bundle}", gzip=True)
    assert headers["Content-Encoding"] == "gzip" and body[:2] == b"\x1f\x8b"
    assert "immutable" in headers["Cache-Control"]
    _, headers, _ = _get(f"{served}/app/static/vendor/leaflet/leaflet.js", gzip=True)
    assert headers["Content-Encoding"] == "gzip"
    assert "max-age=604800" in headers["Cache-Control"]
    assert APP_HEADER not in headers  # nginx answered, not an app process


def test_two_browsers_on_two_processes_both_search_nearby(served):
    from playwright.sync_api import sync_playwright

    keys = _keys_on_two_processes(served)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            pages, landed = {}, {}
            for app, key in keys.items():
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                context.route(
                    "**/*",
                    lambda route, request: (
                        route.continue_()
                        if is_local(request.url)
                        else route.abort("blockedbyclient")
                    ),
                )
                context.add_cookies([{"name": STICKY_COOKIE, "value": key, "url": served}])
                page = context.new_page()
                response = page.goto(f"{served}/nearby")
                landed[app] = response.headers[APP_HEADER.lower()]
                pages[app] = page
            assert landed == {"1": "1", "2": "2"}  # one browser on each process
            # Both sessions are open at once; each searches around pasted coordinates,
            # which runs its script again over its websocket, on its own process.
            for app, page in pages.items():
                page.get_by_text("근처 자원 찾기").first.wait_for(timeout=120_000)
                box = page.get_by_label("좌표 붙여넣기 (위도, 경도)")
                box.fill(f"37.56{app}0, 126.9780")
                box.press("Enter")
            for app, page in pages.items():
                centre = f"검색 중심: 37.56{app}00, 126.97800"
                page.get_by_text(centre).first.wait_for(timeout=120_000)
                page.get_by_text("건 · 거리는 직선거리").first.wait_for(timeout=60_000)
                page.screenshot(path=str(REPO_ROOT / "tests" / "artifacts" / f"serve_{app}.png"))
        finally:
            browser.close()
