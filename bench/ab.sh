#!/usr/bin/env bash
# An A/B of gateway configurations under the same load (issue 18): for each round and each configuration in turn, a
# fresh published gateway (SQLite, rate limits lifted) with that configuration's environment, a closed-loop warm-up of
# 64 connections, then a measured closed-loop run of sessionless 2026-07-28 `tools/call utilities__uuid_v4`. Prints
# one line per run: round, configuration, and the generator's RESULT (req/s, p50-p99.9, cpu_us_per_call, RSS).
# Alternating fresh processes is what makes two configurations comparable on a shared 2-core machine, where one
# configuration's rounds swing by ±20%. Each configuration is NAME=ENV (ENV: space-separated VAR=value, may be empty);
# SWITCHBOARD_EXE=PATH in ENV runs that build instead of artifacts/publish/switchboard (two builds' A/B):
#   bench/ab.sh [rounds=3] [warm-up seconds=60] [seconds=15] sdk=SWITCHBOARD__Gateway__DirectToolCalls=false direct=
#   bench/ab.sh 4 60 15 before=SWITCHBOARD_EXE=artifacts/publish/switchboard-old/switchboard after=
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

rounds="${1:-3}"; warm="${2:-60}"; measured="${3:-15}"; shift 3 || true
port="${AB_PORT:-18491}"
key=sbk_LoadTestKey1_LoadTestSecretLoadTestSecretLoadTestSecret1
[[ -x artifacts/publish/bench-load/Switchboard.LoadTest ]] ||
  dotnet publish bench/Switchboard.LoadTest -c Release -o artifacts/publish/bench-load --nologo -v quiet

for round in $(seq 1 "$rounds"); do
  for configuration in "$@"; do
    name="${configuration%%=*}"
    read -r -a environment <<<"${configuration#*=}"
    exe="$bench_exe"
    for assignment in "${environment[@]}"; do
      if [[ $assignment == SWITCHBOARD_EXE=* ]]; then exe="${assignment#SWITCHBOARD_EXE=}"; fi
    done
    data="$bench_work/$round-$name"
    mkdir -p "$data"
    bench_start "$data/gateway.log" env "${environment[@]}" SWITCHBOARD__Identity__BootstrapAdminKey="$key" "$exe" serve \
      --urls "http://127.0.0.1:$port" --Storage:DataDirectory="$data" --Management:Urls= \
      --Logging:LogLevel:Default=Warning "${bench_unlimited_rates[@]}"
    gateway=$bench_pid
    bench_wait_ready "$port" "$gateway" "$data/gateway.log"
    load=(artifacts/publish/bench-load/Switchboard.LoadTest --url "http://127.0.0.1:$port/mcp" --key "$key"
      --era 2026-07-28 --concurrency 64 --tool utilities__uuid_v4)
    "${load[@]}" --seconds "$warm" >/dev/null
    "${load[@]}" --pid "$gateway" --seconds "$measured" | grep '^RESULT' | sed "s/^/round $round $name /"
    bench_stop "$gateway"
  done
done
