using Microsoft.Extensions.Diagnostics.HealthChecks;
using Polly.CircuitBreaker;

namespace Switchboard.Upstreams.Health;

/// <summary>
/// Reports each remote server's state. An unreachable upstream makes the gateway <em>degraded</em>, never unhealthy:
/// readiness stays up, because every other server is still served.
/// </summary>
internal sealed class UpstreamHealthCheck(UpstreamServers servers) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>();
        var troubled = new List<string>();
        foreach (var server in servers.All)
        {
            string state = Describe(server);
            data[server.Name] = state;
            if (state != "connected")
            {
                troubled.Add($"'{server.Name}' {state}");
            }
        }

        return Task.FromResult(troubled.Count == 0
            ? HealthCheckResult.Healthy($"{data.Count} remote server(s) connected.", data)
            : HealthCheckResult.Degraded($"Remote server(s) unavailable: {string.Join("; ", troubled)}.", data: data));
    }

    private static string Describe(UpstreamServer server) => (server.IsConnected, server.CircuitState) switch
    {
        (_, CircuitState.Open or CircuitState.Isolated) => $"circuit open ({server.LastFailure ?? "failed"})",
        (false, _) => $"not connected ({server.LastFailure ?? "connecting"})",
        (true, CircuitState.HalfOpen) => "recovering",
        _ => "connected",
    };
}
