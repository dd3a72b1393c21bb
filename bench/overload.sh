#!/usr/bin/env bash
# Past capacity: a gateway warmed by a closed loop, then offered each RATE (calls/s) open loop over 10,000 connections.
#
#   bench/overload.sh LABEL "RATES" [VAR=VALUE...]   e.g. bench/overload.sh admission-off "12000" SWITCHBOARD__Gateway__Admission__MaxRequests=0
#
# The VAR=VALUE pairs are the gateway's environment. Prints one line per rate (served, percentiles, CPU per call,
# memory, SDK servers built, calls in flight at 15 s) and appends it to $OUT/overload.log (OUT: bench/results/overload).
# WARM sets the warm-up seconds (60). Runs what bench/load.sh published (bench/load.sh --publish-only publishes it).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
ulimit -n "$(ulimit -Hn)"
label="$1"; rates="$2"; shift 2
out="${OUT:-bench/results/overload}"; mkdir -p "$out"
port=18495; mport=18496; key=sbk_LoadTestKey1_LoadTestSecretLoadTestSecretLoadTestSecret1
bench_start "$out/gateway-$label.log" env "$@" SWITCHBOARD__Identity__BootstrapAdminKey="$key" "$bench_exe" serve \
  --urls "http://127.0.0.1:$port" --Storage:DataDirectory="$bench_work" --Management:Urls="http://127.0.0.1:$mport" \
  --Logging:LogLevel:Default=Warning "${bench_unlimited_rates[@]}"
server=$bench_pid
bench_wait_ready "$port" "$server" "$out/gateway-$label.log"
url="http://127.0.0.1:$port/mcp"
generator=artifacts/publish/bench-load/Switchboard.LoadTest
metric() { curl -s "http://127.0.0.1:$mport/metrics" | awk -v name="$1" 'index($0, name) == 1 { s += $NF } END { print s + 0 }'; }
"$generator" --url "$url" --key "$key" --pid "$server" --era 2026-07-28 --concurrency 64 --seconds "${WARM:-60}" --warmup 1 \
  --tool utilities__uuid_v4 >"$out/warm-$label.log" 2>&1
for rate in $rates; do
  before=$(metric switchboard_mcp_pooled_servers_created)
  "$generator" --url "$url" --key "$key" --pid "$server" --era 2026-07-28 --rate "$rate" --connections 10000 --seconds 20 \
    --warmup 5 --tool utilities__uuid_v4 >"$out/load-$label-$rate.log" 2>&1 &
  load=$!
  sleep 15
  in_flight=$(metric switchboard_tool_calls_in_flight)
  waiting=$(metric switchboard_admission_waiting)
  wait "$load" || true
  echo "$label rate=$rate $(grep RESULT "$out/load-$label-$rate.log" | cut -d' ' -f2-8,12-15)" \
    "servers_created=$(( $(metric switchboard_mcp_pooled_servers_created) - before )) in_flight_at_15s=$in_flight waiting_at_15s=$waiting" \
    | tee -a "$out/overload.log"
done
bench_stop "$server"
