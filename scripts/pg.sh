#!/usr/bin/env bash
# A private PostgreSQL 15 from the machine's binaries, no Docker, no root-owned cluster.
#
#   scripts/pg.sh start DIR [PORT]   init (once) and start a cluster in DIR; prints its connection string
#   scripts/pg.sh stop DIR           stop it
#   scripts/pg.sh restart DIR        restart it (-m fast: every connection is cut; same port and options)
#   scripts/pg.sh url DIR            print the connection string of a running cluster
#
# PG_EXTRA_OPTS adds server options at start (the benchmark loads pg_stat_statements this way).
#
# As root, initdb refuses to run, so the cluster belongs to the `postgres` user (created by the
# Debian package). The binaries are installed with apt when missing.
set -euo pipefail

PG_VERSION=15
find_bindir() {
  for d in /usr/lib/postgresql/$PG_VERSION/bin /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

ensure_binaries() {
  if ! BIN=$(find_bindir); then
    echo "PostgreSQL binaries not found; installing postgresql-$PG_VERSION with apt..." >&2
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "postgresql-$PG_VERSION" >&2 || \
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >&2
    BIN=$(find_bindir)
  fi
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 - <<'PY' 2>/dev/null || echo $((20000 + RANDOM % 20000))
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

url_of() {
  local dir=$1 port
  port=$(cat "$dir/port")
  echo "Host=127.0.0.1;Port=$port;Database=felixhub;Username=postgres;Password=postgres;Include Error Detail=true"
}

cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|url DIR [PORT]" >&2; exit 2; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

case "$cmd" in
  start)
    ensure_binaries
    if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_owner mkdir -p "$dir/data"
      echo postgres > "$dir/.pw"; chmod 644 "$dir/.pw"
      as_owner "$BIN/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 --pwfile="$dir/.pw" >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2; exit 1; }
      rm -f "$dir/.pw"
    fi
    if as_owner "$BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      url_of "$dir"; exit 0
    fi
    port=${3:-$(free_port)}
    echo "$port" > "$dir/port"
    as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=128MB ${PG_EXTRA_OPTS:-}" >/dev/null || {
        tail -n 30 "$dir/postgres.log" >&2; exit 1; }
    until "$BIN/pg_isready" -h 127.0.0.1 -p "$port" -q; do sleep 0.2; done
    "$BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qtAc "SELECT 1 FROM pg_database WHERE datname='felixhub'" | grep -q 1 || \
      "$BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc "CREATE DATABASE felixhub" >/dev/null
    url_of "$dir"
    ;;
  stop)
    BIN=$(find_bindir) || exit 0
    [ -d "$dir/data" ] && as_owner "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  restart)
    BIN=$(find_bindir)
    as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -m fast -w -t 60 restart >/dev/null 2>&1 || { tail -n 30 "$dir/postgres.log" >&2; exit 1; }
    ;;
  url)
    url_of "$dir"
    ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
