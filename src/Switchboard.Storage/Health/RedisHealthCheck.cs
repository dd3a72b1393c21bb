using Microsoft.Extensions.Diagnostics.HealthChecks;
using Switchboard.Storage.Caching;

namespace Switchboard.Storage.Health;

/// <summary>
/// Healthy when Redis is connected or not configured; Degraded (still ready) while it is configured but down:
/// Switchboard serves from local memory and per-replica rate limits until it returns.
/// </summary>
public sealed class RedisHealthCheck(RedisConnection redis) : IHealthCheck
{
    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!redis.IsConfigured)
        {
            return Task.FromResult(HealthCheckResult.Healthy("Redis not configured: in-process cache and per-replica rate limits."));
        }

        var data = new Dictionary<string, object> { ["endpoint"] = redis.Endpoint, ["outages"] = redis.Outages };
        if (redis.IsAvailable)
        {
            return Task.FromResult(HealthCheckResult.Healthy("Redis connected.", data));
        }

        if (redis.DegradedSince is { } since)
        {
            data["degradedSince"] = since.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        }

        if (redis.LastError is { } error)
        {
            data["lastError"] = error;
        }

        return Task.FromResult(HealthCheckResult.Degraded(
            "Redis unavailable: serving from local memory with per-replica rate limits; reconnecting in the background.", data: data));
    }
}
