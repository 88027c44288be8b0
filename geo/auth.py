"""Staff accounts: argon2 password hashes, sign-in with slow-down and lock-out, audit log.

The public needs no account. A successful sign-in yields the :class:`geo.access.Viewer` that
every query and write then takes. No password exists in the repository: the first
administrator is created with ``python -m loaders create-user NAME --role admin``.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import cast

import pandas as pd
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from geo.access import Viewer, require
from geo.audit import audit
from geo.db import connect, transaction
from geo.errors import AtlasError, Forbidden, InvalidInput, NotFound
from geo.logs import logger
from geo.messages import Msg
from geo.models import User
from geo.settings import load_settings

STAFF_ROLES = ("district_officer", "planner", "admin")
MIN_PASSWORD = 10
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")
_hasher = PasswordHasher()
_USERS = cast(sa.Table, User.__table__)

_logger = logger(__name__)


class LoginFailed(AtlasError, PermissionError):
    """Wrong user name or password (never says which)."""

    key = "auth.login_failed"


#: Longest password accepted (argon2 hashes any length; a megabyte is not a password).
MAX_PASSWORD = 1024
_COMMON_FILE = Path(__file__).resolve().parent.parent / "data" / "common_passwords.txt"


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    lines = _COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(ln.strip().lower() for ln in lines if ln.strip() and not ln.startswith("#"))


def check_password(password: str, *, username: str | None = None) -> None:
    """Refuse a weak password: under :data:`MIN_PASSWORD` characters once spaces around it
    are trimmed, the user's own name (with fewer than 10 other characters), or one of the
    common passwords in ``data/common_passwords.txt``.

    Raises
    ------
    InvalidInput
        With the rule that failed.
    """
    trimmed = password.strip()
    if len(trimmed) < MIN_PASSWORD:
        raise InvalidInput(Msg("auth.password_needs_least_characters", min_len=MIN_PASSWORD))
    if len(password) > MAX_PASSWORD or "\x00" in password:
        raise InvalidInput(Msg("auth.password_has_most_characters", max_len=MAX_PASSWORD))
    lowered = trimmed.lower()
    if username and len(lowered.replace(username.lower(), "").strip()) < MIN_PASSWORD:
        raise InvalidInput(Msg("auth.password_besides_name", min_len=MIN_PASSWORD))
    if lowered in _common_passwords():
        raise InvalidInput(Msg("auth.password_among_most_common"))


def hash_password(password: str, *, username: str | None = None) -> str:
    """The argon2id hash of ``password`` once :func:`check_password` accepts it."""
    check_password(password, username=username)
    return _hasher.hash(password)


def create_user(
    conn: sa.Connection,
    username: str,
    password: str,
    *,
    role: str,
    district_code: str | None = None,
    by: Viewer | None = None,
) -> int:
    """Add a staff account; a district officer needs a district. Returns the user id.

    ``by`` is the administrator doing it on a page; ``None`` is the operator at the shell
    (``python -m loaders create-user``), who has the database anyway.
    """
    if by is not None:
        require(by, "manage_users")
    if not _USERNAME.match(username):
        raise InvalidInput(Msg("auth.user_name_3_40"))
    if role not in STAFF_ROLES:
        raise InvalidInput(Msg("auth.role_one_of", roles=", ".join(STAFF_ROLES)))
    if (role == "district_officer") != (district_code is not None):
        raise InvalidInput(Msg("auth.only_district_officer_has"))
    exists = conn.execute(sa.select(_USERS.c.id).where(_USERS.c.username == username)).first()
    if exists:
        raise InvalidInput(Msg("auth.user_exists", username=username))
    uid = conn.execute(
        sa.insert(_USERS)
        .values(
            username=username,
            password_hash=hash_password(password, username=username),
            role=role,
            district_code=district_code,
        )
        .returning(_USERS.c.id)
    ).scalar_one()
    audit(conn, by or "shell", "create_user", target=username, detail={"role": role})
    return uid


def add_account(
    by: Viewer, username: str, password: str, *, role: str, district_code: str | None = None
) -> int:
    """An administrator adds a staff account on a page, in its own transaction."""
    with transaction() as conn:
        check_account(conn, by)
        return create_user(conn, username, password, role=role, district_code=district_code, by=by)


def record_single_sign_on(viewer: Viewer) -> None:
    """Audit a sign-in through the organisation's identity provider (``st.login``)."""
    with transaction() as conn:
        audit(conn, viewer, "login", detail={"via": "oidc"})
    _logger.info("sign-in: %s as %s (single sign-on)", viewer.username, viewer.role)


#: Longest user name a sign-in looks up (longer input is cut: no account has such a name).
MAX_USERNAME_INPUT = 100


