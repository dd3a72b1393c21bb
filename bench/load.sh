#!/usr/bin/env bash
# Gateway load report (issue 18): publishes (if needed) and starts the floor server (bench/Switchboard.Floor) and the
# gateway, drives them with bench/Switchboard.LoadTest, and prints one markdown report (also written to --out):
#   - the floor and the gateway (SQLite, sessionless 2026-07-28 tools/call of utilities__uuid_v4) closed-loop at 64 and
#     256 connections, and the gateway's share of the floor from the same run;
#   - stateless 2025-11-25, and a 1:1 mix of the built-in tool and a remote upstream's (the floor federated as
#     `floor`), whose per-tool percentiles give the remote hop's added latency;
#   - an open-loop rate sweep over --hold connections: the highest constant rate with p95 < 100 ms and 0 errors;
#   - the gateway on one core against its --gateway-cpus figure, back to back;
#   - sizing: gateway CPU per 1,000 calls/s, memory per 1,000 idle connections and per 1,000 sessions;
#   - the same closed-loop runs on PostgreSQL when --postgres names a server.
#
#   bench/load.sh [--out FILE] [--postgres CONNECTION_STRING] [--gateway-cpus LIST] [--load-cpus LIST]
#                 [--hold CONNECTIONS] [--seconds S] [--warmup S] [--settle-max S] [--quick] [--publish | --publish-only]
#
# On 8+ cores the gateway and the floor are pinned (taskset) to cores 0-1 and the generator to the rest; on fewer,
# everything shares the machine. It publishes into artifacts/publish/ only what is missing there (--publish: all of it
# again; --publish-only: that, then stop). Offline, publish where NuGet is reachable, at the same commit, and carry
# artifacts/publish/ along (see bench/README.md).
set -euo pipefail
command_line="bench/load.sh $*"
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

out="artifacts/load-report.md"
postgres=""
gateway_cpus=""
load_cpus=""
hold=1000
seconds=10
warmup=8
settle_min=90
settle_max=180
sweep_steps=6
publish_only=false
publish_always=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --postgres) postgres="$2"; shift 2 ;;
    --gateway-cpus) gateway_cpus="$2"; shift 2 ;;
    --load-cpus) load_cpus="$2"; shift 2 ;;
    --hold) hold="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --settle-max) settle_max="$2"; shift 2 ;;
    --quick) seconds=5; warmup=3; settle_min=10; settle_max=15; sweep_steps=3; shift ;;
    --publish-only) publish_only=true; publish_always=true; shift ;;
    --publish) publish_always=true; shift ;;
    *) echo "unknown argument: $1 (see the comment at the top of $0)" >&2; exit 2 ;;
  esac
done

publish=artifacts/publish
if $publish_always || [[ ! -x $bench_exe || ! -x $publish/bench-floor/Switchboard.Floor || ! -x $publish/bench-load/Switchboard.LoadTest ]]; then
  dotnet publish src/Switchboard -c Release -o $publish/switchboard --nologo -v quiet
  dotnet publish bench/Switchboard.Floor -c Release -o $publish/bench-floor --nologo -v quiet
  dotnet publish bench/Switchboard.LoadTest -c Release -o $publish/bench-load --nologo -v quiet
fi
$publish_only && exit 0

cores="$(nproc)"
if [[ -z $gateway_cpus && $cores -ge 8 ]]; then
  gateway_cpus="0-1"
  load_cpus="2-$((cores - 1))"
fi
one_cpu="${gateway_cpus%%[-,]*}"
one_cpu="${one_cpu:-0}"

# Thousands of connections need as many descriptors on each side (the limit is per process: one socket per
# connection in the generator, one in the server, and some to spare).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [[ $(ulimit -n) != unlimited && $(ulimit -n) -lt $((hold + 1024)) ]]; then
  echo "ulimit -n is $(ulimit -n): too few for --hold $hold; lowering --hold to $(( $(ulimit -n) - 1024 ))" >&2
  hold=$(( $(ulimit -n) - 1024 ))
fi

