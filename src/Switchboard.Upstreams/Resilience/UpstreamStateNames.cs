using Polly.CircuitBreaker;
using Switchboard.Upstreams.Health;

namespace Switchboard.Upstreams.Resilience;

/// <summary>An upstream's circuit and health in the words clients and administrators see (error data, API, readiness).</summary>
public static class UpstreamStateNames
{
    /// <summary><c>closed</c>, <c>half-open</c>, <c>open</c> or <c>isolated</c>.</summary>
    public static string Of(CircuitState state) => state switch
    {
        CircuitState.Closed => "closed",
        CircuitState.HalfOpen => "half-open",
        CircuitState.Open => "open",
        _ => "isolated",
    };

    /// <summary><c>healthy</c>, <c>unhealthy</c> or <c>unknown</c> (not probed enough yet, or active checks off).</summary>
    public static string Of(UpstreamHealthStatus status) => status switch
    {
        UpstreamHealthStatus.Healthy => "healthy",
        UpstreamHealthStatus.Unhealthy => "unhealthy",
        _ => "unknown",
    };
}
