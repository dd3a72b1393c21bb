using Microsoft.Extensions.Diagnostics.HealthChecks;
using Switchboard.Gateway.Servers;
using Switchboard.Registry;

namespace Switchboard.Gateway.Health;

/// <summary>
/// The servers served, and those left out with why: a stored server whose name is taken here or whose settings are
/// invalid, a tool or resource whose exposed name clashes. Any of these makes the gateway <em>degraded</em>, never
/// unready: only that server (or that primitive) is missing.
/// </summary>
internal sealed class RegistryHealthCheck(McpServerRegistry registry, ServerRegistrySync? sync = null) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var problems = registry.Problems;
        var leftOut = sync?.LeftOut() ?? new Dictionary<string, string>();
        var data = new Dictionary<string, object> { ["servers"] = registry.ServerNames.ToArray() };
        string[] troubles = [.. leftOut.Select(s => $"Server '{s.Key}' is left out ({s.Value})."), .. problems];
        return Task.FromResult(troubles.Length == 0
            ? HealthCheckResult.Healthy("Server registry loaded.", data)
            : HealthCheckResult.Degraded(string.Join(" ", troubles), data: data));
    }
}
