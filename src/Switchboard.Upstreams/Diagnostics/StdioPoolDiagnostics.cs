using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Switchboard.Upstreams.Stdio;

namespace Switchboard.Upstreams.Diagnostics;

/// <summary>The stdio process pools' instruments, on the <see cref="UpstreamDiagnostics"/> meter.</summary>
internal static class StdioPoolDiagnostics
{
    private static readonly ConcurrentDictionary<StdioProcessPool, byte> Pools = new();

    private static readonly ObservableGauge<int> Processes = UpstreamDiagnostics.Meter.CreateObservableGauge(
        "switchboard.upstream.stdio.processes",
        // A server with caller credentials has a pool per set: one measurement per server.
        () => Pools.Keys.GroupBy(p => p.Server).Select(g => new Measurement<int>(g.Sum(p => p.ProcessCount), Server(g.Key))),
        unit: "{process}",
        description: "Processes of a stdio MCP server now: serving, draining and starting.");

    private static readonly Counter<long> Restarts = UpstreamDiagnostics.Meter.CreateCounter<long>(
        "switchboard.upstream.stdio.restarts",
        unit: "{restart}",
        description: "Processes of a stdio MCP server that crashed (reason crashed) or could not start (start_failed), each started again.");

    public static void Track(StdioProcessPool pool) => Pools.TryAdd(pool, 0);

    public static void Untrack(StdioProcessPool pool) => Pools.TryRemove(pool, out _);

    public static void Restarted(string server, string reason) => Restarts.Add(1, Server(server), new("reason", reason));

    private static KeyValuePair<string, object?> Server(string server) => new("mcp.server", server);
}
