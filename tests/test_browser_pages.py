"""Every page at desktop (1440x900) and phone (390x844) size, as its user reaches it.

The public pages are opened by their address; the staff pages (Edit, Import and Export as
마포구's district officer, Administration as an administrator) after signing in through the
sidebar, as a person would. Each page must draw its title, show no error or traceback, and
draw its map where it has one; its first screen and the whole page are kept as
``tests/artifacts/pages_<size>_<page>.png`` and ``..._full.png``.
"""

from __future__ import annotations

import pytest

from tests.browser import (
    _COUNT_JS,
    ARTIFACTS,
    MapPageResult,
    map_frames,
    offline_page,
    sign_in,
    wait_idle,
)

SIZES = [("desktop", (1440, 900)), ("phone", (390, 844))]

#: (address, title drawn, maps on the first screen) of the pages everyone sees.
PUBLIC = [
    ("", "자원 지도", 1),
    ("nearby", "근처 자원 찾기", 1),
    ("coverage", "사업 현황", 1),
    ("conflicts", "갈등 관리", 1),
    ("hotspots", "갈등 집중지", 1),
    ("programs", "마을공동체 35개 지원사업", 0),
    ("export", "내보내기", 0),
    ("import", "가져오기", 0),
    ("about", "데이터 출처", 0),
]
#: (sidebar link, title drawn, screenshot name) of the pages a district officer works in.
OFFICER = [
    ("편집", "기록 편집", "edit"),
    ("가져오기", "가져오기", "import_officer"),
    ("내보내기", "내보내기", "export_officer"),
]
ADMIN_ACCOUNT = ("browser.admin", "browser admin password 1")


@pytest.fixture
def administrator(engine):
    """An administrator account (user name, password), removed afterwards."""
    import sqlalchemy as sa

    from geo import auth

    def drop() -> None:
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM users WHERE username = :u"), {"u": ADMIN_ACCOUNT[0]})

    drop()
    with engine.begin() as conn:
        auth.create_user(conn, *ADMIN_ACCOUNT, role="admin")
    yield ADMIN_ACCOUNT
    drop()


def _sidebar(page, *, open_: bool) -> None:
    """Open (or close) the sidebar where it folds away (a phone), as a person taps it."""
    button = "stExpandSidebarButton" if open_ else "stSidebarCollapseButton"
    control = page.locator(f"[data-testid={button}]")
    if control.count() and control.first.is_visible():
        control.first.click()
        page.wait_for_timeout(800)


def _drawn_maps(page) -> int:
    """Map iframes on the page that drew the district outlines (25 features) or more."""
    drawn = 0
    for frame in map_frames(page):
        try:
            counts = frame.evaluate(_COUNT_JS)
        except Exception:  # detached by a rerun
            continue
        drawn += bool(counts["containers"] and counts["features"] + counts["markers"] >= 25)
    return drawn


def _look(page, name: str, title: str, maps: int, viewport: tuple[int, int]) -> dict:
    """Wait for the page, keep its screenshots, return what a user would see on it."""
    page.get_by_role("heading", name=title, exact=True).first.wait_for(timeout=120_000)
    wait_idle(page)
    if viewport[0] < 640:  # a phone: the sidebar folded away, as after a tap on a link
        _sidebar(page, open_=False)
    for _ in range(240):  # maps draw in their iframes after the script has ended
        if _drawn_maps(page) >= maps:
            break
        page.wait_for_timeout(250)
    page.wait_for_timeout(1000)
    page.screenshot(path=ARTIFACTS / f"{name}.png")
    seen = {
        "maps": _drawn_maps(page),
        "title_box": page.get_by_role("heading", name=title, exact=True).first.bounding_box(),
        "exceptions": page.locator("[data-testid=stException]").count(),
        "errors": [e.inner_text() for e in page.locator("[data-testid=stAlertContentError]").all()],
        "text": page.locator("[data-testid=stMain]").inner_text(),
    }
    height = page.evaluate(
        "() => { const m = document.querySelector('[data-testid=stMain]');"
        " return m ? m.scrollHeight : document.body.scrollHeight; }"
    )
    page.set_viewport_size({"width": viewport[0], "height": min(int(height), 8000)})
    page.wait_for_timeout(1500)
    page.screenshot(path=ARTIFACTS / f"{name}_full.png")
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    return seen


