using Microsoft.Extensions.Diagnostics.HealthChecks;
using Switchboard.Registry;

namespace Switchboard.Gateway.Health;

/// <summary>Ready once the registry is built without naming problems.</summary>
internal sealed class RegistryHealthCheck(McpServerRegistry registry) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var problems = registry.Problems;
        var data = new Dictionary<string, object> { ["servers"] = registry.ServerNames.ToArray() };
        return Task.FromResult(problems.Count == 0
            ? HealthCheckResult.Healthy("Server registry loaded.", data)
            : HealthCheckResult.Unhealthy(string.Join(" ", problems), data: data));
    }
}
