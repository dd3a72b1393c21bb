#!/usr/bin/env bash
# Runs every Switchboard test suite from a fresh clone:
#   - installs and starts throwaway PostgreSQL 15 and Redis 7 on private loopback ports (scripts/services.sh),
#     and stops them again on exit;
#   - installs the Node toolchain the interop tests drive (Node 22 and the official MCP packages, from npm);
#   - builds; publishes the executable (artifacts/publish/switchboard, what the container image ships), which the
#     end-to-end suites (CLI, conformance, TypeScript interop, filesystem differential) start, and packs the .NET
#     tool (artifacts/packages); then runs `dotnet test` over the whole solution.
# Needs: the .NET 10 SDK, Node.js with npm (any version: Node 22 itself comes from npm), and root or the Debian
# packages postgresql and redis-server already installed.
set -euo pipefail
cd "$(dirname "$0")/.."

configuration="${CONFIGURATION:-Release}"

echo "==> Starting PostgreSQL and Redis for the tests"
scripts/services.sh start
trap 'scripts/services.sh stop' EXIT
eval "$(scripts/services.sh env)"

echo "==> Installing interop test tools (tests/interop, tests/interop-filesystem)"
for dir in tests/interop tests/interop-filesystem; do
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
done

echo "==> Building ($configuration)"
dotnet build Switchboard.slnx -c "$configuration" -warnaserror

echo "==> Publishing the executable the end-to-end tests run, and packing the .NET tool (Release)"
no_build=()
[ "$configuration" = Release ] && no_build=(--no-build)
rm -rf artifacts/publish/switchboard # nothing left over from an older publish
dotnet publish src/Switchboard -c Release -o artifacts/publish/switchboard "${no_build[@]}"
dotnet pack src/Switchboard -c Release "${no_build[@]}"

echo "==> Testing"
# The output is kept as well, so that the failed tests, which scroll by amid thousands of log lines, can be listed
# again at the end (and by .ci/run after everything else): their names and first lines of each message.
mkdir -p artifacts
test_log=artifacts/test-output.log
rm -f artifacts/test-failures.txt
test_status=0
# A suite in which no test starts or ends for 10 minutes is stuck: the hang dump extension writes the names of the
# tests still running (and a small dump) to artifacts/TestResults and ends it, so the run fails and says where. The
# whole command has 50 minutes (it takes about 15): past them it is stopped, and the run fails with what it printed.
results=artifacts/TestResults
rm -rf "$results"
timeout --kill-after=1m 50m dotnet test --solution Switchboard.slnx -c "$configuration" --no-build --results-directory "$results" \
  --hangdump --hangdump-timeout 10m --hangdump-type Mini "$@" 2>&1 | tee "$test_log" || test_status=$?
if [ "$test_status" -ne 0 ]; then
  # Each failure with its whole message (a diff of two gateways' metrics runs to dozens of lines) and where it
  # failed: up to the first two lines of its stack trace, at most 60 lines.
  awk '/^[[:space:]]*failed [A-Za-z_]/ { left = 60; trace = -1 }
       left > 0 { print; left--; if (trace >= 0 && --trace == 0) left = 0; if (/Stack Trace:/) trace = 2 }' "$test_log" >artifacts/test-failures.txt || true
  for hang in "$results"/*_hang.log; do
    [ -e "$hang" ] || continue
    printf 'still running when %s stopped making progress (how long each had run):\n' "$(basename "$hang" .log)"
    cat "$hang"
  done >>artifacts/test-failures.txt
  echo "==> Failed tests (also in artifacts/test-failures.txt)"
  cat artifacts/test-failures.txt
fi
exit "$test_status"