def _assert_usable(name: str, seen: dict, maps: int, width: int) -> None:
    box = seen["title_box"]
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, name
    assert seen["exceptions"] == 0 and seen["errors"] == [], (name, seen["errors"])
    assert "Traceback" not in seen["text"], name
    assert seen["maps"] >= maps, f"{name}: {seen['maps']} of {maps} map(s) drawn"
    for suffix in ("", "_full"):
        shot = ARTIFACTS / f"{name}{suffix}.png"
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000


@pytest.mark.parametrize(("size", "viewport"), SIZES)
def test_every_public_page_draws_its_title_and_map(app_url, size, viewport):
    """The nine pages everyone sees, opened by address."""
    result = MapPageResult(url=app_url, screenshot=ARTIFACTS / "pages.png")
    seen = {}
    with offline_page(result, viewport) as page:
        for path, title, maps in PUBLIC:
            page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
            page.goto(f"{app_url}/{path}", wait_until="domcontentloaded")
            name = f"pages_{size}_{path or 'explorer'}"
            seen[name] = (_look(page, name, title, maps, viewport), maps)
    assert result.blocked == []
    for name, (look, maps) in seen.items():
        _assert_usable(name, look, maps, viewport[0])


def _go(page, link: str) -> None:
    """Follow a sidebar link (the sidebar opened first on a phone)."""
    _sidebar(page, open_=True)
    page.locator("[data-testid=stSidebar]").get_by_role("link", name=link, exact=True).click()


@pytest.mark.parametrize(("size", "viewport"), SIZES)
def test_every_staff_page_draws_for_its_role(
    app_url,
    mapo_officer,
    administrator,
    size,
    viewport,
):
    """Edit, Import and Export as 마포구's officer, Administration as an administrator,
    each reached by signing in through the sidebar."""
    result = MapPageResult(url=app_url, screenshot=ARTIFACTS / "pages.png")
    seen = {}
    with offline_page(result, viewport) as page:
        page.goto(f"{app_url}/", wait_until="domcontentloaded")
        page.locator("h1").first.wait_for(timeout=120_000)
        wait_idle(page)
        _sidebar(page, open_=True)
        sign_in(page, mapo_officer)
        for link, title, short in OFFICER:
            _go(page, link)
            name = f"pages_{size}_{short}"
            seen[name] = _look(page, name, title, 0, viewport)
        page.goto(f"{app_url}/", wait_until="domcontentloaded")  # a new session: signed out
        page.locator("h1").first.wait_for(timeout=120_000)
        wait_idle(page)
        _sidebar(page, open_=True)
        sign_in(page, administrator)
        _go(page, "관리")
        seen[f"pages_{size}_admin"] = _look(page, f"pages_{size}_admin", "관리", 0, viewport)
    assert result.blocked == []
    for name, look in seen.items():
        _assert_usable(name, look, 0, viewport[0])
    # What each role came for is on its page (not the public's "sign in first" note).
    assert (
        "담당 자치구(마포구) 안의 행만 가져옵니다" in seen[f"pages_{size}_import_officer"]["text"]
    )
    assert "로그인해야" not in seen[f"pages_{size}_import_officer"]["text"]
    assert "파일 만들기" in seen[f"pages_{size}_export_officer"]["text"]
    assert "이름으로 찾기" in seen[f"pages_{size}_edit"]["text"]
    assert "새 계정" in seen[f"pages_{size}_admin"]["text"]
    assert "감사 기록" in seen[f"pages_{size}_admin"]["text"]
