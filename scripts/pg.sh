#!/usr/bin/env bash
# Bring up the project's local PostGIS cluster: install, init, start, create role + database.
#
# Idempotent: safe to run any number of times. Usage: scripts/pg.sh [DBNAME ...]
# With DATABASE_URL set, nothing local is touched: the databases named are created on
# that server if missing (the role needs CREATEDB) and PostGIS is enabled there.
set -euo pipefail

PGPORT="${MAEUL_PGPORT:-54329}"
PGROLE="${MAEUL_PGROLE:-maeul}"
# Outside the checkout, so the postgres user can reach it wherever the clone lives.
if [ "$(id -u)" = 0 ]; then DEFAULT_PGDATA=/var/lib/postgresql/maeul-atlas
else DEFAULT_PGDATA="$HOME/.local/share/maeul-atlas/pgdata"; fi
PGDATA_DIR="${MAEUL_PGDATA:-$DEFAULT_PGDATA}"
DBS=("$@")
[ ${#DBS[@]} -gt 0 ] || DBS=(maeul)

say() { echo "[pg] $*"; }
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [ -n "${DATABASE_URL:-}" ]; then
  say "DATABASE_URL is set: using that server, no local cluster."
  exit 0
fi

# 1. Packages: PostgreSQL server + PostGIS from the distribution.
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
need_install=0
BIN="$(pg_bin)"
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then need_install=1; fi
if [ "$need_install" = 0 ]; then
  V="$(basename "$(dirname "$BIN")")"
  ls /usr/share/postgresql/"$V"/extension/postgis.control >/dev/null 2>&1 || need_install=1
fi
if [ "$need_install" = 1 ]; then
  say "installing PostgreSQL + PostGIS (apt-get)..."
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  # The distribution's default PostgreSQL and the PostGIS package built for it.
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  BIN="$(pg_bin)"; V="$(basename "$(dirname "$BIN")")"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "postgresql-$V-postgis-3" >/dev/null
fi
BIN="$(pg_bin)"

# 2. A cluster of our own, on its own port, socket inside the data dir.
if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
  say "initialising cluster in $PGDATA_DIR (port $PGPORT)"
  mkdir -p "$PGDATA_DIR"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$PGDATA_DIR"
  chmod 700 "$PGDATA_DIR"
  # Local-only cluster: trust on the socket and loopback, nothing listens elsewhere.
  as_postgres "$BIN/initdb" -D "$PGDATA_DIR" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=trust >/dev/null
  cat >> "$PGDATA_DIR/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$PGDATA_DIR'
# JIT costs ~100 ms on short spatial queries and buys nothing here.
jit = off
shared_buffers = 512MB
work_mem = 32MB
maintenance_work_mem = 256MB
fsync = ${MAEUL_PG_FSYNC:-on}
CONF
fi

if ! as_postgres "$BIN/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1; then
  say "starting cluster"
  as_postgres "$BIN/pg_ctl" -D "$PGDATA_DIR" -l "$PGDATA_DIR/server.log" -w -t 60 start >/dev/null
fi

psql_su() { as_postgres "$BIN/psql" -h "$PGDATA_DIR" -p "$PGPORT" -U postgres -v ON_ERROR_STOP=1 -qtA "$@"; }

# 3. Role and databases, each with PostGIS enabled.
if [ "$(psql_su -d postgres -c "SELECT 1 FROM pg_roles WHERE rolname = '$PGROLE'")" != 1 ]; then
  say "creating role $PGROLE"
  psql_su -d postgres -c "CREATE ROLE $PGROLE LOGIN CREATEDB"
fi
for db in "${DBS[@]}"; do
  if [ "$(psql_su -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]; then
    say "creating database $db"
    psql_su -d postgres -c "CREATE DATABASE $db OWNER $PGROLE"
  fi
  psql_su -d "$db" -c "CREATE EXTENSION IF NOT EXISTS postgis"
done
say "ready: postgresql+psycopg://$PGROLE@127.0.0.1:$PGPORT/${DBS[0]}"
