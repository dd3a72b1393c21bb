# Sourced by the bench scripts (after `set -euo pipefail`): the repository root as working directory, a scratch
# folder, the processes a script starts and their cleanup on exit, waiting for a server to be ready, and the flags
# every run shares.
# shellcheck shell=bash
# shellcheck disable=SC2034 # its variables are for the scripts that source it

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

# The published gateway; SWITCHBOARD_EXE runs another build (a "before" publish) through the same script.
bench_exe="${SWITCHBOARD_EXE:-artifacts/publish/switchboard/switchboard}"
# Rate limits (and the sessions one key may hold) lifted, so the generator, not a bucket, sets the pace.
bench_unlimited_rates=(--RateLimits:Default:PerPrincipal:Permits=1000000000 --RateLimits:Default:PerPrincipal:Burst=1000000000
  --RateLimits:Default:PerPrincipalTool:Permits=1000000000 --RateLimits:Default:PerPrincipalTool:Burst=1000000000
  --Gateway:MaxSessionsPerPrincipal=1000000000)

bench_work="$(mktemp -d)"
bench_pids=()
bench_pid=""

# A script that leaves more behind than processes and $bench_work defines bench_cleanup_extra.
bench_cleanup() {
  local pid
  for pid in "${bench_pids[@]}"; do bench_stop "$pid"; done
  if declare -F bench_cleanup_extra >/dev/null; then bench_cleanup_extra || true; fi
  rm -rf "$bench_work"
}
trap bench_cleanup EXIT

# bench_start LOG COMMAND...: runs COMMAND (a program or a shell function) in the background, its output in LOG;
# its PID lands in $bench_pid and is stopped on exit.
bench_start() {
  local log="$1"; shift
  "$@" >"$log" 2>&1 &
  bench_pid=$!
  bench_pids+=("$bench_pid")
}

# bench_stop PID: stops a process bench_start started and waits for it (nothing when it has already ended).
bench_stop() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# bench_wait_until PID LOG CHECK...: polls CHECK (a command) every half second for up to a minute, giving up early
# when PID has ended; on failure prints LOG's tail and returns 1.
bench_wait_until() {
  local pid="$1" log="$2"; shift 2
  for _ in $(seq 1 120); do
    kill -0 "$pid" 2>/dev/null || break
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "not ready (${*: -1}); the last lines of $log:" >&2
  tail -20 "$log" >&2
  return 1
}

# bench_wait_ready PORT PID LOG: waits until the Switchboard process on PORT reports ready.
bench_wait_ready() {
  bench_wait_until "$2" "$3" curl -fsS "http://127.0.0.1:$1/healthz/ready"
}

# bench_cpu_seconds PID: the CPU time (user + system) the process has used so far, in seconds.
bench_cpu_seconds() {
  awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"
}
