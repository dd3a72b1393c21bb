#!/usr/bin/env bash
# End-to-end telemetry overhead (issue 12): the published gateway (artifacts/publish/switchboard) under
# bench/Switchboard.LoadTest, with its defaults (metrics on, no OTLP endpoint: no span is made) and with tracing on
# (OTEL_EXPORTER_OTLP_ENDPOINT at a loopback sink that accepts every export, so spans are made, batched, serialized
# and sent), in alternating rounds in one sitting. Prints, per round and configuration: req/s, p95, the gateway's CPU
# time per request (warm-up included) and the load average, which says how far to trust the round on a shared machine.
#   bench/telemetry-overhead.sh [rounds] [seconds]      (default 3 rounds of 20 s, after a 4 s warm-up each)
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

rounds="${1:-3}"
seconds="${2:-20}"
port="${OVERHEAD_PORT:-18093}"
sink_port="${OVERHEAD_SINK_PORT:-18094}"
key=sbk_OverheadKey1_OverheadSecretOverheadSecretOverheadSecret1
work="$bench_work"

dotnet build bench/Switchboard.LoadTest -c Release -warnaserror --nologo -v quiet >/dev/null
load=bench/Switchboard.LoadTest/bin/Release/net10.0/Switchboard.LoadTest

# An OTLP/HTTP sink: 200 to every POST, body read and dropped.
python3 - "$sink_port" <<'PY' &
import http.server, sys
class Sink(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *args): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sink).serve_forever()
PY
bench_pids+=($!)

run_round() {
  local name="$1"; shift
  local data="$work/$name-$round" gateway before after output
  mkdir -p "$data"
  bench_start "$data/gateway.log" env SWITCHBOARD__Identity__BootstrapAdminKey="$key" "$@" "$bench_exe" serve \
    --urls "http://127.0.0.1:$port" --Storage:DataDirectory="$data" --Management:Urls= --Gateway:Sessions=Stateless \
    --Logging:LogLevel:Default=Warning "${bench_unlimited_rates[@]}"
  gateway=$bench_pid
  bench_wait_ready "$port" "$gateway" "$data/gateway.log"
  before="$(bench_cpu_seconds "$gateway")"
  "$load" --url "http://127.0.0.1:$port/mcp" --key "$key" --concurrency 32 --seconds 4 >/dev/null
  output="$("$load" --url "http://127.0.0.1:$port/mcp" --key "$key" --concurrency 32 --seconds "$seconds")"
  after="$(bench_cpu_seconds "$gateway")"
  bench_stop "$gateway"
  local requests rps p95
  requests="$(sed -n 's/^requests *\([0-9]*\) ok.*/\1/p' <<<"$output")"
  rps="$(sed -n 's/^throughput *\([0-9]*\) req\/s/\1/p' <<<"$output")"
  p95="$(sed -n 's/.*p95=\([0-9.]*\).*/\1/p;T;q' <<<"$output")" # the first: the whole run's, not a tool's
  printf '| %s | %s | %s | %s ms | %s ms | %s | %s |\n' "$round" "$name" "$rps" "$p95" \
    "$(awk -v b="$before" -v a="$after" -v n="$requests" 'BEGIN {printf "%.2f", (n > 0 ? (a - b) * 1000 / n : 0)}')" \
    "$(sed -n 's/^requests *[0-9]* ok, \([0-9]*\) failed/\1/p' <<<"$output")" "$(cut -d' ' -f1-3 /proc/loadavg)"
}

echo "| round | telemetry | req/s | p95 | CPU/req | failed | load average (1, 5, 15 min) |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for round in $(seq 1 "$rounds"); do
  run_round metrics
  run_round metrics+traces OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$sink_port" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf
done
