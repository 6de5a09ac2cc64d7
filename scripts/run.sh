#!/usr/bin/env bash
# Runs the FelixHub worker. With no connection string configured it starts a private PostgreSQL
# under .data/pg (kept between runs) and points the worker at it.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${ConnectionStrings__FelixHub:-}" ]; then
  ConnectionStrings__FelixHub=$(bash scripts/pg.sh start .data/pg)
  export ConnectionStrings__FelixHub
  echo "Using the private PostgreSQL in .data/pg (stop it with: scripts/pg.sh stop .data/pg)"
fi
# Local use: callers on this machine may use /api, /metrics, /ws and the dashboard without a key.
# Outside Development the worker only allows that when told (docs/operations.md#access-control).
export FELIXHUB_ALLOW_TRUSTED_WITHOUT_KEY=${FELIXHUB_ALLOW_TRUSTED_WITHOUT_KEY:-true}
# The master key that encrypts the stored WB keys' key ring: made once for this local setup, kept
# under .data/ (never committed) beside the private database it belongs to.
if [ -z "${FELIXHUB_MASTER_KEY:-}" ] && [ -z "${FELIXHUB_MASTER_KEY_FILE:-}" ]; then
  mkdir -p .data
  if [ ! -s .data/master.key ]; then
    (umask 077 && head -c 32 /dev/urandom | base64 > .data/master.key)
    echo "Created a local master key in .data/master.key"
  fi
  FELIXHUB_MASTER_KEY_FILE="$(pwd)/.data/master.key"
  export FELIXHUB_MASTER_KEY_FILE
fi
urls=${ASPNETCORE_URLS:-${Urls:-http://localhost:5080}}
echo "FelixHub worker starting: dashboard ${urls%%;*}/hangfire, health ${urls%%;*}/health"
exec dotnet run --project FelixHub.Worker/FelixHub.Worker.csproj -c Release -- "$@"
