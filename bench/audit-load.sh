#!/usr/bin/env bash
# Durable audit at scale (issue 18): the gateway on SQLite and on PostgreSQL, closed loop at 64 and 256 connections,
# with the audit group commit's batch sizes from its own switchboard_audit_batch_size histogram. Several builds and
# both databases alternate, round after round, so a noisy machine hits every configuration alike.
#
#   bench/audit-load.sh --postgres CONNECTION_STRING [--postgres-pid PID] [--rounds N] [--seconds S] [--warmup S]
#                      [--storage sqlite|postgres] [EXE...]
#
# --postgres-pid: the postmaster of a PostgreSQL on this machine (the first line of its postmaster.pid); the report
# then adds the server's own CPU per call (its processes', backends included), which shares the cores too.
# --storage: only that database (default both).
# EXE: published `switchboard` executables to compare (default artifacts/publish/switchboard/switchboard). The
# PostgreSQL database is emptied of Switchboard's tables before each gateway start (DROP SCHEMA public CASCADE), so
# name a database of its own. Needs artifacts/publish/bench-load (bench/load.sh --publish-only makes it) and psql.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

postgres=""
postgres_pid=""
storages=(sqlite postgres)
rounds=2
seconds=10
warmup=8
exes=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --postgres) postgres="$2"; shift 2 ;;
    --postgres-pid) postgres_pid="$2"; shift 2 ;;
    --storage) storages=("$2"); shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    -*) echo "unknown argument: $1 (see the comment at the top of $0)" >&2; exit 2 ;;
    *) exes+=("$1"); shift ;;
  esac
done
[[ -n $postgres ]] || { echo "--postgres is required" >&2; exit 2; }
[[ ${#exes[@]} -gt 0 ]] || exes=("$bench_exe")
load=artifacts/publish/bench-load/Switchboard.LoadTest
[[ -x $load ]] || { echo "$load is missing: run bench/load.sh --publish-only" >&2; exit 1; }

key=sbk_LoadHarness1_LoadHarnessSecretLoadHarnessSecretLoadHarne
gateway_port="${LOAD_GATEWAY_PORT:-18196}"
management_port="${LOAD_MANAGEMENT_PORT:-18197}"
# psql takes the same settings from its environment.
pg_setting() { tr ';' '\n' <<<"$postgres" | awk -F= -v k="$1" 'tolower($1) == tolower(k) {print $2}'; }
PGHOST="$(pg_setting Host)"; PGPORT="$(pg_setting Port)"; PGUSER="$(pg_setting Username)"; PGPASSWORD="$(pg_setting Password)"; PGDATABASE="$(pg_setting Database)"
export PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE

# The batch-size histogram's sum, count and cumulative buckets (le=1 2 4 8 16 32 64 128 256 +Inf), then the seconds
# all group commits took (switchboard_audit_append_duration_seconds_sum).
batches() {
  curl -fsS "http://127.0.0.1:$management_port/metrics" 2>/dev/null | awk '
    /^switchboard_audit_batch_size_sum/ {sum = $NF} /^switchboard_audit_batch_size_count/ {count = $NF}
    /^switchboard_audit_batch_size_bucket/ {b[n++] = $NF} /^switchboard_audit_append_duration_seconds_sum/ {seconds = $NF}
    END {printf "%d %d", sum, count; for (i = 0; i < 10; i++) printf " %d", b[i]; printf " %f\n", seconds}'
}

# CPU seconds the PostgreSQL server has used: the postmaster, its live children and those it has reaped; 0 without
# --postgres-pid.
postgres_cpu_seconds() {
  [[ -n $postgres_pid ]] || { echo 0; return; }
  local pid total
  total="$(awk '{print $14 + $15 + $16 + $17}' "/proc/$postgres_pid/stat")"
  for pid in $(pgrep -P "$postgres_pid"); do
    total="$total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)"
  done
  awk -v hz="$(getconf CLK_TCK)" "BEGIN {print ($total) / hz}"
}

run() { # run EXE STORAGE: one gateway, closed 64 then closed 256, one report line each
  local exe="$1" storage="$2" flags=() pid connections line before after pg_before pg_after
  if [[ $storage == postgres ]]; then
    psql -q -c "SET client_min_messages = warning; DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null
    flags=(--Storage:Provider=PostgreSql "--Storage:ConnectionString=$postgres")
  fi
  rm -rf "$bench_work/data"
  bench_start "$bench_work/gateway.log" env SWITCHBOARD__Identity__BootstrapAdminKey="$key" "$exe" serve \
    --urls "http://127.0.0.1:$gateway_port" --Storage:DataDirectory="$bench_work/data" --Management:Urls="http://127.0.0.1:$management_port" \
    --Logging:LogLevel:Default=Warning --Gateway:Sessions=Stateless "${bench_unlimited_rates[@]}" "${flags[@]}"
  pid=$bench_pid
  bench_wait_ready "$gateway_port" "$pid" "$bench_work/gateway.log"
  for connections in 64 256; do
    before="$(batches)"
    pg_before="$(postgres_cpu_seconds)"
    # The first run on a fresh process warms up twice as long: tiered compilation settles over tens of seconds.
    line="$($load --url "http://127.0.0.1:$gateway_port/mcp" --key "$key" --pid "$pid" --era 2026-07-28 --tools utilities__uuid_v4 \
      --concurrency "$connections" --seconds "$seconds" --warmup $((connections == 64 ? warmup * 2 : warmup)) | sed -n 's/^RESULT //p' || true)"
    after="$(batches)"
    pg_after="$(postgres_cpu_seconds)"
    awk -v exe="$exe" -v storage="$storage" -v c="$connections" -v line="$line" -v b="$before" -v a="$after" \
      -v pg="$(awk -v x="$pg_before" -v y="$pg_after" -v s="$storage" 'BEGIN {print (s == "postgres" && y > x) ? y - x : 0}')" 'BEGIN {
      n = split(line, pairs, " "); for (i = 1; i <= n; i++) { split(pairs[i], kv, "="); r[kv[1]] = kv[2] }
      split(b, x, " "); split(a, y, " "); events = y[1] - x[1]; commits = y[2] - x[2]
      split("1 2 4 8 16 32 64 128 256 +Inf", le, " "); dist = ""; previous = 0
      for (i = 3; i <= 12; i++) { k = (y[i] - x[i]) - previous; previous = y[i] - x[i]; if (k > 0 && commits > 0) dist = dist (dist == "" ? "" : ",") "<=" le[i - 2] ":" sprintf("%.0f%%", 100 * k / commits) }
      # The server CPU spans warm-up and measurement alike, as do the audit events (one per call).
      printf "| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", exe, storage, c, r["rps"], r["p99"], r["errors"], r["cpu_us_per_call"],
        (pg > 0 && events > 0 ? sprintf("%.0f", 1e6 * pg / events) : "-"),
        (commits > 0 ? sprintf("%.1f", events / commits) : "-"), (commits > 0 ? sprintf("%.0f", 1000 * commits / events) : "-"),
        (commits > 0 ? sprintf("%.1f", 1000 * (y[13] - x[13]) / commits) : "-"), dist }'
  done
  bench_stop "$pid"
}

echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); ${warmup} s warm-up (twice that for the first run), ${seconds} s measured"
echo "| build | storage | connections | req/s | p99 ms | errors | gateway CPU/call µs | PostgreSQL CPU/call µs | events/commit | commits/1,000 calls | ms/commit | commits by size |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for _ in $(seq 1 "$rounds"); do
  for exe in "${exes[@]}"; do
    for storage in "${storages[@]}"; do
      run "$exe" "$storage"
    done
  done
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
