#!/usr/bin/env bash
# Bring up the project's local PostGIS cluster: install, init, start, create role + database.
#
# Idempotent: safe to run any number of times. Usage: scripts/pg.sh [DBNAME ...]
# With DATABASE_URL set, nothing local is touched: that server is used as it is.
#
# Read replica (docs/deploy.md):
#   scripts/pg.sh --replica PORT [DBNAME ...]   the above, then a streaming standby of the
#       cluster (pg_basebackup -R) in "$MAEUL_PGDATA-replica-PORT" on 127.0.0.1:PORT,
#       started; the app role's password file gets the replica's port too. Point
#       DATABASE_READ_URL at it: postgresql+psycopg://maeul@127.0.0.1:PORT/maeul
#   scripts/pg.sh --drop-replica PORT   stop that standby and delete its folder.
#
# Authentication (no `trust` anywhere): the superuser `postgres` connects only over the
# cluster's socket (inside the 0700 data directory) by peer, as the OS user that owns the
# cluster; TCP on loopback takes scram-sha-256 passwords and refuses `postgres` outright.
# The app role (not a superuser; CREATEDB so the tests can make their own databases) gets
# a generated password, kept in a libpq password file only its owner can read
# (MAEUL_PGPASSFILE, default ~/.config/maeul-atlas/pgpass), which the app and the tests
# read; DATABASE_URL carries no password and none is printed. A cluster made earlier with
# trust is migrated on the next run: pg_hba.conf rewritten, password set, reload.
set -euo pipefail

PGPORT="${MAEUL_PGPORT:-54329}"
PGROLE="${MAEUL_PGROLE:-maeul}"
# Outside the checkout, so the postgres user can reach it wherever the clone lives.
if [ "$(id -u)" = 0 ]; then DEFAULT_PGDATA=/var/lib/postgresql/maeul-atlas
else DEFAULT_PGDATA="$HOME/.local/share/maeul-atlas/pgdata"; fi
PGDATA_DIR="${MAEUL_PGDATA:-$DEFAULT_PGDATA}"
PASSFILE="${MAEUL_PGPASSFILE:-${XDG_CONFIG_HOME:-$HOME/.config}/maeul-atlas/pgpass}"
REPLICA_PORT=""
DROP_REPLICA=""
case "${1:-}" in
  --replica) REPLICA_PORT="${2:?usage: pg.sh --replica PORT [DBNAME ...]}"; shift 2 ;;
  --drop-replica) DROP_REPLICA="${2:?usage: pg.sh --drop-replica PORT}"; shift 2 ;;
esac
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

if [ -n "$DROP_REPLICA" ]; then
  RDIR="$PGDATA_DIR-replica-$DROP_REPLICA"
  BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [ -f "$RDIR/postmaster.pid" ]; then
    as_postgres "$BIN/pg_ctl" -D "$RDIR" -m fast -w stop >/dev/null || true
  fi
  rm -rf "$RDIR"
  say "replica on port $DROP_REPLICA removed"
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
  # Local-only cluster: pg_hba.conf is replaced below (step 3) before anyone connects.
  as_postgres "$BIN/initdb" -D "$PGDATA_DIR" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth-local=peer --auth-host=scram-sha-256 >/dev/null
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

# 3. Authentication: written every run, so a cluster made with trust is migrated.
OWNER="$(stat -c %U "$PGDATA_DIR")"
HBA="# Written by scripts/pg.sh (rewritten on every run): peer or password only.
# type  database  user      address       method
local   all       postgres                peer map=maeul_owner
local   replication postgres              peer map=maeul_owner
local   all       all                     scram-sha-256
host    all       postgres  127.0.0.1/32  reject
host    all       postgres  ::1/128       reject
host    all       all       127.0.0.1/32  scram-sha-256
host    all       all       ::1/128       scram-sha-256"
IDENT="# Written by scripts/pg.sh: the cluster's OS owner is its superuser on the socket.
maeul_owner  $OWNER  postgres"
hba_changed=0
if [ "$(cat "$PGDATA_DIR/pg_hba.conf")" != "$HBA" ] || [ "$(cat "$PGDATA_DIR/pg_ident.conf")" != "$IDENT" ]; then
  say "writing pg_hba.conf (scram-sha-256 on loopback, peer for postgres on the socket)"
  printf '%s\n' "$HBA" | as_postgres tee "$PGDATA_DIR/pg_hba.conf" >/dev/null
  printf '%s\n' "$IDENT" | as_postgres tee "$PGDATA_DIR/pg_ident.conf" >/dev/null
  hba_changed=1
fi

if ! as_postgres "$BIN/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1; then
  say "starting cluster"
  as_postgres "$BIN/pg_ctl" -D "$PGDATA_DIR" -l "$PGDATA_DIR/server.log" -w -t 60 start >/dev/null
