#!/usr/bin/env bash
# Runs every Switchboard test suite from a fresh clone: installs the Node toolchain the interop tests drive
# (Node 22 and the official MCP packages, from npm, into tests/interop), builds, and runs `dotnet test`.
# Needs: the .NET 10 SDK, and Node.js with npm (any version: Node 22 itself comes from npm).
set -euo pipefail
cd "$(dirname "$0")/.."

configuration="${CONFIGURATION:-Release}"

echo "==> Installing interop test tools (tests/interop)"
(cd tests/interop && npm ci --no-audit --no-fund --loglevel=error)

echo "==> Building ($configuration)"
dotnet build Switchboard.slnx -c "$configuration" -warnaserror

echo "==> Testing"
dotnet test --solution Switchboard.slnx -c "$configuration" --no-build "$@"
