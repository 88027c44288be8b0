"""All runtime settings of Maeul Atlas, read once from the environment.

Every setting has a documented default; see ``SETTINGS`` for the table shown in the
README. Nothing else in the code base reads ``os.environ`` directly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

#: name -> (default, description). The single place settings are documented.
SETTINGS: dict[str, tuple[str, str]] = {
    "DATABASE_URL": (
        "postgresql+psycopg://maeul@127.0.0.1:54329/maeul",
        "SQLAlchemy URL of the PostGIS database (the local cluster from scripts/pg.sh). "
        "Without a password in it, libpq takes one from MAEUL_PGPASSFILE.",
    ),
    "DATABASE_READ_URL": (
        "",
        "SQLAlchemy URL of a read replica (a streaming standby of DATABASE_URL). Pages' "
        "read-only queries for the public go there; writes, imports, sign-ins and every read "
        "of signed-in staff (who must see their own writes) go to DATABASE_URL. Empty: all "
        "to DATABASE_URL.",
    ),
    "MAEUL_PGPASSFILE": (
        "~/.config/maeul-atlas/pgpass",
        "libpq password file (mode 0600) that scripts/pg.sh writes the app role's generated "
        "password to and every connection reads ($XDG_CONFIG_HOME/maeul-atlas/pgpass when "
        "XDG_CONFIG_HOME is set).",
    ),
    "MAEUL_ERROR_LOG": (
        "~/.local/state/maeul-atlas/errors.log",
        "Where unexpected errors are logged with their traceback (0600); users see only an "
        "incident number ($XDG_STATE_HOME/maeul-atlas/errors.log when XDG_STATE_HOME is set).",
    ),
    "MAEUL_LOG_LEVEL": (
        "WARNING",
        "Level of the operator's log on stderr (DEBUG, INFO, WARNING, ERROR): INFO adds "
        "imports, exports, sign-ins and slow statements; errors shown to users are logged "
        "with their detail at WARNING.",
    ),
    "MAEUL_SLOW_QUERY_MS": (
        "1000",
        "Statements slower than this are logged at INFO with their SQL (never their "
        "parameters); 0 turns it off.",
    ),
    "MAEUL_STATEMENT_TIMEOUT_S": (
        "120",
        "Longest a single SQL statement of the app may run, in seconds (also the longest a "
        "transaction may sit idle); bulk work (imports, exports, setup) gets "
        "MAEUL_BULK_TIMEOUT_S.",
    ),
    "MAEUL_BULK_TIMEOUT_S": (
        "3600",
        "Longest a statement of an import, export, migration or setup may run, in seconds.",
    ),
    "MAEUL_DEMO_SEED": ("20120701", "Seed of the deterministic demo data generator."),
    "MAEUL_MAX_MAP_MARKERS": (
        "5000",
        "Most individual markers one map sends to the browser; beyond, an even sample.",
    ),
    "MAEUL_MAX_UPLOAD_MB": (
        "200",
        "Largest file any upload (import, population table, conflict report) accepts, in MB "
        "(at most .streamlit/config.toml's server.maxUploadSize).",
    ),
    "MAEUL_MAX_UNZIPPED_MB": (
        "2000",
        "Largest total a .zip may expand to when imported, in MB; beyond, it is refused "
        "before anything is unpacked (zip bombs).",
    ),
    "MAEUL_IMPORT_MEMORY_MB": (
        "2048",
        "Most memory one import from the page or the command line may take, in MB: the file "
        "is read and checked in a child process the kernel holds to it (memory bombs).",
    ),
    "MAEUL_SESSION_MINUTES": ("60", "A staff sign-in expires after this many minutes."),
    "MAEUL_SESSION_RECHECK_S": (
        "60",
        "Pages re-read a signed-in account (active, role, district) at least this often, in "
        "seconds; every write checks it anyway.",
    ),
    "MAEUL_LOGIN_WINDOW_MINUTES": (
        "15",
        "Failed sign-ins of a name or a client count for this long (each slows the next "
        "answer; no account is ever locked).",
    ),
    "MAEUL_LOGIN_MAX_DELAY_S": ("8", "Longest a sign-in answer is slowed down, in seconds."),
    "MAEUL_OIDC_ROLE_CLAIM": (
        "",
        "Single sign-on, when an OpenID Connect provider is configured in "
        ".streamlit/secrets.toml ([auth]): the ID-token claim naming the user's groups or "
        "roles (e.g. groups). Empty: staff sign in with a password only.",
    ),
    "MAEUL_OIDC_ROLES": (
        "",
        "Claim value -> role, comma-separated, first match wins: "
        "maeul-admin=admin,maeul-planning=planner,mapo-gu=district_officer:11440 "
        "(a district officer's district as its code). Users matching none are refused.",
    ),
    "MAEUL_APP_PROCESSES": (
        "",
        "Streamlit processes `make serve` starts behind nginx. Empty: one per CPU core.",
    ),
    "MAEUL_SERVE_STATE": (
        "~/.local/state/maeul-atlas/serve",
        "Folder of `make serve`'s nginx config, logs and pid files "
        "($XDG_STATE_HOME/maeul-atlas/serve when XDG_STATE_HOME is set).",
    ),
    "MAEUL_OGCAPI_WORKERS": (
        "",
        "gunicorn worker processes of the OGC API (`make ogcapi`). Empty: one per CPU core.",
    ),
    "MAEUL_VENDOR_URL": (
        "/app/static/vendor",
        "URL path where the browser fetches the vendored Leaflet and plugin files (served by "
        "the app from ./static/vendor, or by a reverse proxy).",
    ),
}


@dataclass(frozen=True)
class Settings:
    """Resolved settings (environment over defaults)."""

    database_url: str
    database_read_url: str
    pgpassfile: str
    error_log: str
    log_level: str
    slow_query_ms: int
    statement_timeout_s: int
    bulk_timeout_s: int
    demo_seed: int
    max_map_markers: int
    max_upload_mb: int
    max_unzipped_mb: int
    import_memory_mb: int
    vendor_url: str
    session_minutes: int
    session_recheck_s: int
    login_window_minutes: int
    login_max_delay_s: int
    oidc_role_claim: str
    oidc_roles: str
    app_processes: int
    serve_state: str
    ogcapi_workers: int


def _get(name: str) -> str:
    return os.environ.get(name) or SETTINGS[name][0]


def _user_path(setting: str, xdg: str, fallback: str, name: str) -> str:
    """The setting's path, else ``$XDG_...`` (or its usual default) / maeul-atlas / name."""
    explicit = os.environ.get(setting)
    if explicit:
        return os.path.expanduser(explicit)
    base = os.environ.get(xdg) or os.path.expanduser(fallback)
    return os.path.join(base, "maeul-atlas", name)


