#!/usr/bin/env bash
# A new user's first steps, checked end to end on a fresh clone of this repository's HEAD:
#   1. the README's run command as written (`dotnet run --project src/Switchboard -c Release`), which must print the
#      administrator key on its first start and say where it keeps its state;
#   2. the README's install command (scripts/install-tool.sh, here into a private --tool-path) and key command
#      (`switchboard keys create --name my-agent --role agent`), which must use the gateway's database;
#   3. a tools/call of utilities__uuid_v4 over HTTP with that key, which must return a UUID.
# The per-user data folder (XDG_DATA_HOME) and the tool folder are private to the run, so no state of this machine
# or its user is read or changed. The gateway listens on FRESH_CLONE_PORT (default 18090) through `urls`, a setting
# the README documents, so the run command itself is left as written.
set -euo pipefail
repository="$(cd "$(dirname "$0")/.." && pwd)"
port="${FRESH_CLONE_PORT:-18090}"
url="http://127.0.0.1:${port}"

work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -TERM -- "-$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "fresh-clone check failed: $*" >&2; [ -f "$work/gateway.log" ] && sed 's/^/  gateway: /' "$work/gateway.log" >&2; exit 1; }

echo "==> Cloning $repository (HEAD) into a fresh directory"
git clone --quiet --no-hardlinks "$repository" "$work/switchboard"
cd "$work/switchboard"
export XDG_DATA_HOME="$work/user-data"
export SWITCHBOARD__urls="$url"
database="$XDG_DATA_HOME/switchboard/switchboard.db"

echo "==> README run command: dotnet run --project src/Switchboard -c Release"
# Its own process group, so that stopping it also stops the app `dotnet run` starts.
setsid dotnet run --project src/Switchboard -c Release >"$work/gateway.log" 2>&1 &
pid=$!
deadline=$((SECONDS + 900)) # `dotnet run` builds first: a fresh clone's first build takes minutes
while [ $SECONDS -lt $deadline ]; do
  if curl -fsS "$url/healthz/ready" >/dev/null 2>&1; then break; fi
  kill -0 "$pid" 2>/dev/null || fail "the gateway exited before it was ready"
  sleep 0.5
done
curl -fsS "$url/healthz/ready" >/dev/null || fail "$url/healthz/ready did not answer"
grep -Eq '^ +sbk_[A-Za-z0-9]{12}_[A-Za-z0-9]{43}$' "$work/gateway.log" || fail "the first start printed no administrator key"
grep -Fq "Switchboard's state is in the SQLite file $database." "$work/gateway.log" || fail "the gateway did not say it keeps its state in $database"

echo "==> README install command: scripts/install-tool.sh (into a private --tool-path)"
scripts/install-tool.sh --tool-path "$work/tools" >"$work/install.log" 2>&1 || { cat "$work/install.log" >&2; fail "scripts/install-tool.sh failed"; }
export PATH="$work/tools:$PATH"

echo "==> README key command: switchboard keys create --name my-agent --role agent"
key="$(cd "$work" && switchboard keys create --name my-agent --role agent 2>"$work/keys.err")" || { cat "$work/keys.err" >&2; fail "keys create failed"; }
grep -Fq "using the SQLite file $database" "$work/keys.err" || { cat "$work/keys.err" >&2; fail "keys create did not use the gateway's database $database"; }
[[ "$key" =~ ^sbk_[A-Za-z0-9]{12}_[A-Za-z0-9]{43}$ ]] || fail "keys create printed no key: '$key'"

echo "==> tools/call utilities__uuid_v4 with that key"
mcp() { # POST one JSON-RPC message to /mcp; extra curl arguments first
  curl -sS -X POST "$url/mcp" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    -H 'Accept: application/json, text/event-stream' "$@"
}
initialize='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"fresh-clone-check","version":"1"}}}'
mcp -D "$work/headers" -o "$work/initialize" -d "$initialize" || fail "initialize failed"
session="$(tr -d '\r' <"$work/headers" | awk -F': ' 'tolower($1) == "mcp-session-id" { print $2 }')"
[ -n "$session" ] || fail "initialize answered without a session: $(cat "$work/headers" "$work/initialize")"
headers=(-H "Mcp-Session-Id: $session" -H 'MCP-Protocol-Version: 2025-11-25')
mcp "${headers[@]}" -o /dev/null -d '{"jsonrpc":"2.0","method":"notifications/initialized"}' || fail "notifications/initialized failed"
answer="$(mcp "${headers[@]}" -d '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"utilities__uuid_v4","arguments":{}}}')" || fail "tools/call failed"
echo "$answer" | grep -Eq '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}' || fail "tools/call returned no UUID: $answer"
echo "$answer" | grep -q '"isError":true' && fail "tools/call returned an error: $answer"

echo "fresh-clone check passed: run command, tool install, 'switchboard keys create' and a tool call with its key all work as the README says"