#: Failed sign-ins in this process: key (``name:`` + user name, ``client:`` + address)
#: -> (failures, time of the last). Kept for any name typed, known or not, so the delay
#: tells nothing about which names exist; a success or an administrator clears a name.
_FAILURES: dict[str, tuple[int, dt.datetime]] = {}
_FAILURES_LOCK = threading.Lock()
#: A hash of a password nobody has, verified when the name is unknown or inactive, so
#: that every answer costs one argon2 verification.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(24))


def login_delay(failed_before: int) -> float:
    """Seconds to wait before answering after ``failed_before`` recent failures (of the
    name or the client, whichever has more): 0, then 0.25 s doubling up to
    ``MAEUL_LOGIN_MAX_DELAY_S``. A slow-down, never a lock: the right password always
    gets in."""
    if failed_before <= 0:
        return 0.0
    return min(0.25 * 2 ** min(failed_before - 1, 16), float(load_settings().login_max_delay_s))


def _recent(key: str, now: dt.datetime) -> int:
    with _FAILURES_LOCK:
        return _recent_unlocked(key, now)


def _failed(keys: list[str], now: dt.datetime) -> None:
    with _FAILURES_LOCK:
        for key in keys:
            n = _recent_unlocked(key, now)
            _FAILURES[key] = (n + 1, now)


def _recent_unlocked(key: str, now: dt.datetime) -> int:
    window = dt.timedelta(minutes=load_settings().login_window_minutes)
    n, last = _FAILURES.get(key, (0, now))
    return n if abs(now - last) <= window else 0


def forget_failures(username: str) -> None:
    """Clear the slow-down of ``username`` (a successful sign-in; an administrator)."""
    with _FAILURES_LOCK:
        _FAILURES.pop(f"name:{username.lower()}", None)


