#!/usr/bin/env bash
# Runs every test of the solution: the fast core tests and the integration tests over real HTTP, a real SQLite file
# and the real Quartz scheduler. Installs what the tests need that a bare machine with the .NET SDK lacks (none yet).
set -euo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test Rectification.sln --nologo 2>&1 | tee "$log" || status=$?

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
