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
urls=${ASPNETCORE_URLS:-${Urls:-http://localhost:5080}}
echo "FelixHub worker starting: dashboard ${urls%%;*}/hangfire, health ${urls%%;*}/health"
exec dotnet run --project FelixHub.Worker/FelixHub.Worker.csproj -c Release -- "$@"
