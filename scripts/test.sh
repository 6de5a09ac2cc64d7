#!/usr/bin/env bash
# Runs the whole test suite against a throwaway PostgreSQL cluster that it starts and removes.
# Extra arguments go to `dotnet test` (e.g. --filter "FullyQualifiedName~Orders").
set -uo pipefail
cd "$(dirname "$0")/.."

# The browser test (seed 002's office snippet) runs Debian's Chromium.
if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Debian's chromium for the browser test..."
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null || {
    echo "could not install chromium" >&2; exit 1; }
fi

work=$(mktemp -d /tmp/felixhub-test-XXXXXX)
chmod 755 "$work"
cleanup() { bash scripts/pg.sh stop "$work/pg"; rm -rf "$work"; }
trap cleanup EXIT

FELIXHUB_TEST_PG=$(bash scripts/pg.sh start "$work/pg") || { echo "could not start PostgreSQL" >&2; exit 1; }
export FELIXHUB_TEST_PG
echo "Test PostgreSQL: ${FELIXHUB_TEST_PG%%;Username*}"

dotnet build FelixHub.sln -c Release -nologo -v q || exit 1
dotnet test FelixHub.sln -c Release --no-build -nologo \
  --logger "trx;LogFileName=results.trx" --logger "console;verbosity=normal" \
  --results-directory "$work/results" "$@"
rc=$?

trx=$(find "$work/results" -name '*.trx' 2>/dev/null | head -n 1)
if [ -n "$trx" ]; then
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  total=$(get total); passed=$(get passed); failed=$(get failed)
  skipped=$(( ${total:-0} - ${passed:-0} - ${failed:-0} ))
  echo "tests: ${passed:-0} passed, ${failed:-0} failed, ${skipped} skipped"
fi
exit $rc
