using Microsoft.Extensions.Diagnostics.HealthChecks;
using Polly.CircuitBreaker;
using Switchboard.Upstreams.Resilience;

namespace Switchboard.Upstreams.Health;

/// <summary>
/// Reports each remote server's state: its connection, its circuit and its active health. An unreachable upstream
/// makes the gateway <em>degraded</em>, never unhealthy: readiness stays up, because every other server is still served.
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

    /// <summary>
    /// One server in words: <c>connected</c> when all is well, otherwise its connection or circuit first, then the
    /// circuit's state and what the active checks found, e.g. <c>circuit open (unreachable), breaker open, health unhealthy (timeout)</c>.
    /// </summary>
    internal static string Describe(UpstreamServer server)
    {
        string connection = (server.IsConnected, server.CircuitState) switch
        {
            (_, CircuitState.Open or CircuitState.Isolated) => $"circuit open ({server.LastFailure ?? "failed"})",
            (false, _) => $"not connected ({server.LastFailure ?? "connecting"})",
            (true, CircuitState.HalfOpen) => "recovering",
            _ => "connected",
        };
        var health = server.Health;
        return connection == "connected" && health.Status != UpstreamHealthStatus.Unhealthy
            ? connection
            : $"{connection}, breaker {UpstreamStateNames.Of(server.CircuitState)}, health {DescribeHealth(health)}";
    }

    private static string DescribeHealth(UpstreamHealth health) =>
        health.Status == UpstreamHealthStatus.Unhealthy ? $"unhealthy ({health.LastProblem ?? "failed"})" : UpstreamStateNames.Of(health.Status);
}
