#!/usr/bin/env bash
# Runs every test of the solution: the fast core tests, the integration tests over real HTTP, a real SQLite file and
# the real Quartz scheduler, and the browser tests in Debian's Chromium; then the integration and browser tests again
# on a real PostgreSQL server with Quartz clustered. Installs what the tests need that a bare machine with the .NET SDK
# lacks: Chromium and PostgreSQL (Debian's packages) and axe-core (npm) for the accessibility check.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_updated=
apt_install() {
  if [ -z "$apt_updated" ]; then
    apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Chromium for the browser tests..."
  apt_install chromium
fi
if [ ! -f tests/a11y/node_modules/axe-core/axe.min.js ]; then
  if ! command -v npm >/dev/null; then
    echo "Installing npm for axe-core..."
    apt_install nodejs npm
  fi
  echo "Installing axe-core for the accessibility check..."
  npm ci --prefix tests/a11y --no-audit --no-fund --loglevel=error
fi

postgres=$(bash tests/postgres.sh start)

log=$(mktemp)
trap 'rm -f "$log"; bash tests/postgres.sh stop' EXIT
status=0
echo "== SQLite"
# The two-node cluster test and the row-lock test need PostgreSQL: they run in the second pass only.
dotnet test Rectification.sln --nologo --filter "Category!=Cluster&Category!=Postgres" 2>&1 | tee "$log" || status=$?
echo "== PostgreSQL ($postgres)"
RECTIFICATION_TEST_POSTGRES="$postgres" dotnet test tests/Rectification.Server.Tests --nologo --no-build 2>&1 | tee -a "$log" || status=$?

# One closing line for any reader: the sum over the test assemblies.
passed=$(grep -oE "Passed: +[0-9]+" "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE "Failed: +[0-9]+" "$log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -oE "Skipped: +[0-9]+" "$log" | awk '{s+=$2} END {print s+0}')
echo
echo "Tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ]; then
  echo "No test ran." >&2
  exit 1
fi
exit "$status"
