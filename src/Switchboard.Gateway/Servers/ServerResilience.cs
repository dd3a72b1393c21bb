using Switchboard.Upstreams;
using Switchboard.Upstreams.Discovery;
using Switchboard.Upstreams.Resilience;

namespace Switchboard.Gateway.Servers;

/// <summary>
/// The resilience settings of a stored server (<c>resilience</c> in <c>POST</c>/<c>PATCH /api/v1/servers</c>), the
/// same as <c>Servers:{name}:…</c> in configuration; each group left out keeps its defaults. Checked with the
/// configuration's rules, so a bad value is a 400 naming the setting.
/// </summary>
/// <param name="ToolTimeouts">Timeouts of single tools, by the upstream's name, instead of the server's <c>timeout</c>.</param>
/// <param name="Retry">Retries of safe requests.</param>
/// <param name="Concurrency">Requests in flight at once and waiting, per gateway process.</param>
/// <param name="CircuitBreaker">When calls stop reaching the upstream for a while.</param>
/// <param name="HealthCheck">The active health check.</param>
/// <param name="Discovery">Balancing over every address of the URL's host.</param>
public sealed record ServerResilience(
    IReadOnlyDictionary<string, TimeSpan>? ToolTimeouts = null,
    RetrySettings? Retry = null,
    ConcurrencySettings? Concurrency = null,
    CircuitBreakerSettings? CircuitBreaker = null,
    HealthCheckSettings? HealthCheck = null,
    DiscoverySettings? Discovery = null)
{
    /// <summary>Sets the groups given on <paramref name="options"/>.</summary>
    public void ApplyTo(UpstreamOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (ToolTimeouts is not null)
        {
            options.ToolTimeouts = new(ToolTimeouts, StringComparer.Ordinal);
        }

        options.Retry = Retry ?? options.Retry;
        options.Concurrency = Concurrency ?? options.Concurrency;
        options.CircuitBreaker = CircuitBreaker ?? options.CircuitBreaker;
        options.HealthCheck = HealthCheck ?? options.HealthCheck;
        options.Discovery = Discovery ?? options.Discovery;
    }

    /// <summary>The settings <paramref name="options"/> holds, for an edit that keeps them.</summary>
    public static ServerResilience Of(UpstreamOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new(options.ToolTimeouts, options.Retry, options.Concurrency, options.CircuitBreaker, options.HealthCheck, options.Discovery);
    }
}
