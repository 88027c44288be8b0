"""Staff accounts: hashes, sign-in, slow-down and lock-out, audit, the CLI and the sidebar."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from geo import audit, auth
from geo.errors import InvalidInput

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PASSWORD = "correct horse battery"


@pytest.fixture
def officer(engine, cleanup):
    cleanup.users("mapo.%")
    with engine.begin() as conn:
        auth.create_user(
            conn, "mapo.officer", PASSWORD, role="district_officer", district_code="11440"
        )
    return "mapo.officer"


def _audit(engine, username):
    with engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT action, detail FROM audit_log WHERE username = :u ORDER BY id"),
            {"u": username},
        ).all()


def test_password_is_stored_only_as_an_argon2_hash(officer, engine):
    with engine.connect() as conn:
        stored = conn.execute(
            sa.text("SELECT password_hash FROM users WHERE username = :u"), {"u": officer}
        ).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_sign_in_gives_the_users_role_and_district(officer, engine):
    who = auth.authenticate(officer, PASSWORD, sleep=lambda _s: None)
    assert (who.role, who.username, who.district_code) == ("district_officer", officer, "11440")
    assert [a for a, _ in _audit(engine, officer)] == ["login"]


def test_wrong_password_and_unknown_user_give_the_same_message(officer):
    with pytest.raises(auth.LoginFailed) as wrong:
        auth.authenticate(officer, "not the password", sleep=lambda _s: None)
    with pytest.raises(auth.LoginFailed) as unknown:
        auth.authenticate("mapo.nobody", PASSWORD, sleep=lambda _s: None)
    assert wrong.value.user_msg == unknown.value.user_msg


def test_repeated_failures_slow_down_but_never_lock_the_owner_out(officer, engine):
    """Anyone may type the officer's name: failures slow the answers down (doubling, for
    the name and for the client), but the right password still gets in."""
    waits = []
    now = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
    for _ in range(20):  # an attacker's 20 tries (the old rule locked after 5)
        with pytest.raises(auth.LoginFailed):
            auth.authenticate(
                officer, "wrong password!", client="10.0.0.66", now=now, sleep=waits.append
            )
    assert waits[:5] == [0.0, 0.25, 0.5, 1.0, 2.0] and max(waits) == 8.0
    # The owner, from another client, minutes later: slowed, not refused.
    owner_waits = []
    later = now + dt.timedelta(minutes=5)
    who = auth.authenticate(
        officer, PASSWORD, client="10.0.0.7", now=later, sleep=owner_waits.append
    )
    assert who.is_staff and owner_waits == [8.0]
    # A success clears the name: the next answer is immediate.
    again = []
    auth.authenticate(officer, PASSWORD, client="10.0.0.7", now=later, sleep=again.append)
    assert again == [0.0]
    actions = [a for a, _ in _audit(engine, officer)]
    assert actions.count("login_failed") == 20 and actions[-2:] == ["login", "login"]


def test_unknown_names_wrong_passwords_and_failing_names_answer_alike(officer):
    """Same message, same slow-down, and the same work (argon2 every time): the median time
    of 30 wrong passwords for the officer and of 30 unknown names are within 10 %."""
    import statistics

    now = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
    times = {"known": [], "unknown": []}
    waits = {"known": [], "unknown": []}
    messages = set()
    for i in range(30):
        for kind, name in (("known", officer), ("unknown", f"mapo.ghost{i % 3}")):
            start = time.perf_counter()
            try:
                auth.authenticate(name, "wrong password!", now=now, sleep=waits[kind].append)
            except auth.LoginFailed as exc:
                messages.add(exc.user_msg)
            times[kind].append(time.perf_counter() - start)
        auth.forget_failures(officer)  # keep both sides' slow-down history alike
        for n in range(3):
            auth.forget_failures(f"mapo.ghost{n}")
    assert len(messages) == 1
    assert waits["known"] == waits["unknown"]
    known, unknown = statistics.median(times["known"]), statistics.median(times["unknown"])
    assert abs(known - unknown) <= 0.10 * max(known, unknown), (known, unknown)


@pytest.mark.parametrize(
    ("username", "password", "role", "district"),
    [
        ("ab", PASSWORD, "planner", None),  # user name too short
        ("mapo.x", "short", "planner", None),  # password too short
        ("mapo.x", PASSWORD, "superuser", None),  # no such role
        ("mapo.x", PASSWORD, "district_officer", None),  # officer without district
        ("mapo.x", PASSWORD, "planner", "11440"),  # planner with district
        ("mapo.x'; DROP TABLE users; --", PASSWORD, "planner", None),
    ],
)
def test_bad_accounts_are_refused_with_a_reason(engine, username, password, role, district):
    with pytest.raises(InvalidInput), engine.begin() as conn:
        auth.create_user(conn, username, password, role=role, district_code=district)
    with engine.connect() as conn:
        made = conn.execute(
            sa.text("SELECT count(*) FROM users WHERE username = :u"), {"u": username}
        ).scalar_one()
    assert made == 0


def _create_admin_cli(db_url: str) -> subprocess.CompletedProcess:
    cmd = ["create-user", "mapo.admin", "--role", "admin", "--password-stdin"]
    return subprocess.run(
        [sys.executable, "-m", "loaders", "--database-url", db_url, *cmd],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_first_administrator_from_the_cli(db_url, engine, cleanup):
    cleanup.users("mapo.admin")
    proc = _create_admin_cli(db_url)
    assert proc.returncode == 0, proc.stderr
    assert auth.authenticate("mapo.admin", PASSWORD, sleep=lambda _s: None).role == "admin"
    again = _create_admin_cli(db_url)  # the same user name a second time
    assert again.returncode == 2 and "Traceback" not in again.stderr


def test_sidebar_sign_in_shows_exact_data_to_the_officer(officer, db_url):
    at = AppTest.from_file(APP, default_timeout=90).run()
    at.sidebar.text_input[0].input(officer)
    at.sidebar.text_input[1].input(PASSWORD)
    at.sidebar.button[0].click().run()
    assert not at.exception
    assert any(officer in c.value for c in at.sidebar.caption)
    # A signed-in officer is staff: the sidebar offers sign-out, not the form.
    assert [b.label for b in at.sidebar.button] == ["로그아웃"]


def test_sign_in_expires(officer, db_url, monkeypatch):
    from geo.access import Viewer
    from views.common import SESSION_KEY

    monkeypatch.setenv("MAEUL_SESSION_MINUTES", "30")
    at = AppTest.from_file(APP, default_timeout=90)
    old = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=31)
    at.session_state[SESSION_KEY] = (Viewer("planner", "mapo.planner"), old)
    at.run()
    assert not at.exception
    assert SESSION_KEY not in at.session_state


def test_only_administrators_manage_accounts_and_read_the_audit_log(officer):
    from geo.access import PUBLIC, Viewer
    from geo.errors import Forbidden

    for who in (PUBLIC, Viewer("planner", "p1"), Viewer("district_officer", "d1", "11440")):
        with pytest.raises(Forbidden):
            auth.list_users(who)
        with pytest.raises(Forbidden):
            audit.audit_entries(who)
        with pytest.raises(Forbidden):
            auth.set_account(who, officer, active=False)
    admin = Viewer("admin", "mapo.root")
    auth.set_account(admin, officer, active=False)
    with pytest.raises(auth.LoginFailed):
        auth.authenticate(officer, PASSWORD, sleep=lambda _s: None)
    log = audit.audit_entries(admin)
    assert {"update_user", "login_failed"} <= set(log["action"])


def test_admin_page_is_listed_for_administrators_only(officer, db_url):
    from geo.access import Viewer
    from views.common import SESSION_KEY

    public = AppTest.from_file(APP, default_timeout=90).run()
    with pytest.raises(ValueError):
        public.switch_page("views/admin.py")
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state[SESSION_KEY] = (Viewer("admin", "mapo.root"), dt.datetime.now(dt.UTC))
    at.run()
    at.switch_page("views/admin.py").run()
    assert not at.exception
    accounts = at.dataframe[0].value
    assert officer in set(accounts["아이디"])
    # Roles and districts by name, headers in the interface language (not raw codes).
    row = accounts[accounts["아이디"] == officer].iloc[0]
    assert row["역할"] == "자치구 담당" and row["자치구 (자치구 담당만)"] == "마포구"
    assert "district_officer" not in set(accounts["역할"]) and "role" not in accounts.columns
    assert "때" in at.dataframe[-1].value.columns  # the audit log's headers too


ROLE_MAP = "maeul-admin=admin, maeul-planning=planner, mapo-gu=district_officer:11440"


@pytest.mark.parametrize(
    "claims, expected",
    [
        (
            {"email": "kim@seoul.go.kr", "groups": ["staff", "mapo-gu"]},
            ("district_officer", "11440"),
        ),
        ({"email": "lee@seoul.go.kr", "groups": "maeul-planning"}, ("planner", None)),
        # The first entry of the map that matches wins.
        ({"sub": "abc", "groups": ["mapo-gu", "maeul-admin"]}, ("admin", None)),
    ],
)
def test_single_sign_on_claims_give_the_mapped_role(claims, expected):
    who = auth.viewer_from_claims(claims, claim="groups", role_map=ROLE_MAP)
    assert (who.role, who.district_code) == expected
    assert who.username == "oidc:" + (claims.get("email") or claims["sub"])


def test_single_sign_on_without_a_mapped_role_is_refused():
    from geo.errors import Forbidden

    for claims in ({"email": "x@y.kr", "groups": ["visitors"]}, {"email": "x@y.kr"}):
        with pytest.raises(Forbidden, match="no Maeul Atlas role"):
            auth.viewer_from_claims(claims, claim="groups", role_map=ROLE_MAP)
    for bad in ("x=root", "x=district_officer", "=admin", "x=planner:11440"):
        with pytest.raises(InvalidInput):
            auth.parse_role_map(bad)


def test_the_sidebar_offers_single_sign_on_only_when_configured(db_url, monkeypatch):
    plain = AppTest.from_file(APP, default_timeout=90).run()
    assert "기관 계정으로 로그인" not in [b.label for b in plain.sidebar.button]
    monkeypatch.setenv("MAEUL_OIDC_ROLE_CLAIM", "groups")
    monkeypatch.setenv("MAEUL_OIDC_ROLES", ROLE_MAP)
    at = AppTest.from_file(APP, default_timeout=90)
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "test only",
        "client_id": "maeul",
        "client_secret": "test only",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
    }
    at.run()
    assert not at.exception
    assert "기관 계정으로 로그인" in [b.label for b in at.sidebar.button]


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("mapo.y", " " * 10),  # ten spaces (was accepted)
        ("mapo.y", "  abc def   "),  # 7 characters once trimmed
        ("mapo.y", "mapo.y2024!"),  # the user's own name and a few characters
        ("mapo.yun", "MAPO.YUN-MAPO.YUN"),  # the name twice is still the name
        ("mapo.y", "Password123"),  # among the most common passwords
        ("mapo.y", "  qwertyuiop  "),  # common, with spaces around
        ("mapo.y", "x" * 2000),  # not a password, a paste
    ],
)
def test_weak_passwords_are_refused(engine, username, password):
    with pytest.raises(InvalidInput), engine.begin() as conn:
        auth.create_user(conn, username, password, role="planner")
    with engine.connect() as conn:
        made = conn.execute(
            sa.text("SELECT count(*) FROM users WHERE username = :u"), {"u": username}
        ).scalar_one()
    assert made == 0


def test_a_good_password_with_the_name_in_it_is_accepted(engine, cleanup):
    with engine.begin() as conn:
        auth.create_user(conn, cleanup.users("mapo.z"), "mapo.z likes long walks", role="planner")


_ROOM = {
    "name": "session-check 회의실",
    "kind": "space",
    "category": "meeting_room",
    "visibility": "public",
}
_MANGWON = (126.9045, 37.5560)  # 망원동, Mapo-gu


def _rooms(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT count(*) FROM resources WHERE name = :n"), {"n": _ROOM["name"]}
        ).scalar_one()


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE users SET active = false WHERE username = :u",  # deactivated
        "UPDATE users SET role = 'planner', district_code = NULL WHERE username = :u",  # demoted
        "UPDATE users SET district_code = '11680' WHERE username = :u",  # moved to Gangnam
    ],
    ids=["deactivated", "demoted", "other district"],
)
def test_a_sign_in_loses_its_rights_when_the_account_changes(officer, engine, change):
    from geo import editing

    signed_in = auth.authenticate(officer, PASSWORD, sleep=lambda s: None)
    with engine.begin() as conn:
        conn.execute(sa.text(change), {"u": officer})
    with pytest.raises(auth.SessionEnded):
        editing.save_record(signed_in, "resources", _ROOM, lon=_MANGWON[0], lat=_MANGWON[1])
    assert _rooms(engine) == 0


def test_pages_sign_out_a_deactivated_account(officer, engine, db_url, monkeypatch):
    from geo.access import Viewer
    from views.common import SESSION_KEY

    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state[SESSION_KEY] = (
        Viewer("district_officer", officer, "11440"),
        dt.datetime.now(dt.UTC),
    )
    at.run()
    assert SESSION_KEY in at.session_state
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE users SET active = false WHERE username = :u"), {"u": officer})
    monkeypatch.setenv("MAEUL_SESSION_RECHECK_S", "0")  # instead of waiting a minute
    at.run()
    assert not at.exception
    assert SESSION_KEY not in at.session_state
