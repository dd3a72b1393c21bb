#!/usr/bin/env bash
# The federation hop (issue 10): what a tools/call through the gateway to a remote upstream adds over calling that
# upstream directly, and tools/list over many upstreams. Both ends are the published executable ($SWITCHBOARD_EXE,
# by default artifacts/publish/switchboard): `switchboard mcp everything` is the calls' upstream (`call`), and a virtual
# server of 50 built-in tools on another `switchboard serve` is the listing's, registered UPSTREAMS times (u0..uN) in one
# `switchboard serve`. One client, sequential requests on a kept-alive connection per target,
# without a session, in both eras: 2025-11-25 stateless, and 2026-07-28 sessionless (the gateway's fast path) shaped as
# Switchboard.LoadTest --era 2026-07-28 sends it (revision and capabilities in _meta, Mcp-Method/Mcp-Name headers).
# Per era, every path is warmed up together (10 s), then the three calls are measured
# interleaved in blocks of 50, so a change in the machine's load touches them alike. The gateway's built-in copy of the
# same tool (the gateway's own work: auth, policy, the durable audit event) is the baseline that isolates the hop.
# Prints p50/p99/mean in ms and the load average (how far to trust it here).
#   bench/federation-hop.sh [calls] [upstreams] [eras]   (default 2000 calls, 20 upstreams, eras "2025-11-25 2026-07-28")
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

calls="${1:-2000}"
upstreams="${2:-20}"
eras="${3:-2025-11-25 2026-07-28}"
upstream_port="${HOP_UPSTREAM_PORT:-18095}"
gateway_port="${HOP_GATEWAY_PORT:-18096}"
listing_port="${HOP_LISTING_PORT:-18097}"
tools_per_upstream="${HOP_TOOLS_PER_UPSTREAM:-50}"
key=sbk_FedHopBench1_FederationHopSecretFederationHopSecretFeder
work="$bench_work"

mkdir -p "$work/upstream" "$work/gateway"
bench_start "$work/upstream.log" "$bench_exe" mcp everything --urls "http://127.0.0.1:$upstream_port" --Storage:DataDirectory="$work/upstream" \
  --Gateway:Sessions=Stateless --Identity:BootstrapAdminKey="$key" --Logging:LogLevel:Default=Warning "${bench_unlimited_rates[@]}"
bench_wait_ready "$upstream_port" "$bench_pid" "$work/upstream.log"

# The listing's upstream: no built-in server has 50 tools, so a `switchboard serve` composes the first $tools_per_upstream
# tools of its built-in servers into one virtual server, served at /servers/hop$tools_per_upstream/mcp. It is started
# once to read the built-in tools' names, then again with the composition.
listing_args=(--urls "http://127.0.0.1:$listing_port" --environment=Development --Management:Urls= --Gateway:Sessions=Stateless
  --Identity:BootstrapAdminKey="$key" --Logging:LogLevel:Default=Warning "${bench_unlimited_rates[@]}")
mkdir -p "$work/listing"
bench_start "$work/listing.log" "$bench_exe" serve --Storage:DataDirectory="$work/listing" "${listing_args[@]}"
bench_wait_ready "$listing_port" "$bench_pid" "$work/listing.log"
mapfile -t composed < <(python3 - "$listing_port" "$key" "$tools_per_upstream" <<'PY'
import http.client, json, sys
conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
conn.request("POST", "/mcp", json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}),
             {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
              "MCP-Protocol-Version": "2025-11-25", "Authorization": f"Bearer {sys.argv[2]}"})
text = conn.getresponse().read().decode()
listed = json.loads("".join(l[5:] for l in text.splitlines() if l.startswith("data:")) or text)
names = [t["name"] for t in listed["result"]["tools"]]
if len(names) < int(sys.argv[3]):
    raise SystemExit(f"the built-in servers have {len(names)} tools, fewer than {sys.argv[3]}")
for name in names[:int(sys.argv[3])]:
    print(name.replace("__", "/", 1))  # server__tool on /mcp is server/tool in a composition
PY
)
bench_stop "$bench_pid"
compose=()
for i in "${!composed[@]}"; do compose+=("--Servers:hop$tools_per_upstream:Compose:$i=${composed[$i]}"); done
mkdir -p "$work/listing2"
bench_start "$work/listing2.log" "$bench_exe" serve --Storage:DataDirectory="$work/listing2" "${listing_args[@]}" "${compose[@]}"
bench_wait_ready "$listing_port" "$bench_pid" "$work/listing2.log"

# `call` is the call measurements' upstream (mcp everything); u0..uN are the listing's, each the virtual server.
flags=("--Servers:call:Url=http://127.0.0.1:$upstream_port/mcp" "--Servers:call:Headers:Authorization=Bearer $key" "--Servers:call:Pinning=Off")
for i in $(seq 0 $((upstreams - 1))); do
  flags+=("--Servers:u$i:Url=http://127.0.0.1:$listing_port/servers/hop$tools_per_upstream/mcp"
    "--Servers:u$i:Headers:Authorization=Bearer $key" "--Servers:u$i:Pinning=Off")
