#!/usr/bin/env bash
# Starts Switchboard exactly as README.md says (`dotnet run --project src/Switchboard`), waits until
# /healthz/ready answers, checks /mcp refuses a caller without a key and serves one with the administrator key,
# and stops it again (by PID).
set -euo pipefail
cd "$(dirname "$0")/.."

port="${SMOKE_PORT:-18080}"
url="http://127.0.0.1:${port}"
log="$(mktemp)"
data="$(mktemp -d)"
# The first start creates the administrator; supplying its key (as an unattended install would) lets us use it.
alphabet=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789
random_chars() { local s=""; for ((i = 0; i < $1; i++)); do s+=${alphabet:RANDOM%62:1}; done; echo "$s"; }
key="sbk_$(random_chars 12)_$(random_chars 43)" # a throwaway key for this run only

# Its own process group, so that stopping it also stops the app `dotnet run` starts.
SWITCHBOARD__Identity__BootstrapAdminKey="$key" setsid dotnet run --project src/Switchboard -c Release -- serve --urls "$url" \
  --Servers:everything:Enabled=true "--Storage:ConnectionString=Data Source=$data/switchboard.db" >"$log" 2>&1 &
pid=$!
trap 'kill -TERM -- "-$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$log" "$data"' EXIT

for _ in $(seq 1 120); do
  if curl -fsS "$url/healthz/ready" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then cat "$log"; echo "switchboard exited before it was ready" >&2; exit 1; fi
  sleep 0.5
done
curl -fsS "$url/healthz/ready"; echo

body='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"smoke","version":"1"}}}'
status="$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$url/mcp" -H 'Content-Type: application/json' -d "$body")"
[ "$status" = 401 ] || { echo "expected 401 without a key, got $status" >&2; exit 1; }
answer="$(curl -fsS -X POST "$url/mcp" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' -d "$body")"
echo "$answer" | grep -q '"serverInfo"' || { echo "unexpected initialize answer: $answer" >&2; exit 1; }
echo "smoke test passed: $url/mcp refused a caller without a key and answered initialize with one"
