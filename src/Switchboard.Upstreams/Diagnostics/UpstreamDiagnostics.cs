using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Polly.CircuitBreaker;

namespace Switchboard.Upstreams.Diagnostics;

/// <summary>
/// The upstreams' <see cref="ActivitySource"/> (a span per forwarded request, the parent of the SDK client's span
/// and its HTTP request) and <see cref="Meter"/> (circuit state, connection and health per upstream).
/// </summary>
public static class UpstreamDiagnostics
{
    /// <summary>The name of both the activity source and the meter: <c>Switchboard.Upstreams</c>.</summary>
    public const string Name = "Switchboard.Upstreams";

    internal static readonly ActivitySource ActivitySource = new(Name, typeof(UpstreamDiagnostics).Assembly.GetName().Version?.ToString());

    internal static readonly Meter Meter = new(Name, typeof(UpstreamDiagnostics).Assembly.GetName().Version?.ToString());

    private static readonly ConcurrentDictionary<UpstreamServer, byte> Servers = new();

    private static readonly ObservableGauge<int> CircuitState = Meter.CreateObservableGauge(
        "switchboard.upstream.circuit.state",
        () => Servers.Keys.Select(s => new Measurement<int>(CircuitValue(s.CircuitState), Server(s))),
        unit: "1",
        description: "Circuit breaker state per remote MCP server: 0 closed, 1 half-open, 2 open.");

    private static readonly ObservableGauge<int> Up = Meter.CreateObservableGauge(
        "switchboard.upstream.up",
        () => Servers.Keys.Select(s => new Measurement<int>(s.IsConnected ? 1 : 0, Server(s))),
        unit: "1",
        description: "Whether the remote MCP server is connected: 1 yes, 0 no.");

    private static readonly ObservableGauge<int> Healthy = Meter.CreateObservableGauge(
        "switchboard.upstream.healthy",
        () => Servers.Keys
            .Where(s => s.Health.Status != Health.UpstreamHealthStatus.Unknown)
            .Select(s => new Measurement<int>(s.Health.Status == Health.UpstreamHealthStatus.Healthy ? 1 : 0, Server(s))),
        unit: "1",
        description: "What the active health checks of the remote MCP server found: 1 healthy, 0 unhealthy; absent until known.");

    internal static void Track(UpstreamServer server) => Servers.TryAdd(server, 0);

    internal static void Untrack(UpstreamServer server) => Servers.TryRemove(server, out _);

    private static int CircuitValue(CircuitState state) => state switch
    {
        Polly.CircuitBreaker.CircuitState.Closed => 0,
        Polly.CircuitBreaker.CircuitState.HalfOpen => 1,
        _ => 2, // Open, Isolated
    };

    private static KeyValuePair<string, object?> Server(UpstreamServer server) => new("mcp.server", server.Name);
}