def environment() -> dict[str, str]:
    """The whole environment, for a child process that must see the same settings."""
    return dict(os.environ)


def handed_on(name: str) -> str:
    """A value a parent process hands its workers through the environment (gunicorn's
    OGC API workers get their own URL so): plumbing between processes, not a setting."""
    return os.environ[name]


def use_environment(env: dict[str, str]) -> None:
    """Make ``env`` this process's environment (a child started by a fork server)."""
    os.environ.clear()
    os.environ.update(env)


def _sqlalchemy_url(url: str) -> str:
    """Accept plain libpq-style URLs too, and use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _count(name: str) -> int:
    """A process count: the setting, or one per CPU core when empty."""
    value = os.environ.get(name, "").strip()
    return max(1, int(value)) if value else max(1, os.cpu_count() or 1)


def load_settings() -> Settings:
    """Read the settings from the environment, falling back to the documented defaults."""
    url = _sqlalchemy_url(_get("DATABASE_URL"))
    read_url = os.environ.get("DATABASE_READ_URL", "").strip()
    return Settings(
        database_url=url,
        database_read_url=_sqlalchemy_url(read_url) if read_url else url,
        pgpassfile=_user_path("MAEUL_PGPASSFILE", "XDG_CONFIG_HOME", "~/.config", "pgpass"),
        error_log=_user_path("MAEUL_ERROR_LOG", "XDG_STATE_HOME", "~/.local/state", "errors.log"),
        log_level=_get("MAEUL_LOG_LEVEL").upper(),
        slow_query_ms=int(_get("MAEUL_SLOW_QUERY_MS")),
        statement_timeout_s=int(_get("MAEUL_STATEMENT_TIMEOUT_S")),
        bulk_timeout_s=int(_get("MAEUL_BULK_TIMEOUT_S")),
        demo_seed=int(_get("MAEUL_DEMO_SEED")),
        max_map_markers=int(_get("MAEUL_MAX_MAP_MARKERS")),
        max_upload_mb=int(_get("MAEUL_MAX_UPLOAD_MB")),
        max_unzipped_mb=int(_get("MAEUL_MAX_UNZIPPED_MB")),
        import_memory_mb=int(_get("MAEUL_IMPORT_MEMORY_MB")),
        vendor_url=_get("MAEUL_VENDOR_URL"),
        session_minutes=int(_get("MAEUL_SESSION_MINUTES")),
        session_recheck_s=int(_get("MAEUL_SESSION_RECHECK_S")),
        login_window_minutes=int(_get("MAEUL_LOGIN_WINDOW_MINUTES")),
        login_max_delay_s=int(_get("MAEUL_LOGIN_MAX_DELAY_S")),
        oidc_role_claim=os.environ.get("MAEUL_OIDC_ROLE_CLAIM", "").strip(),
        oidc_roles=os.environ.get("MAEUL_OIDC_ROLES", "").strip(),
        app_processes=_count("MAEUL_APP_PROCESSES"),
        serve_state=_user_path("MAEUL_SERVE_STATE", "XDG_STATE_HOME", "~/.local/state", "serve"),
        ogcapi_workers=_count("MAEUL_OGCAPI_WORKERS"),
    )
