#!/usr/bin/env bash
# A CPU profile of the published gateway under load (issue 18): `switchboard serve` on SQLite with the rate limits
# lifted, a closed loop of sessionless 2026-07-28 `tools/call utilities__uuid_v4` from bench/Switchboard.LoadTest, and,
# after the warm-up, a 15 s kernel CPU-sampling trace with managed stacks (dotnet-trace collect-linux). Writes the
# generator's output, the trace and three views of it (bench/Switchboard.Stacks: by component, inclusive and exclusive
# frames) to OUTDIR and prints the components and the generator's RESULT line (req/s, p50-p99.9, cpu_us_per_call).
# Other views of the same trace: Switchboard.Stacks TRACE callers|callees TEXT. SWITCHBOARD_EXE profiles another
# build; DOTNET_TRACE names dotnet-trace.
#   bench/profile.sh OUTDIR [warm-up seconds=25] [connections=64]
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

out="$(realpath -m "$1")"; warm="${2:-25}"; connections="${3:-64}"
trace="${DOTNET_TRACE:-dotnet-trace}"
port="${PROFILE_PORT:-18490}"
key=sbk_LoadTestKey1_LoadTestSecretLoadTestSecretLoadTestSecret1
mkdir -p "$out"
[[ -x artifacts/publish/bench-load/Switchboard.LoadTest ]] ||
  dotnet publish bench/Switchboard.LoadTest -c Release -o artifacts/publish/bench-load --nologo -v quiet

bench_start "$out/gateway.log" env SWITCHBOARD__Identity__BootstrapAdminKey="$key" "$bench_exe" serve \
  --urls "http://127.0.0.1:$port" --Storage:DataDirectory="$bench_work" --Management:Urls= \
  --Logging:LogLevel:Default=Warning "${bench_unlimited_rates[@]}"
gateway=$bench_pid
bench_wait_ready "$port" "$gateway" "$out/gateway.log"

bench_start "$out/load.log" artifacts/publish/bench-load/Switchboard.LoadTest --url "http://127.0.0.1:$port/mcp" --key "$key" \
  --pid "$gateway" --era 2026-07-28 --concurrency "$connections" --seconds $((warm + 20)) --tool utilities__uuid_v4
load=$bench_pid
sleep "$warm"
"$trace" collect-linux -p "$gateway" --profile cpu-sampling --duration 00:00:00:15 -o "$out/trace.nettrace" >"$out/trace.log" 2>&1 ||
  echo "dotnet-trace failed; see $out/trace.log" >&2
wait "$load" || true
[[ -x artifacts/publish/bench-stacks/Switchboard.Stacks ]] ||
  dotnet publish bench/Switchboard.Stacks -c Release -o artifacts/publish/bench-stacks --nologo -v quiet
for view in components inclusive exclusive; do
  artifacts/publish/bench-stacks/Switchboard.Stacks "$out/trace.nettrace" "$view" 400 >"$out/$view.txt" 2>&1 || true
done
cat "$out/components.txt"
grep '^RESULT' "$out/load.log"