elif [ "$hba_changed" = 1 ]; then
  as_postgres "$BIN/pg_ctl" -D "$PGDATA_DIR" reload >/dev/null
  sleep 1
fi

psql_su() { as_postgres env PGOPTIONS="-c client_min_messages=warning" "$BIN/psql" -h "$PGDATA_DIR" -p "$PGPORT" -U postgres -v ON_ERROR_STOP=1 -qtA "$@"; }

# 4. The app role: never a superuser; its password from (or into) the password file.
if [ "$(psql_su -d postgres -c "SELECT 1 FROM pg_roles WHERE rolname = '$PGROLE'")" != 1 ]; then
  say "creating role $PGROLE"
  psql_su -d postgres -c "CREATE ROLE $PGROLE LOGIN"
fi
psql_su -d postgres -c "ALTER ROLE $PGROLE LOGIN NOSUPERUSER NOCREATEROLE NOREPLICATION NOBYPASSRLS CREATEDB"
PASSKEY="127.0.0.1:$PGPORT:*:$PGROLE:"
password=""
if [ -f "$PASSFILE" ]; then
  password="$(grep -F "$PASSKEY" "$PASSFILE" | head -n 1 | cut -d: -f5- || true)"
fi
if [ -z "$password" ]; then
  say "new password for $PGROLE in $PASSFILE"
  password="$(LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 32 || true)"
fi
( umask 077
  mkdir -p "$(dirname "$PASSFILE")"
  others=""; [ -f "$PASSFILE" ] && others="$(grep -vF "$PASSKEY" "$PASSFILE" || true)"
  { [ -n "$others" ] && printf '%s\n' "$others"; printf '%s%s\n' "$PASSKEY" "$password"; } \
    > "$PASSFILE.tmp"
  mv "$PASSFILE.tmp" "$PASSFILE"
  chmod 600 "$PASSFILE" )
# Through stdin, so the password never appears in a process list; stored as a SCRAM hash.
printf "SET password_encryption = 'scram-sha-256'; ALTER ROLE %s PASSWORD '%s';\n" \
  "$PGROLE" "$password" | psql_su -d postgres
unset password

# 5. Databases, each with PostGIS enabled; template1 too, so that databases the app role
# creates itself (the tests' own) have PostGIS without a superuser.
psql_su -d template1 -c "CREATE EXTENSION IF NOT EXISTS postgis"
for db in "${DBS[@]}"; do
  if [ "$(psql_su -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]; then
    say "creating database $db"
    psql_su -d postgres -c "CREATE DATABASE $db OWNER $PGROLE"
  fi
  psql_su -d "$db" -c "CREATE EXTENSION IF NOT EXISTS postgis"
done
say "ready: postgresql+psycopg://$PGROLE@127.0.0.1:$PGPORT/${DBS[0]} (password in $PASSFILE)"

# 6. Optionally, a streaming read replica of the whole cluster (hot standby, read-only).
if [ -n "$REPLICA_PORT" ]; then
  RDIR="$PGDATA_DIR-replica-$REPLICA_PORT"
  if [ ! -f "$RDIR/PG_VERSION" ]; then
    say "copying the cluster into $RDIR (pg_basebackup, streaming)"
    rm -rf "$RDIR"
    mkdir -p "$RDIR"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$RDIR"
    chmod 700 "$RDIR"
    # -R writes standby.signal and primary_conninfo: it follows the primary over the socket.
    as_postgres "$BIN/pg_basebackup" -h "$PGDATA_DIR" -p "$PGPORT" -U postgres -D "$RDIR" \
      -R -X stream -c fast
    as_postgres rm -f "$RDIR/server.log"
    # Later lines win: its own port and socket folder; reads only, answering while it replays.
    printf "port = %s\nunix_socket_directories = '%s'\nhot_standby = on\n" \
      "$REPLICA_PORT" "$RDIR" | as_postgres tee -a "$RDIR/postgresql.conf" >/dev/null
  fi
  if ! as_postgres "$BIN/pg_ctl" -D "$RDIR" status >/dev/null 2>&1; then
    say "starting replica on port $REPLICA_PORT"
    as_postgres "$BIN/pg_ctl" -D "$RDIR" -l "$RDIR/server.log" -w -t 120 start >/dev/null
  fi
  # The same role and password (replicated); libpq looks the password up by port.
  RKEY="127.0.0.1:$REPLICA_PORT:*:$PGROLE:"
  ( umask 077
    pw="$(grep -F "$PASSKEY" "$PASSFILE" | head -n 1 | cut -d: -f5-)"
    { grep -vF "$RKEY" "$PASSFILE" || true; printf '%s%s\n' "$RKEY" "$pw"; } > "$PASSFILE.tmp"
    mv "$PASSFILE.tmp" "$PASSFILE"
    chmod 600 "$PASSFILE" )
  say "replica ready: postgresql+psycopg://$PGROLE@127.0.0.1:$REPLICA_PORT/${DBS[0]} (read-only)"
fi
