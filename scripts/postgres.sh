#!/usr/bin/env bash
# Start a throw-away PostgreSQL server for the log-store tests and print its URL.
# Installs the Debian packages when they are missing; safe to run again (an already
# running server is reused). PostgreSQL refuses to run as root, so as root the cluster
# belongs to the `postgres` user. Usage: export RILLET_TEST_POSTGRES_URL="$(bash scripts/postgres.sh)"
set -euo pipefail
PORT="${RILLET_PG_PORT:-54329}"
DATA="${RILLET_PG_DATA:-/tmp/rillet-postgres-$PORT}"
DATABASE=rillet_test
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } >&2
  else
    echo "PostgreSQL is not installed: apt-get install postgresql" >&2
    exit 1
  fi
fi
BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
if [ "$(id -u)" = 0 ]; then
  OWNER=postgres
  as_owner() { su postgres -s /bin/sh -c "$*"; }
else
  OWNER="$(id -un)"
  as_owner() { sh -c "$*"; }
fi
if [ ! -f "$DATA/PG_VERSION" ]; then
  rm -rf "$DATA"
  mkdir -p "$DATA"
  chown "$OWNER" "$DATA"
  chmod 700 "$DATA"
  as_owner "'$BIN/initdb' -D '$DATA' -U postgres -A trust --no-sync" >/dev/null
fi
if ! as_owner "'$BIN/pg_ctl' -D '$DATA' status" >/dev/null 2>&1; then
  as_owner "'$BIN/pg_ctl' -D '$DATA' -l '$DATA/server.log' -w -o \"-p $PORT -k '$DATA' -c listen_addresses=127.0.0.1 -c fsync=off\" start" >/dev/null
fi
if ! "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$DATABASE'" | grep -q 1; then
  "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DATABASE"
fi
echo "postgresql://postgres@127.0.0.1:$PORT/$DATABASE"