key=sbk_LoadHarness1_LoadHarnessSecretLoadHarnessSecretLoadHarne
floor_port="${LOAD_FLOOR_PORT:-18195}"
gateway_port="${LOAD_GATEWAY_PORT:-18196}"
management_port="${LOAD_MANAGEMENT_PORT:-18197}"
for port in "$floor_port" "$gateway_port" "$management_port"; do
  if (: <"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is taken: stop what listens there or set LOAD_FLOOR_PORT / LOAD_GATEWAY_PORT" >&2
    exit 1
  fi
done
work="$bench_work"
mkdir -p "$(dirname "$out")"
quota_group=""
bench_cleanup_extra() { [[ -z $quota_group ]] || rmdir "$quota_group" 2>/dev/null; }

# A cgroup with a CPU quota of one CPU, as a container limited with --cpus 1 gets, where this user may make one: v2
# (cpu.max), or v1's cpu controller (cfs_quota_us over cfs_period_us) where that is what the machine mounts. .NET reads
# either, so the gateway sees one processor in both.
# (a real cgroup directory comes with its control files; elsewhere /sys/fs/cgroup may be a plain folder)
quota_kind=""
for candidate in "/sys/fs/cgroup/switchboard-load-$$ cpu.max" "/sys/fs/cgroup/cpu/switchboard-load-$$ cpu.cfs_quota_us"; do
  read -r quota_group quota_file <<<"$candidate"
  if { mkdir "$quota_group" && [[ -f $quota_group/cgroup.procs && -f $quota_group/$quota_file ]]; } 2>/dev/null; then
    if [[ $quota_file == cpu.max ]]; then quota_limit="100000 100000"; else quota_limit=$(<"$quota_group/cpu.cfs_period_us"); fi
    if echo "$quota_limit" >"$quota_group/$quota_file" 2>/dev/null; then quota_kind="cgroup $quota_file"; break; fi
  fi
  rmdir "$quota_group" 2>/dev/null || true
  quota_group=""
done

pinned() { # pinned CPUS command...: becomes the command, on those CPUs (anywhere when empty; 'quota': in the one-CPU cgroup); call it in a subshell
  local cpus="$1"; shift
  if [[ $cpus == quota ]]; then echo "$BASHPID" >"$quota_group/cgroup.procs"; exec "$@"; fi
  if [[ -n $cpus ]]; then exec taskset -c "$cpus" "$@"; else exec "$@"; fi
}

floor_pid=""
floor_refuses_anonymous() { [[ $(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$floor_port/") == 401 ]]; }
start_floor() {
  bench_start "$work/floor.log" pinned "$gateway_cpus" $publish/bench-floor/Switchboard.Floor --urls "http://127.0.0.1:$floor_port" --key "$key"
  floor_pid=$bench_pid
  bench_wait_until "$floor_pid" "$work/floor.log" floor_refuses_anonymous
}

gateway_pid=""
gateway_env=() # runtime settings for the next start_gateway (VAR=value ...)
start_gateway() { # start_gateway NAME CPUS [extra gateway flags...]
  local name="$1" cpus="$2"; shift 2
  stop_gateway
  mkdir -p "$work/$name"
  bench_start "$work/$name/gateway.log" pinned "$cpus" env SWITCHBOARD__Identity__BootstrapAdminKey="$key" "${gateway_env[@]}" "$bench_exe" serve \
    --urls "http://127.0.0.1:$gateway_port" --Storage:DataDirectory="$work/$name" --Management:Urls="http://127.0.0.1:$management_port" \
    --Logging:LogLevel:Default=Warning "${bench_unlimited_rates[@]}" \
    --Servers:floor:Url="http://127.0.0.1:$floor_port/mcp" "--Servers:floor:Headers:Authorization=Bearer $key" \
    --Servers:floor:Pinning=Off --Servers:floor:Concurrency:MaxCalls=4096 --Servers:floor:Concurrency:MaxQueued=100000 \
    "$@"
  gateway_pid=$bench_pid
  bench_wait_ready "$gateway_port" "$gateway_pid" "$work/$name/gateway.log"
}

stop_gateway() {
  if [[ -n $gateway_pid ]]; then
    bench_stop "$gateway_pid"
    gateway_pid=""
  fi
}

# The gateway's audit group-commit histogram (switchboard_audit_batch_size): sum, count, then the cumulative buckets
# le=1 2 4 8 16 32 64 128 256 +Inf. Zeros when the gateway is not running.
batches() {
  curl -fsS "http://127.0.0.1:$management_port/metrics" 2>/dev/null | awk '
    /^switchboard_audit_batch_size_sum/ {sum = $NF} /^switchboard_audit_batch_size_count/ {count = $NF}
    /^switchboard_audit_batch_size_bucket/ {b[n++] = $NF}
    END {printf "%d %d", sum, count; for (i = 0; i < 10; i++) printf " %d", b[i]; print ""}'
}

declare -A r
# measure PORT PID ARGS...: one Switchboard.LoadTest run; its RESULT line lands in the array r, with the audit
# batches committed meanwhile (gateway runs): mean size, commits per 1,000 calls, and the distribution.
measure() {
  local port="$1" pid="$2"; shift 2
  local line before after
  before="$(batches)"
  line="$(pinned "$load_cpus" $publish/bench-load/Switchboard.LoadTest --url "http://127.0.0.1:$port/mcp" --key "$key" \
    --pid "$pid" "$@" | tee -a "$work/load.log" | sed -n 's/^RESULT //p' || true)"
  after="$(batches)"
  r=()
  local pair
  for pair in $line; do r["${pair%%=*}"]="${pair#*=}"; done
  if [[ $port == "$gateway_port" ]]; then
    read -r 'r[batch_mean]' 'r[commits_per_1000]' 'r[batch_dist]' < <(awk -v b="$before" -v a="$after" 'BEGIN {
      split(b, x, " "); split(a, y, " "); events = y[1] - x[1]; commits = y[2] - x[2]
      if (commits <= 0) { print "- - -"; exit }
      split("1 2 4 8 16 32 64 128 256 +Inf", le, " "); dist = ""; previous = 0
      for (i = 3; i <= 12; i++) { n = (y[i] - x[i]) - previous; previous = y[i] - x[i]; if (n > 0) dist = dist (dist == "" ? "" : ",") "<=" le[i - 2] ":" sprintf("%.0f%%", 100 * n / commits) }
      printf "%.1f %.0f %s\n", events / commits, 1000 * commits / events, dist }')
  fi
  [[ -n ${r[ok]:-} || -n ${r[rss_after_mib]:-} ]]
}

# settle PORT PID ARGS...: on a fresh gateway, closed-loop windows of 5 s (64 connections) for at least 90 s and then
# until one is no faster than the one before (within 3%), at most --settle-max seconds; the time it took lands in
# $settled. Tiered compilation settles in 20-30 s on two cores and 60-90 s on one, where throughput stays flat for the
# first 30-40 s before it climbs (bench/README.md), so "not rising" alone would stop too early; a run measured before
# that measures the JIT, not the gateway.
settled=0
settle() {
  local port="$1" pid="$2"; shift 2
  local previous=0 current
  settled=0
  while ((settled < settle_max)); do
    current="$(pinned "$load_cpus" $publish/bench-load/Switchboard.LoadTest --url "http://127.0.0.1:$port/mcp" --key "$key" \
      "$@" --concurrency 64 --seconds 5 | sed -n 's/^RESULT .* rps=\([0-9]*\).*/\1/p' || true)"
    settled=$((settled + 5))
    ((settled >= settle_min)) && awk -v now="${current:-0}" -v before="$previous" 'BEGIN {exit !(before > 0 && now <= before * 1.03)}' && break
    previous="${current:-0}"
  done
}

report() { echo "$*" | tee -a "$out"; }
row() { # row CONFIGURATION LOAD
  report "| $1 | $2 | ${r[rps]:-?} | ${r[p50]:-?} | ${r[p95]:-?} | ${r[p99]:-?} | ${r[p999]:-?} | ${r[errors]:-?} | ${r[cores]:-?} | ${r[cpu_us_per_call]:-?} | ${r[peak_rss_mib]:-?} | ${r[batch_mean]:--} |"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.0f%%", 100 * a / b; else printf "n/a" }'; }

: >"$out"
report "# Switchboard load report"
report ""
report "$(date -u '+%Y-%m-%d %H:%M UTC'), $(git rev-parse --short HEAD 2>/dev/null || echo unknown commit), $cores cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)."
report "Gateway and floor on CPUs: ${gateway_cpus:-all (shared with the generator)}; generator on: ${load_cpus:-all}. Load average at start: $(cut -d' ' -f1-3 /proc/loadavg)."
report "Each run: ${warmup} s warm-up, then ${seconds} s measured; each fresh gateway first runs until its throughput stops rising ('settled after', at most ${settle_max} s). Latency in ms; 'cores' is the server's CPU time over the run; 'CPU/call' its CPU µs per call; RSS is the peak in MiB; 'audit batch' the mean events per audit group commit."
report "Command: \`$command_line\`"
report ""
report "| configuration | load | req/s | p50 | p95 | p99 | p99.9 | errors | cores | CPU/call µs | RSS | audit batch |"
report "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"

start_floor
measure "$floor_port" "$floor_pid" --concurrency 64 --seconds "$seconds" --warmup "$warmup" || true
row "floor (minimal Kestrel JSON-RPC)" "closed 64"; floor64="${r[rps]:-?}"
measure "$floor_port" "$floor_pid" --concurrency 256 --seconds "$seconds" --warmup "$warmup" || true
row "floor (minimal Kestrel JSON-RPC)" "closed 256"; floor256="${r[rps]:-?}"

sessionless=(--era 2026-07-28 --tools utilities__uuid_v4)
start_gateway sqlite "$gateway_cpus" --Gateway:Sessions=Stateless
settle "$gateway_port" "$gateway_pid" "${sessionless[@]}"
measure "$gateway_port" "$gateway_pid" "${sessionless[@]}" --concurrency 64 --seconds "$seconds" --warmup "$warmup" || true
row "gateway, SQLite, sessionless 2026-07-28" "closed 64, settled after $settled s"; gateway64="${r[rps]:-?}"; cpu_per_call="${r[cpu_us_per_call]:-?}"
measure "$gateway_port" "$gateway_pid" "${sessionless[@]}" --concurrency 256 --seconds "$seconds" --warmup "$warmup" || true
row "gateway, SQLite, sessionless 2026-07-28" "closed 256"; gateway256="${r[rps]:-?}"
sqlite_batches="${r[batch_mean]:-?} events per commit, ${r[commits_per_1000]:-?} commits per 1,000 calls, commits by size ${r[batch_dist]:-?}"
measure "$gateway_port" "$gateway_pid" --era 2025-11-25 --tools utilities__uuid_v4 --concurrency 64 --seconds "$seconds" --warmup "$warmup" || true
row "gateway, SQLite, stateless 2025-11-25" "closed 64"
measure "$gateway_port" "$gateway_pid" --era 2026-07-28 --tools utilities__uuid_v4=1,floor__uuid=1 --concurrency 64 --seconds "$seconds" --warmup "$warmup" || true
row "gateway, SQLite, 1:1 built-in : remote upstream" "closed 64"
hop_p50="$(awk -v a="${r[floor__uuid.p50]:-0}" -v b="${r[utilities__uuid_v4.p50]:-0}" 'BEGIN {printf "%.2f", a - b}')"
hop_p99="$(awk -v a="${r[floor__uuid.p99]:-0}" -v b="${r[utilities__uuid_v4.p99]:-0}" 'BEGIN {printf "%.2f", a - b}')"
hop_line="built-in p50/p99 ${r[utilities__uuid_v4.p50]:-?}/${r[utilities__uuid_v4.p99]:-?} ms, remote ${r[floor__uuid.p50]:-?}/${r[floor__uuid.p99]:-?} ms: the hop adds $hop_p50 ms at p50 and $hop_p99 ms at p99"

# Open loop: a constant rate over $hold connections, from half the closed-loop figure up by a quarter each step
# (down by halves instead while the first rates fail), until p95 reaches 100 ms or a call fails; then halving the gap
# between the highest rate that held and the lowest that broke, until they are within a tenth of each other.
best=0; failed=0; broke="not reached in $sweep_steps steps"
rate="${gateway64//[^0-9]/}"; rate=$(( ${rate:-200} / 2 )); rate=$(( rate < 100 ? 100 : rate ))
for _ in $(seq 1 "$sweep_steps"); do
  measure "$gateway_port" "$gateway_pid" "${sessionless[@]}" --rate "$rate" --connections "$hold" --seconds "$seconds" --warmup 3 || true
  row "gateway, SQLite, sessionless 2026-07-28" "open $rate/s, $hold conns"
  if [[ ${r[errors]:-1} == 0 ]] && awk -v p="${r[p95]:-1e9}" 'BEGIN {exit !(p < 100)}'; then
    best=$rate
  else
    failed=$rate; broke="$rate/s (p95 ${r[p95]:-?} ms, ${r[errors]:-?} errors)"
  fi
  if (( failed == 0 )); then rate=$(( rate * 5 / 4 ))
  elif (( best == 0 )); then (( rate >= 200 )) || break; rate=$(( rate / 2 ))
  elif (( (failed - best) * 10 > failed )); then rate=$(( (best + failed) / 2 ))
  else break
  fi
done

measure "$gateway_port" "$gateway_pid" "${sessionless[@]}" --idle 1000 || true
idle_per_1000="${r[mib_per_1000]:-?}"

# One core against the figure above, each on a fresh gateway, settled: as shipped, with workstation GC, then under a
# one-CPU quota (a cgroup's cpu.max or cfs_quota_us) instead of a cpuset where possible. (The thread pool's spinning is turned off by the
# executable itself on one CPU: CpuLimitTuning.)
one_core_lines=()
for variant in "" DOTNET_gcServer=0; do
  gateway_env=(${variant:+"$variant"})
  start_gateway one-core "$one_cpu" --Gateway:Sessions=Stateless
  settle "$gateway_port" "$gateway_pid" "${sessionless[@]}"
  measure "$gateway_port" "$gateway_pid" "${sessionless[@]}" --concurrency 64 --seconds "$seconds" --warmup "$warmup" || true
  row "gateway, SQLite, sessionless, one core (taskset -c $one_cpu)${variant:+, $variant}" "closed 64, settled after $settled s"
  one_core_lines+=("one core${variant:+ with $variant}: $(ratio "${r[rps]:-0}" "$gateway64") (${r[rps]:-?} req/s)")
done
gateway_env=()
if [[ -n $quota_group ]]; then
  start_gateway quota quota --Gateway:Sessions=Stateless
  settle "$gateway_port" "$gateway_pid" "${sessionless[@]}"
  measure "$gateway_port" "$gateway_pid" "${sessionless[@]}" --concurrency 64 --seconds "$seconds" --warmup "$warmup" || true
  row "gateway, SQLite, sessionless, one-CPU quota ($quota_kind)" "closed 64, settled after $settled s"
  one_core_lines+=("one-CPU quota: $(ratio "${r[rps]:-0}" "$gateway64") (${r[rps]:-?} req/s)")
else
  one_core_lines+=("one-CPU quota: not measured (cannot create a cgroup here)")
fi

# Sessions need the default hybrid mode.
start_gateway sessions "$gateway_cpus"
measure "$gateway_port" "$gateway_pid" --sessions 1000 || true
session_per_1000="${r[mib_per_1000]:-?}"

if [[ -n $postgres ]]; then
  start_gateway postgres "$gateway_cpus" --Gateway:Sessions=Stateless --Storage:Provider=PostgreSql "--Storage:ConnectionString=$postgres"
  settle "$gateway_port" "$gateway_pid" "${sessionless[@]}"
  measure "$gateway_port" "$gateway_pid" "${sessionless[@]}" --concurrency 64 --seconds "$seconds" --warmup "$warmup" || true
  row "gateway, PostgreSQL, sessionless 2026-07-28" "closed 64, settled after $settled s"; pg64="${r[rps]:-?}"
  measure "$gateway_port" "$gateway_pid" "${sessionless[@]}" --concurrency 256 --seconds "$seconds" --warmup "$warmup" || true
  row "gateway, PostgreSQL, sessionless 2026-07-28" "closed 256"; pg256="${r[rps]:-?}"
  pg_batches="closed 256: ${r[batch_mean]:-?} events per commit, ${r[commits_per_1000]:-?} commits per 1,000 calls, commits by size ${r[batch_dist]:-?}"
fi
stop_gateway

report ""
report "- Gateway / floor: $(ratio "$gateway64" "$floor64") at 64 connections, $(ratio "$gateway256" "$floor256") at 256."
report "- Open loop over $hold connections: highest rate with p95 < 100 ms and 0 errors: ${best}/s; broke at: $broke."
report "- Remote upstream (1:1 mix, closed 64): $hop_line."
report "- Against ${gateway_cpus:-all $cores} cores ($gateway64 req/s, closed 64): $(IFS=';'; lines="${one_core_lines[*]}"; echo "${lines//;/; }")."
report "- SQLite audit group commit, closed 256: $sqlite_batches."
[[ -n $postgres ]] && report "- PostgreSQL / SQLite: $(ratio "$pg64" "$gateway64") at 64 connections, $(ratio "$pg256" "$gateway256") at 256; audit batches $pg_batches."
report "- Sizing: $(awk -v c="$cpu_per_call" 'BEGIN {printf "%.2f", c / 1000}') cores per 1,000 calls/s (closed 64, SQLite); $idle_per_1000 MiB per 1,000 idle connections; $session_per_1000 MiB per 1,000 idle 2025-11-25 sessions."
report ""
cp "$work/load.log" "${out%.md}.log"
report "Every run's generator output: ${out%.md}.log."