done
# Development mounts the built-in everything server too: the same tool in-process, the baseline of the hop.
bench_start "$work/gateway.log" "$bench_exe" serve --urls "http://127.0.0.1:$gateway_port" --environment=Development \
  --Storage:DataDirectory="$work/gateway" --Management:Urls= --Gateway:Sessions=Stateless --Identity:BootstrapAdminKey="$key" \
  --Logging:LogLevel:Default=Warning "${bench_unlimited_rates[@]}" "${flags[@]}"
bench_wait_ready "$gateway_port" "$bench_pid" "$work/gateway.log"

python3 - "$upstream_port" "$gateway_port" "$key" "$calls" "$upstreams" "$eras" "$tools_per_upstream" <<'PY'
import http.client, json, os, statistics, sys, time
upstream_port, gateway_port, key, calls, upstreams = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
tools_per_upstream = int(sys.argv[7])
eras = sys.argv[6].split()
era = "2025-11-25"

def request(conn, method, params):
    """One request in the current era; 2026-07-28 is shaped as Switchboard.LoadTest's RequestBody and Post send it."""
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
               "MCP-Protocol-Version": era, "Authorization": f"Bearer {key}"}
    if era != "2025-11-25":
        params = {**params, "_meta": {"io.modelcontextprotocol/protocolVersion": era,
                                      "io.modelcontextprotocol/clientCapabilities": {}}}
        headers["Mcp-Method"] = method
        if "name" in params:
            headers["Mcp-Name"] = params["name"]
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
    conn.request("POST", "/mcp", body, headers)
    response = conn.getresponse()
    text = response.read().decode()
    if response.status != 200 or '"error"' in text:
        raise SystemExit(f"{method} on port {conn.port}: {response.status} {text[:300]}")
    return text

def measure(targets, n, warmup_seconds=10, block=50):
    """Calls every (port, method, params) target n times, interleaved in blocks, after warming them all up together
    (tiered compilation settles over seconds), so a shift in the machine's load touches every target alike."""
    conns = [http.client.HTTPConnection("127.0.0.1", port) for port, _, _ in targets]
    deadline = time.time() + warmup_seconds
    while time.time() < deadline:
        for conn, (_, method, params) in zip(conns, targets):
            for _ in range(block):
                request(conn, method, params)
    samples = [[] for _ in targets]
    while len(samples[0]) < n:
        for conn, (_, method, params), taken in zip(conns, targets, samples):
            for _ in range(min(block, n - len(taken))):
                start = time.perf_counter()
                request(conn, method, params)
                taken.append((time.perf_counter() - start) * 1000)
    return [sorted(s) for s in samples]

def line(name, s):
    p = lambda q: s[min(len(s) - 1, int(q * len(s)))]
    print(f"{name:<44} p50 {p(0.50):7.3f} ms  p99 {p(0.99):7.3f} ms  mean {statistics.fmean(s):7.3f} ms  (n={len(s)})")

# The gateway lists the upstreams' tools once each is connected.
conn = http.client.HTTPConnection("127.0.0.1", gateway_port)
deadline = time.time() + 120
while True:
    text = request(conn, "tools/list", {})
    # one JSON-RPC message, as JSON or as a single event
    listed = json.loads("".join(l[5:] for l in text.splitlines() if l.startswith("data:")) or text)
    names = [t["name"] for t in listed["result"]["tools"]]
    ready = ["call"] + [f"u{i}" for i in range(upstreams)]
    if all(any(n.startswith(f"{u}__") for n in names) for u in ready) or time.time() > deadline:
        break
    time.sleep(1)
per_upstream = [sum(1 for n in names if n.startswith(f"u{i}__")) for i in range(upstreams)]
print(f"tools/list lists {len(names)} tools: {upstreams} upstreams x {per_upstream[0]}, the rest the call upstream's and built-ins")
if per_upstream != [tools_per_upstream] * upstreams:
    raise SystemExit(f"expected {tools_per_upstream} tools per upstream, listed {per_upstream}")

def added(name, a, b):
    print(f"{name:<44} p50 {b[len(b)//2] - a[len(a)//2]:7.3f} ms  p99 {b[int(0.99*len(b))] - a[int(0.99*len(a))]:7.3f} ms")
p50 = lambda s: s[len(s) // 2]

call = {"name": "test_simple_text", "arguments": {}}
for era in eras:
    direct, through, in_process = measure([(upstream_port, "tools/call", call),
                                           (gateway_port, "tools/call", {"name": "call__test_simple_text", "arguments": {}}),
                                           (gateway_port, "tools/call", {"name": "everything__test_simple_text", "arguments": {}})], calls)
    [listing] = measure([(gateway_port, "tools/list", {})], max(100, calls // 10), warmup_seconds=2, block=10)
    print(f"era {era}, load average at the end: {os.getloadavg()[0]:.1f}")
    line("tools/call direct to the upstream", direct)
    line("tools/call through the gateway", through)
    line("tools/call of the gateway's built-in copy", in_process)
    added("gateway + hop over direct", direct, through)
    added("hop alone (remote over built-in)", in_process, through)
    # What only the hop adds: through the gateway, less the gateway's own work (built-in) and the upstream's (direct).
    print(f"{'hop remainder (through - built-in - direct)':<44} p50 {p50(through) - p50(in_process) - p50(direct):7.3f} ms")
    line(f"tools/list, {upstreams} upstreams x {per_upstream[0]} tools ({len(names)} tools)", listing)
PY
