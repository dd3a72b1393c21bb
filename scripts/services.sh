#!/usr/bin/env bash
# Throwaway PostgreSQL and Redis for the storage integration tests: loopback only, private ports, a temp dir.
#
#   scripts/services.sh start   install if missing (Debian: postgresql, redis-server), start both, write the env file
#   scripts/services.sh env     print the export lines (eval "$(scripts/services.sh env)")
#   scripts/services.sh stop    stop exactly the instances this script started (by PID) and delete their data
#
# Tests read SWITCHBOARD_TEST_POSTGRES / SWITCHBOARD_TEST_REDIS from the environment, else from the env file
# ($SWITCHBOARD_SERVICES_DIR/env, default /tmp/switchboard-services/env). Fault tests start their own redis-server.
set -euo pipefail

state_dir="${SWITCHBOARD_SERVICES_DIR:-/tmp/switchboard-services}"
pg_port="${SWITCHBOARD_PG_PORT:-25432}"
redis_port="${SWITCHBOARD_REDIS_PORT:-26379}"
pg_password="switchboard-test"
env_file="$state_dir/env"

log() { echo "services.sh: $*" >&2; }

pg_bin() {
  local dir
  dir="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin 2>/dev/null | sort -V | tail -n 1 || true)"
  [[ -n "$dir" && -x "$dir/initdb" ]] && echo "$dir"
}

install_if_missing() {
  if [[ -n "$(pg_bin)" ]] && command -v redis-server >/dev/null && command -v pg_dump >/dev/null; then
    return
  fi
  if [[ "$(id -u)" != 0 ]]; then
    log "PostgreSQL or Redis is missing; run as root or install 'postgresql redis-server' first"
    exit 1
  fi
  log "installing postgresql and redis-server (Debian packages)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql redis-server >/dev/null
}

alive() { [[ -f "$1" ]] && kill -0 "$(head -n 1 "$1")" 2>/dev/null; }

start_postgres() {
  local bin pid_file="$state_dir/pg/postmaster.pid"
  bin="$(pg_bin)"
  if alive "$pid_file"; then
    log "PostgreSQL already running (PID $(head -n 1 "$pid_file"))"
    return
  fi
  rm -rf "$state_dir/pg" "$state_dir/pgsock"
  mkdir -p "$state_dir/pgsock" "$state_dir/pg"
  chmod 700 "$state_dir/pg"
  printf '%s\n' "$pg_password" >"$state_dir/pgpass"
  chown -R postgres: "$state_dir/pg" "$state_dir/pgsock" "$state_dir/pgpass"
  # PostgreSQL refuses to run as root: initdb and the server run as the postgres user.
  runuser -u postgres -- "$bin/initdb" -D "$state_dir/pg" -U postgres --auth=scram-sha-256 \
    --pwfile="$state_dir/pgpass" --no-sync -E UTF8 >"$state_dir/initdb.log"
  runuser -u postgres -- "$bin/pg_ctl" -D "$state_dir/pg" -l "$state_dir/pg/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $state_dir/pgsock -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    start >/dev/null
  log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$pg_port (PID $(head -n 1 "$pid_file"))"
}

start_redis() {
  local pid_file="$state_dir/redis.pid"
  if alive "$pid_file"; then
    log "Redis already running (PID $(cat "$pid_file"))"
    return
  fi
  redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --daemonize yes \
    --pidfile "$pid_file" --logfile "$state_dir/redis.log" --dir "$state_dir"
  for _ in $(seq 1 100); do
    [[ -s "$pid_file" ]] && break
    sleep 0.1
  done
  log "Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2) on 127.0.0.1:$redis_port (PID $(cat "$pid_file"))"
}

write_env() {
  cat >"$env_file" <<ENV
export SWITCHBOARD_TEST_POSTGRES='Host=127.0.0.1;Port=$pg_port;Username=postgres;Password=$pg_password;Database=postgres'
export SWITCHBOARD_TEST_REDIS='127.0.0.1:$redis_port'
export SWITCHBOARD_TEST_REDIS_SERVER='$(command -v redis-server)'
export SWITCHBOARD_TEST_PG_BIN='$(pg_bin)'
ENV
  cat "$env_file"
}

stop_pid_file() {
  local name="$1" pid_file="$2" pid
  alive "$pid_file" || return 0
  pid="$(head -n 1 "$pid_file")"
  kill -TERM "$pid"
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || { log "stopped $name (PID $pid)"; return 0; }
    sleep 0.1
  done
  log "$name (PID $pid) did not stop in 30 s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

case "${1:-}" in
  start)
    install_if_missing
    mkdir -p "$state_dir"
    chmod 755 "$state_dir"
    start_postgres
    start_redis
    write_env
    ;;
  env)
    [[ -f "$env_file" ]] || { log "not started: run scripts/services.sh start"; exit 1; }
    cat "$env_file"
    ;;
  stop)
    stop_pid_file PostgreSQL "$state_dir/pg/postmaster.pid"
    stop_pid_file Redis "$state_dir/redis.pid"
    rm -rf "$state_dir"
    ;;
  *)
    echo "usage: $0 start|env|stop" >&2
    exit 2
    ;;
esac
