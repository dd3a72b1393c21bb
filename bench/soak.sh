#!/usr/bin/env bash
# Memory soak (issue 17): starts the published gateway (artifacts/publish/switchboard, made by scripts/test.sh or
# `dotnet publish src/Switchboard -c Release -o artifacts/publish/switchboard`) on SQLite in a throwaway folder, runs
# bench/Switchboard.Soak against it (steady load, a hostile burst every minute, a quiet minute at the end, resident
# memory sampled every 5 s), prints the summary and leaves the samples in the CSV named by $SOAK_CSV.
#   bench/soak.sh [minutes]          (default 10)
# Extra gateway settings go in SOAK_GATEWAY_ARGS, runtime settings in the environment (DOTNET_GCHeapHardLimit=…).
set -euo pipefail
cd "$(dirname "$0")/.."

minutes="${1:-10}"
port="${SOAK_PORT:-18092}"
csv="${SOAK_CSV:-$PWD/artifacts/soak.csv}"
key=sbk_SoakTestKey1_SoakTestSecretSoakTestSecretSoakTestSecret1
data="$(mktemp -d)"
mkdir -p "$(dirname "$csv")"

dotnet build bench/Switchboard.Soak -c Release -warnaserror --nologo -v quiet

# Rate limits and the sessions one key may hold raised so the load measures the path rather than the limiter's
# refusals (the hostile bursts abandon sessions, all with the one key).
# shellcheck disable=SC2086 # SOAK_GATEWAY_ARGS is a list of flags
SWITCHBOARD__Identity__BootstrapAdminKey="$key" artifacts/publish/switchboard/switchboard serve \
  --urls "http://127.0.0.1:$port" --Storage:DataDirectory="$data" --Logging:LogLevel:Default=Warning \
  --RateLimits:Default:PerPrincipal:Permits=100000000 --RateLimits:Default:PerPrincipal:Burst=100000000 \
  --RateLimits:Default:PerPrincipalTool:Permits=100000000 --RateLimits:Default:PerPrincipalTool:Burst=100000000 \
  --Gateway:MaxSessionsPerPrincipal=100000000 \
  ${SOAK_GATEWAY_ARGS:-} >"$data/gateway.log" 2>&1 &
gateway=$!
trap 'kill "$gateway" 2>/dev/null || true; wait "$gateway" 2>/dev/null || true; rm -rf "$data"' EXIT

for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:$port/healthz/ready" >/dev/null 2>&1 && break
  sleep 0.5
done

bench/Switchboard.Soak/bin/Release/net10.0/Switchboard.Soak \
  --url "http://127.0.0.1:$port" --pid "$gateway" --key "$key" --minutes "$minutes" --csv "$csv"