def authenticate(
    username: str,
    password: str,
    *,
    client: str | None = None,
    engine: sa.Engine | None = None,
    now: dt.datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Viewer:
    """Check a sign-in and return the user's :class:`Viewer`.

    Every answer costs the same whatever the name: one lookup, one argon2 verification
    (of a dummy hash for unknown or inactive names) and one audit row, and every refusal
    is the same :class:`LoginFailed`. Recent failures of the name and of ``client`` (the
    browser's address) slow the next answer down (:func:`login_delay`) without ever
    locking anyone out. Every attempt is written to the audit log, failures included.

    Raises
    ------
    LoginFailed
    """
    now = now or dt.datetime.now(dt.UTC)
    # Whatever was typed is looked up and audited: never a raw driver error for a NUL.
    username = str(username).replace("\x00", "\ufffd")[:MAX_USERNAME_INPUT]
    keys = [f"name:{username.lower()}"] + ([f"client:{client}"] if client else [])
    sleep(login_delay(max(_recent(k, now) for k in keys)))
    with transaction(engine) as conn:
        viewer = _check(conn, username, password, now)
    if viewer is None:
        _failed(keys, now)
        _logger.info("sign-in refused: %r (client %s)", username, client or "-")
        raise LoginFailed()
    forget_failures(username)
    _logger.info("sign-in: %s as %s", username, viewer.role)
    return viewer


def _check(conn, username, password, now) -> Viewer | None:
    row = conn.execute(
        sa.text(
            """SELECT id, password_hash, role, district_code, active, failed_logins
               FROM users WHERE username = :u FOR UPDATE"""
        ),
        {"u": username},
    ).first()
    known: bool = row is not None and bool(row.active)
    try:
        verified: bool = _hasher.verify(row.password_hash if known else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        verified = False
    if not (known and verified):
        if row is not None:
            conn.execute(
                sa.text("UPDATE users SET failed_logins = failed_logins + 1 WHERE id = :id"),
                {"id": row.id},
            )
        reason = "password" if known else "unknown or inactive"
        audit(conn, username, "login_failed", detail={"reason": reason})
        return None
    conn.execute(
        sa.text(
            """UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = :now
               WHERE id = :id"""
        ),
        {"now": now, "id": row.id},
    )
    audit(conn, username, "login")
    return Viewer(row.role, username, row.district_code)


class SessionEnded(Forbidden):
    """The account behind a sign-in was deactivated or its role changed since."""

    key = "auth.session_ended"


def _account(conn: sa.Connection, viewer: Viewer) -> sa.Row | None:
    """The ``users`` row behind a password sign-in (``None`` for the public, single sign-on
    users, whose role comes from the provider, and names that are no account)."""
    if not viewer.is_staff or not viewer.username or viewer.username.startswith("oidc:"):
        return None
    return conn.execute(
        sa.text("SELECT active, role, district_code FROM users WHERE username = :u"),
        {"u": viewer.username},
    ).first()


def check_account(conn: sa.Connection, viewer: Viewer) -> None:
    """Refuse a write by ``viewer`` when their account is no longer active or no longer has
    the role and district the sign-in gave (every write function calls this in its
    transaction).

    Raises
    ------
    SessionEnded
    """
    row = _account(conn, viewer)
    if row is None:
        return
    if not row.active or (row.role, row.district_code) != (viewer.role, viewer.district_code):
        raise SessionEnded(detail=f"{viewer.username}: active={row.active} role={row.role}")


def refresh_viewer(viewer: Viewer, *, engine: sa.Engine | None = None) -> Viewer:
    """``viewer`` as the account stands now (role and district re-read); pages call this
    at least once a minute.

    Raises
    ------
    SessionEnded
        The account was deactivated.
    """
    with connect(engine) as conn:
        row = _account(conn, viewer)
    if row is None:
        return viewer
    if not row.active:
        raise SessionEnded(detail=f"{viewer.username}: inactive")
    return Viewer(row.role, viewer.username, row.district_code)


def account_viewer(username: str, *, engine: sa.Engine | None = None) -> Viewer:
    """The :class:`Viewer` of an active account, for command-line work done as that user.

    The command line trusts the shell (whoever runs it can reach the database), but a task
    run ``--user`` a district officer is held to that officer's rights like the pages are.

    Raises
    ------
    NotFound
        No active account has that name.
    """
    with connect(engine) as conn:
        row = conn.execute(
            sa.text("SELECT role, district_code FROM users WHERE username = :u AND active"),
            {"u": username},
        ).first()
    if row is None:
        raise NotFound(Msg("auth.no_active_account", username=username))
    return Viewer(row.role, username, row.district_code)


def parse_role_map(text: str) -> list[tuple[str, Viewer]]:
    """``value=role[:district],...`` (``MAEUL_OIDC_ROLES``) as (claim value, role template)."""
    out = []
    for entry in filter(None, (e.strip() for e in text.split(","))):
        value, _, target = entry.partition("=")
        role, _, district = target.strip().partition(":")
        if (
            not value.strip()
            or role not in STAFF_ROLES
            or (role == "district_officer") != bool(district.strip())
        ):
            raise InvalidInput(Msg("auth.oidc_roles_entry", entry=entry))
        out.append((value.strip(), Viewer(role, None, district.strip() or None)))
    return out


def viewer_from_claims(claims: Mapping, *, claim: str, role_map: str) -> Viewer:
    """The :class:`Viewer` of a user signed in through the OpenID Connect provider.

    The values of ``claim`` in the ID token (a string or a list) are matched against
    ``role_map`` (:func:`parse_role_map`); the first entry that matches gives the role. The
    user name is ``oidc:`` plus the token's e-mail (or subject).

    Raises
    ------
    Forbidden
        None of the user's claim values is mapped to a role.
    """
    raw = claims.get(claim)
    values = {raw} if isinstance(raw, str) else set(raw or ())
    who = claims.get("email") or claims.get("sub")
    for value, template in parse_role_map(role_map):
        if value in values and who:
            return Viewer(template.role, f"oidc:{who}", template.district_code)
    raise Forbidden(
        Msg("auth.account_has_no_maeul"),
        detail=f"{who}: {claim}={sorted(map(str, values))}",
    )


def list_users(viewer: Viewer) -> pd.DataFrame:
    """Every account with role, district, state and last sign-in (administrators only)."""
    require(viewer, "manage_users")
    with connect() as conn:
        return pd.read_sql(
            sa.text(
                """SELECT username, role, district_code, active, failed_logins, locked_until,
                          created_at, last_login_at FROM users ORDER BY username"""
            ),
            conn,
        )


def set_account(
    viewer: Viewer, username: str, *, active: bool | None = None, unlock: bool = False
) -> None:
    """Activate, deactivate or unlock an account (administrators only), and log it."""
    require(viewer, "manage_users")
    with transaction() as conn:
        check_account(conn, viewer)
        changes: dict[str, object] = {} if active is None else {"active": active}
        if unlock:
            changes |= {"locked_until": None, "failed_logins": 0}
        n = conn.execute(
            sa.update(_USERS)
            .where(_USERS.c.username == username)
            .values(**changes or {"username": username})  # nothing to change: still counts
        ).rowcount
        if n == 0:
            raise NotFound(Msg("auth.no_such_user", username=username))
        if unlock:
            forget_failures(username)
        audit(
            conn,
            viewer,
            "update_user",
            target=username,
            detail={"active": active, "unlock": unlock},
        )
